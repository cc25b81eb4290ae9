/**
 * The contract every detector runs (river's `check_estimator`, for this package): determinism by
 * seed, no input mutation, key order independence, exact serialisation round-trip mid-stream,
 * tolerance of missing and new features, frozen options, detection quality (ROC AUC) and
 * property tests of the score range.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Detector } from '../src/detector.js'
import type { Features } from '../src/features.js'
import { loadDetector } from '../src/load.js'
import { rocAuc } from '../src/roc-auc.js'
import { labelledStream } from './stream.js'

/** Builds a detector with default options except the seed (and whatever the detector needs). */
export type DetectorFactory = (seed: number) => Detector

/** Minimum ROC AUC on the labelled stream, after the warm-up. */
export const MIN_AUC = 0.8

/** Scores each point, then learns it (prequential); returns the scores. */
export function scoreThenLearn (detector: Detector, xs: readonly Features[]): number[] {
  return xs.map((x) => {
    const score = detector.scoreOne(x)
    detector.learnOne(x)
    return score
  })
}

const roundTrip = (detector: Detector): Detector => loadDetector(JSON.parse(JSON.stringify(detector.toJSON())))

const reversedKeys = (x: Features): Features => Object.fromEntries(Object.entries(x).reverse())

const deepFreeze = (x: Features): Features => Object.freeze({ ...x })

export function detectorContract (name: string, factory: DetectorFactory): void {
  const stream = labelledStream(7, 1500, 500)
  const xs = stream.map((p) => p.x)

  describe(`${name}: detector contract`, () => {
    it('gives identical scores for the same seed and stream', () => {
      expect(scoreThenLearn(factory(1), xs)).toEqual(scoreThenLearn(factory(1), xs))
    })

    it('gives different scores for different seeds', () => {
      expect(scoreThenLearn(factory(1), xs)).not.toEqual(scoreThenLearn(factory(2), xs))
    })

    it('never mutates its inputs (frozen observations, same values after)', () => {
      const frozen = xs.map(deepFreeze)
      const copies = frozen.map((x) => ({ ...x }))
      const detector = factory(3)
      expect(() => scoreThenLearn(detector, frozen)).not.toThrow()
      expect(frozen).toEqual(copies)
    })

    it('does not depend on the key order of an observation', () => {
      expect(scoreThenLearn(factory(4), xs.map(reversedKeys))).toEqual(scoreThenLearn(factory(4), xs))
    })

    it('keeps options frozen', () => {
      const detector = factory(5)
      expect(Object.isFrozen(detector.options)).toBe(true)
      expect(detector.toJSON().options).toEqual(detector.options)
    })

    it('round-trips through JSON exactly, mid-stream', () => {
      for (const cut of [0, 1, 249, 250, 777]) {
        const original = factory(6)
        scoreThenLearn(original, xs.slice(0, cut))
        const revived = roundTrip(original)
        expect(revived.toJSON()).toEqual(original.toJSON())
        expect(revived.options).toEqual(original.options)
        const rest = xs.slice(cut)
        expect(scoreThenLearn(revived, rest)).toEqual(scoreThenLearn(original, rest))
        expect(revived.toJSON()).toEqual(original.toJSON())
      }
    })

    it('refuses unknown kinds and versions with a clear error', () => {
      const json = JSON.parse(JSON.stringify(factory(8).toJSON())) as Record<string, unknown>
      expect(() => loadDetector({ ...json, kind: 'isolation-forest' })).toThrow(/unknown detector kind "isolation-forest"/)
      expect(() => loadDetector({ ...json, version: 99 })).toThrow(/unsupported version 99/)
      expect(() => loadDetector(null)).toThrow(/unknown detector kind/)
    })

    it('tolerates missing and new features (no throw, finite scores in [0, 1])', () => {
      const detector = factory(9)
      const messy = xs.map((x, i): Features => {
        const entries = Object.entries(x).filter((_, j) => (i + j) % 5 !== 0)
        if (i % 7 === 0) entries.push([`new_${i % 3}`, i])
        if (i % 11 === 0) entries.push(['temp_flow', Number.NaN])
        return Object.fromEntries(entries)
      })
      const scores = scoreThenLearn(detector, messy)
      expect(scores.every((s) => Number.isFinite(s) && s >= 0 && s <= 1)).toBe(true)
      expect(Number.isFinite(detector.scoreOne({}))).toBe(true)
      expect(Number.isFinite(detector.scoreOne({ unheard_of: 1 }))).toBe(true)
      expect(roundTrip(detector).toJSON()).toEqual(detector.toJSON())
    })

    it(`ranks anomalies first: ROC AUC ≥ ${MIN_AUC} after warm-up`, () => {
      const long = labelledStream(11, 3000, 500)
      const scores = scoreThenLearn(factory(12), long.map((p) => p.x))
      const auc = rocAuc(long.slice(500).map((p) => p.anomaly), scores.slice(500))
      console.info(`${name}: ROC AUC ${auc.toFixed(3)}`)
      expect(auc).toBeGreaterThanOrEqual(MIN_AUC)
    })

    it('scores arbitrary finite inputs with finite scores in [0, 1] (property)', () => {
      const value = fc.double({ noNaN: true, noDefaultInfinity: true })
      const observation = fc.dictionary(fc.constantFrom('temp_outdoor', 'temp_flow', 'power', 'other'), value)
      fc.assert(fc.property(fc.array(observation, { maxLength: 40 }), observation, fc.nat(1000), (learned, probe, seed) => {
        const detector = factory(seed)
        for (const x of learned) detector.learnOne(x)
        const score = detector.scoreOne(probe)
        return Number.isFinite(score) && score >= 0 && score <= 1
      }), { numRuns: 60 })
    })
  })
}
