// A device driver's DMA working set in the guest: `buffers` buffers of
// `bufferPages` pages, placed uniformly (seeded) over the RAM the guest
// believes usable for DMA when the driver probes, a fraction replaced each
// round, and DMA operations spread over them. Positions are guest page
// numbers (exact doubles); only buffers that touch a danger range cost more
// than one binary search.
import { PAGE_SHIFT } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';
import { type DangerMap, firstDangerAtOrAfter } from '../dma/danger-map.js';
import { OUTCOME_COUNT, Outcome, isFault, isSilent } from '../dma/outcome.js';
import { binomial } from './binomial.js';
import type { Rng } from './rng.js';

export const PAGE_BYTES = 4096;

/** Allowed start pages for a buffer, as cumulative slot counts over page ranges. */
export interface SlotSpace {
  readonly firstPage: Float64Array;
  readonly cumulative: Float64Array;
  readonly total: number;
}

export function slotSpace(usable: IntervalSet, bufferPages: number): SlotSpace {
  const first: number[] = [];
  const cum: number[] = [];
  let total = 0;
  for (const r of usable.ranges) {
    const a = Number(r.start >> PAGE_SHIFT);
    const z = Number(r.last >> PAGE_SHIFT);
    const slots = z - a + 1 - bufferPages + 1;
    if (slots <= 0) continue;
    first.push(a);
    total += slots;
    cum.push(total);
  }
  return { firstPage: Float64Array.from(first), cumulative: Float64Array.from(cum), total };
}

export function drawStartPage(rng: Rng, space: SlotSpace): number {
  const k = rng.below(space.total);
  let lo = 0;
  let hi = space.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (space.cumulative[mid]! <= k) lo = mid + 1;
    else hi = mid;
  }
  const before = lo === 0 ? 0 : space.cumulative[lo - 1]!;
  return space.firstPage[lo]! + (k - before);
}

/** Where a driver may put its buffers: all usable RAM, and the part below 4 GiB. */
export interface Placement {
  readonly all: SlotSpace;
  readonly low: SlotSpace;
  /** Probability a buffer is taken from below 4 GiB (ZONE_DMA32-style drivers). */
  readonly lowBias: number;
}

export function placementFor(usable: IntervalSet, bufferPages: number, lowBias: number): Placement {
  const low = usable.intersect(IntervalSet.of({ start: 0n, last: (1n << 32n) - 1n }));
  return { all: slotSpace(usable, bufferPages), low: slotSpace(low, bufferPages), lowBias };
}

/** What one DMA operation on a buffer turns into. */
export interface Hit {
  /** Bytes per operation by Outcome (index); delivered bytes are not kept. */
  readonly bytes: Float64Array;
  readonly silentBytes: number;
  readonly faults: boolean;
}

export function classifyBuffer(map: DangerMap, startPage: number, pages: number): Hit | undefined {
  const lastPage = startPage + pages - 1;
  let i = firstDangerAtOrAfter(map, startPage);
  if (i >= map.firstPage.length || map.firstPage[i]! > lastPage) return undefined;
  const bytes = new Float64Array(OUTCOME_COUNT);
  let silent = 0;
  let faults = false;
  for (; i < map.firstPage.length && map.firstPage[i]! <= lastPage; i++) {
    const a = Math.max(startPage, map.firstPage[i]!);
    const z = Math.min(lastPage, map.lastPage[i]!);
    const o = map.outcome[i]! as Outcome;
    const b = (z - a + 1) * PAGE_BYTES;
    bytes[o] = bytes[o]! + b;
    if (isSilent(o)) silent += b;
    if (isFault(o)) faults = true;
  }
  return { bytes, silentBytes: silent, faults };
}

export interface DmaTally {
  /** Lost bytes by Outcome index (silent mechanisms only are non-zero). */
  readonly lostBytes: Float64Array;
  lostOps: number;
  faultOps: number;
  /** Buffers placed (or re-placed) over a danger range. */
  dangerousPlacements: number;
}

export function newTally(): DmaTally {
  return { lostBytes: new Float64Array(OUTCOME_COUNT), lostOps: 0, faultOps: 0, dangerousPlacements: 0 };
}

/** Told of every buffer placed over a danger range (for `explain`); absent in runs. */
export type DangerWitness = (buffer: number, startPage: number, hit: Hit) => void;

export class WorkingSet {
  readonly positions: Float64Array;
  private hits = new Map<number, Hit>();

  constructor(readonly count: number, readonly pages: number, private readonly witness?: DangerWitness) {
    this.positions = new Float64Array(count);
  }

  /** Driver probe: every buffer placed afresh. Returns false if no RAM fits a buffer. */
  allocate(rng: Rng, place: Placement, map: DangerMap, tally: DmaTally): boolean {
    if (place.all.total === 0) return false;
    for (let i = 0; i < this.count; i++) this.placeOne(i, rng, place, map, tally);
    return true;
  }

  /** The danger map changed (mapping, regions, migration): buffers stay where they are. */
  reclassify(map: DangerMap): void {
    this.hits.clear();
    for (let i = 0; i < this.count; i++) {
      const hit = classifyBuffer(map, this.positions[i]!, this.pages);
      if (hit) this.hits.set(i, hit);
    }
  }

  /**
   * `operations` DMA writes over `rounds` rounds; between rounds each buffer is
   * freed and re-allocated with probability `churn`. Operation counts per
   * buffer are multinomial, drawn exactly as successive binomials.
   */
  runPhase(rng: Rng, operations: number, rounds: number, churn: number, place: Placement, map: DangerMap, tally: DmaTally): void {
    const perRound = Math.floor(operations / rounds);
    let extra = operations - perRound * rounds;
    for (let r = 0; r < rounds; r++) {
      if (r > 0 && churn > 0) this.churn(rng, churn, place, map, tally);
      let remaining = perRound + (extra > 0 ? 1 : 0);
      if (extra > 0) extra--;
      let others = this.count;
      for (const hit of this.hits.values()) {
        if (remaining === 0) break;
        const ops = binomial(rng, remaining, 1 / others);
        remaining -= ops;
        others--;
        if (ops === 0) continue;
        if (hit.silentBytes > 0) {
          tally.lostOps += ops;
          for (let o = 0; o < OUTCOME_COUNT; o++) if (isSilent(o as Outcome)) tally.lostBytes[o] = tally.lostBytes[o]! + ops * hit.bytes[o]!;
        }
        if (hit.faults) tally.faultOps += ops;
      }
    }
  }

  /**
   * Each buffer is freed and re-allocated with probability `churn`, in index
   * order, reaching the next one by a geometric skip: the same distribution
   * as a Binomial(count, churn) number of distinct buffers chosen uniformly.
   */
  private churn(rng: Rng, churn: number, place: Placement, map: DangerMap, tally: DmaTally): void {
    if (churn >= 1) {
      for (let i = 0; i < this.count; i++) this.placeOne(i, rng, place, map, tally);
      return;
    }
    const logq = Math.log1p(-churn);
    for (let i = Math.floor(Math.log(1 - rng.float()) / logq); i < this.count; i += 1 + Math.floor(Math.log(1 - rng.float()) / logq)) {
      this.placeOne(i, rng, place, map, tally);
    }
  }

  private placeOne(i: number, rng: Rng, place: Placement, map: DangerMap, tally: DmaTally): void {
    const useLow = place.lowBias > 0 && place.low.total > 0 && rng.float() < place.lowBias;
    const page = drawStartPage(rng, useLow ? place.low : place.all);
    this.positions[i] = page;
    // Fast path: most buffers touch no danger range; one binary search says so.
    const k = firstDangerAtOrAfter(map, page);
    const hit = k < map.firstPage.length && map.firstPage[k]! <= page + this.pages - 1 ? classifyBuffer(map, page, this.pages) : undefined;
    if (hit) {
      this.hits.set(i, hit);
      tally.dangerousPlacements++;
      this.witness?.(i, page, hit);
    } else if (this.hits.size > 0) {
      this.hits.delete(i);
    }
  }
}
