/**
 * The note of a test skipped because an engine it needs is not on this machine. The engine
 * helpers (postgres.ts, redis.ts, victoriametrics.ts) only report an engine missing when
 * HEATPOOL_REQUIRE_ENGINES is not 1; in CI (`.ci/run` sets it) they throw, so nothing skips there.
 */
export const NO_ENGINE = 'engine not on this machine (VictoriaMetrics, PostgreSQL or Redis); HEATPOOL_REQUIRE_ENGINES=1, as in CI, fails instead'
