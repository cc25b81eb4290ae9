import type { Parameters } from 'fast-check'

/**
 * Run counts and seed of the fuzz properties. CI runs each property a few hundred times with a
 * fixed seed, so a failure is the same on every machine; `npm run fuzz` raises the count with
 * `FUZZ_RUNS` and may move the seed with `FUZZ_SEED` (fast-check prints the seed and the
 * shrunk counterexample's path on a failure, which `FUZZ_SEED` plus its `path` replays).
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261127)

/** `ciRuns` in `npm test`; `FUZZ_RUNS` (a multiple of the default, per property) in the deeper run. */
export function fuzzRuns (ciRuns: number): number {
  const wanted = Number(process.env.FUZZ_RUNS)
  return Number.isInteger(wanted) && wanted > 0 ? Math.max(ciRuns, wanted) : ciRuns
}

/** fast-check parameters: the fixed seed, the run count, and the failure printed with its seed. */
export function fuzzParameters<T> (ciRuns: number): Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: fuzzRuns(ciRuns) }
}

/** The test timeout of a property: generous in the deep run, whose runs are many more. */
export function fuzzTimeout (ciMs: number, ciRuns: number): number {
  return Math.ceil(ciMs * Math.max(1, fuzzRuns(ciRuns) / ciRuns))
}

/**
 * Open legacy ingest (no token needed) and rate limits far above the runs, so every request
 * reaches the parser and ingest instead of stopping at a 429.
 */
export const FUZZ_ENV: Readonly<Record<string, string>> = {
  LEGACY_OPEN_INGEST: 'true',
  RATE_LIMIT_PER_MINUTE: '1000000',
  RATE_LIMIT_IP_PER_MINUTE: '1000000',
  RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000000',
}
