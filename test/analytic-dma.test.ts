// The exact mode's expected DMA figures (guest/analytic-dma.ts through
// AnalyticSet) against brute force: the overlap sums against slot-by-slot
// arithmetic, and the whole tally against many sampled WorkingSets (the
// simulation's semantics) on small cases.
import { describe, expect, it } from 'vitest';
import type { DangerMap } from '../src/dma/danger-map.js';
import { OUTCOME_COUNT, Outcome, VISIBILITY_COUNT, Visibility } from '../src/dma/outcome.js';
import { AnalyticSet } from '../src/guest/analytic-set.js';
import { expectedOverlap, overlapPages } from '../src/guest/analytic-dma.js';
import type { Density } from '../src/guest/density.js';
import type { Placement } from '../src/guest/placement/build.js';
import { Rng } from '../src/guest/rng.js';
import { type DmaTally, WorkingSet, classifyBuffer, newTally } from '../src/guest/working-set.js';

const Z999 = 3.2905267314919255;

function dangerMap(ranges: ReadonlyArray<[number, number, Outcome, Visibility]>): DangerMap {
  return {
    firstPage: Float64Array.from(ranges, (r) => r[0]), lastPage: Float64Array.from(ranges, (r) => r[1]),
    outcome: Uint8Array.from(ranges, (r) => r[2]), visibility: Uint8Array.from(ranges, (r) => r[3]), classes: [],
  };
}

/** Uniform over slots [s, e]. */
const uniform = (pages: number, align: number, s: number, e: number): Placement => ({ pages, align, density: [{ s, e, d: 1 / (e - s + 1) }] });

/** Every figure of a tally, in one vector. */
const figures = (t: DmaTally): number[] => [t.lostOps, t.silentOps, t.faultOps, t.dangerousPlacements, ...t.lostBytes, ...t.lostByVisibility];
const NAMES = ['lostOps', 'silentOps', 'faultOps', 'dangerousPlacements', ...Array.from({ length: OUTCOME_COUNT }, (_, o) => `bytes[${o}]`), ...Array.from({ length: VISIBILITY_COUNT }, (_, v) => `byVisibility[${v}]`)];

type Step = { op: 'allocate'; place: Placement; map: DangerMap } | { op: 'phase'; ops: number; rounds: number; churn: number; place: Placement; map: DangerMap };

function playExact(count: number, pages: number, align: number, steps: readonly Step[]): number[] {
  const set = new AnalyticSet(count, pages, align);
  const t = newTally();
  for (const s of steps) {
    if (s.op === 'allocate') set.allocate(undefined, s.place, s.map, t);
    else { set.reclassify(); set.runPhase(undefined, s.ops, s.rounds, s.churn, s.place, s.map, t); }
  }
  return figures(t);
}

function playSampled(count: number, pages: number, align: number, steps: readonly Step[], seed: string): number[] {
  const rng = new Rng(seed);
  const set = new WorkingSet(count, pages, align);
  const t = newTally();
  for (const [i, s] of steps.entries()) {
    if (s.op === 'allocate') set.allocate(rng.fork(`a${i}`), s.place, s.map, t);
    else { set.reclassify(rng.fork(`r${i}`), s.map); set.runPhase(rng.fork(`p${i}`), s.ops, s.rounds, s.churn, s.place, s.map, t); }
  }
  return figures(t);
}

/** Every exact figure inside the 99.9% normal interval of the sampled mean (CLT; sd from the samples), and the figures not all zero. */
function crossCheck(count: number, pages: number, align: number, steps: readonly Step[], n = 3000): string[] {
  const exact = playExact(count, pages, align, steps);
  const runs = Array.from({ length: n }, (_, k) => playSampled(count, pages, align, steps, `analytic-dma/${k}`));
  const misses: string[] = [];
  for (const [j, x] of exact.entries()) {
    const xs = runs.map((r) => r[j]!);
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    const half = (Z999 * sd) / Math.sqrt(n) + 1e-9 * Math.max(1, Math.abs(mean));
    if (Math.abs(x - mean) > half) misses.push(`${NAMES[j]}: exact ${x}, sampled ${mean} ± ${half}`);
  }
  expect(exact[0]).toBeGreaterThan(0);
  return misses;
}

describe('expected overlap of a buffer with a range', () => {
  it('sums exactly as slot-by-slot arithmetic, for every buffer size, alignment and partial overlap', () => {
    const density: Density = [{ s: 0, e: 4, d: 0.05 }, { s: 7, e: 9, d: 0.1 }, { s: 10, e: 25, d: 0.0296875 }];
    let nonzero = 0;
    for (const pages of [1, 2, 3, 5, 8]) for (const align of [1, 2, 4]) for (const f of [0, 3, 9, 14, 30]) for (const len of [1, 2, 6, 20]) {
      const l = f + len - 1;
      let brute = 0;
      for (const g of density) for (let k = g.s; k <= g.e; k++) brute += g.d * overlapPages(k, f, l, pages, align);
      const got = expectedOverlap(density, f, l, pages, align);
      expect(Math.abs(got - brute), `pages ${pages} align ${align} [${f}, ${l}]`).toBeLessThan(1e-12);
      if (brute > 0) nonzero++;
    }
    expect(nonzero).toBeGreaterThan(100);
  });

  it('overlapPages is classifyBuffer\'s page count', () => {
    const map = dangerMap([[10, 13, Outcome.firmware, Visibility.unlogged]]);
    for (let k = 0; k < 20; k++) {
      const hit = classifyBuffer(map, k, 4);
      expect(overlapPages(k, 10, 13, 4, 1) * 4096).toBe(hit ? hit.lostBytes : 0);
    }
  });
});

describe('AnalyticSet expectations against sampled WorkingSets', () => {
  const fw = dangerMap([[10, 13, Outcome.firmware, Visibility.unlogged]]);

  it('a single buffer, one danger range, partial overlaps', () => {
    const place = uniform(4, 1, 0, 39);
    expect(crossCheck(1, 4, 1, [{ op: 'allocate', place, map: fw }, { op: 'phase', ops: 30, rounds: 3, churn: 0, place, map: fw }])).toEqual([]);
  });

  it('several buffers, outcomes of each visibility and a fault, aligned starts, churn', () => {
    const map = dangerMap([[6, 8, Outcome.faultUnmapped, Visibility.hostLogged], [20, 20, Outcome.peerBar, Visibility.unlogged], [21, 27, Outcome.peerHole, Visibility.guestVisible]]);
    const place = uniform(3, 2, 0, 24);
    expect(crossCheck(6, 3, 2, [{ op: 'allocate', place, map }, { op: 'phase', ops: 41, rounds: 5, churn: 0.3, place, map }])).toEqual([]);
  });

  it('two maps: positions stay, the later map re-reads them, churn re-places from a new placement', () => {
    const later = dangerMap([[0, 5, Outcome.faultAperture, Visibility.hostLogged], [10, 13, Outcome.firmware, Visibility.unlogged]]);
    const first = uniform(4, 1, 0, 39);
    const second: Placement = { pages: 4, align: 1, density: [{ s: 0, e: 9, d: 0.08 }, { s: 20, e: 29, d: 0.02 }] };
    const steps: Step[] = [
      { op: 'allocate', place: first, map: fw },
      { op: 'phase', ops: 20, rounds: 2, churn: 0.5, place: first, map: fw },
      { op: 'phase', ops: 25, rounds: 4, churn: 0.25, place: second, map: later },
    ];
    expect(crossCheck(5, 4, 1, steps)).toEqual([]);
  });

  it('can fail: the same check finds a tally that ignores churn', () => {
    const place = uniform(4, 1, 0, 39);
    const other = uniform(4, 1, 8, 15); // fresh placements crowd onto the range: churn moves the figures
    const steps: Step[] = [{ op: 'allocate', place, map: fw }, { op: 'phase', ops: 40, rounds: 4, churn: 0.5, place: other, map: fw }];
    const withChurn = playExact(3, 4, 1, steps);
    const without = playExact(3, 4, 1, steps.map((s) => (s.op === 'phase' ? { ...s, churn: 0 } : s)));
    expect(withChurn[0]).toBeGreaterThan(without[0]! * 2);
    expect(crossCheck(3, 4, 1, steps)).toEqual([]);
  });
});
