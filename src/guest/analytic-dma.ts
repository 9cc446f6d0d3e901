// Expected DMA figures for the exact mode (analytic-set.ts), by linearity of
// expectation: each operation picks one of the buffers uniformly (WorkingSet's
// multinomial split), so a round's expected lost operations are its
// operations times the chance that one buffer's position touches a danger
// range, and its expected lost bytes are its operations times the expected
// overlap of that buffer with each range. Counted exactly as WorkingSet
// counts (working-set.ts classifyBuffer, runPhase, place).
import type { DangerMap } from '../dma/danger-map.js';
import { OUTCOME_COUNT, VISIBILITY_COUNT, Visibility, isFault, type Outcome } from '../dma/outcome.js';
import { type Density, type Ranges, startsTouching } from './density.js';
import { PAGE_BYTES, type DmaTally } from './working-set.js';

/** Start slots touching any danger range (a lost write), an unlogged one (silentOps), a fault (faultOps). */
export interface StartSets {
  readonly any: Ranges;
  readonly silent: Ranges;
  readonly fault: Ranges;
}

const cache = new WeakMap<DangerMap, Map<number, StartSets>>();

/** Cached per map and buffer shape: trials and phases re-read the same maps. */
export function startSets(map: DangerMap, pages: number, align: number): StartSets {
  let byShape = cache.get(map);
  if (!byShape) cache.set(map, (byShape = new Map()));
  const key = pages * 2 ** 21 + align;
  let r = byShape.get(key);
  if (!r) {
    const touching = (keep: (i: number) => boolean) => startsTouching(map.firstPage, map.lastPage, pages, align, keep);
    r = { any: touching(() => true), silent: touching((i) => map.visibility[i] === Visibility.unlogged), fault: touching((i) => isFault(map.outcome[i] as Outcome)) };
    byShape.set(key, r);
  }
  return r;
}

/** The density's mass on the (sorted, disjoint) ranges: split(a, ranges).inside's mass, without building it. */
export function massIn(a: Density, ranges: Ranges): number {
  let m = 0;
  let r = 0;
  for (const g of a) {
    while (r < ranges.length && ranges[r]!.e < g.s) r++;
    for (let k = r; k < ranges.length && ranges[k]!.s <= g.e; k++) m += (Math.min(ranges[k]!.e, g.e) - Math.max(ranges[k]!.s, g.s) + 1) * g.d;
  }
  return m;
}

/** Pages a buffer of `pages` pages at slot k (page k·align) shares with [f, l]; classifyBuffer's z - a + 1. */
export function overlapPages(k: number, f: number, l: number, pages: number, align: number): number {
  const x = k * align;
  return Math.max(0, Math.min(l, x + pages - 1) - Math.max(f, x) + 1);
}

/**
 * Σ over slots k of density(k) × overlapPages(k): the overlap is linear in k
 * between the slots where a buffer's start or end crosses f or l, so each
 * piece of each constant segment sums exactly as an arithmetic series.
 */
export function expectedOverlap(a: Density, f: number, l: number, pages: number, align: number): number {
  const s0 = Math.ceil((f - pages + 1) / align);
  const e0 = Math.floor(l / align);
  if (s0 > e0) return 0;
  const cuts = [s0, Math.ceil(f / align), Math.ceil((l - pages + 1) / align), e0 + 1].filter((c) => c >= s0 && c <= e0 + 1).sort((p, q) => p - q);
  let lo = 0;
  let hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid]!.e < s0) lo = mid + 1; else hi = mid; } // first segment ending at or after s0
  let sum = 0;
  for (let j = lo; j < a.length && a[j]!.s <= e0; j++) {
    const g = a[j]!;
    for (let c = 0; c + 1 < cuts.length; c++) {
      const p = Math.max(g.s, cuts[c]!);
      const q = Math.min(g.e, cuts[c + 1]! - 1);
      if (p > q) continue;
      sum += (g.d * (q - p + 1) * (overlapPages(p, f, l, pages, align) + overlapPages(q, f, l, pages, align))) / 2;
    }
  }
  return sum;
}

/** What one operation on a buffer placed by `a` (a density of mass 1) loses, in expectation. */
export interface PerOp {
  readonly lost: number;
  readonly silent: number;
  readonly fault: number;
  /** Bytes by Outcome, and by Visibility. */
  readonly bytes: Float64Array;
  readonly byVisibility: Float64Array;
}

const NOTHING: PerOp = { lost: 0, silent: 0, fault: 0, bytes: new Float64Array(OUTCOME_COUNT), byVisibility: new Float64Array(VISIBILITY_COUNT) };

export function perOp(a: Density, map: DangerMap, starts: StartSets, pages: number, align: number): PerOp {
  const lost = starts.any.length === 0 ? 0 : massIn(a, starts.any);
  if (lost === 0) return NOTHING; // most phases: no buffer position meets danger
  const out: PerOp = { lost, silent: massIn(a, starts.silent), fault: massIn(a, starts.fault), bytes: new Float64Array(OUTCOME_COUNT), byVisibility: new Float64Array(VISIBILITY_COUNT) };
  for (let i = 0; i < map.firstPage.length; i++) {
    const b = expectedOverlap(a, map.firstPage[i]!, map.lastPage[i]!, pages, align) * PAGE_BYTES;
    if (b === 0) continue;
    const [o, v] = [map.outcome[i]!, map.visibility[i]!];
    out.bytes[o] = out.bytes[o]! + b;
    out.byVisibility[v] = out.byVisibility[v]! + b;
  }
  return out;
}

/** Adds `ops` operations' worth of `e` to the tally. */
export function addOps(tally: DmaTally, ops: number, e: PerOp): void {
  if (ops === 0 || e.lost === 0) return;
  tally.lostOps += ops * e.lost;
  tally.silentOps += ops * e.silent;
  tally.faultOps += ops * e.fault;
  for (let o = 0; o < OUTCOME_COUNT; o++) tally.lostBytes[o] = tally.lostBytes[o]! + ops * e.bytes[o]!;
  for (let v = 0; v < VISIBILITY_COUNT; v++) tally.lostByVisibility[v] = tally.lostByVisibility[v]! + ops * e.byVisibility[v]!;
}
