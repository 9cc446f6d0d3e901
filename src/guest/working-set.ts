// A device driver's DMA working set in the guest: `buffers` buffers of
// `bufferPages` pages, placed (seeded) by the device's placement profile over
// the RAM the guest believes usable for DMA when the driver probes
// (placement/build.ts), a fraction replaced each round, and DMA operations
// spread over them. Positions are guest page
// numbers (exact doubles); only buffers that touch a danger range cost more
// than one binary search.
import { type DangerMap, firstDangerAtOrAfter } from '../dma/danger-map.js';
import { OUTCOME_COUNT, Outcome, VISIBILITY_COUNT, Visibility, isFault } from '../dma/outcome.js';
import { binomial } from './binomial.js';
import { type Density, type Ranges, mass, sample, split, startsTouching } from './density.js';
import type { Placement } from './placement/build.js';
import type { Rng } from './rng.js';

export const PAGE_BYTES = 4096;

/** What one DMA operation on a buffer turns into. Every page in a danger map loses its data. */
export interface Hit {
  /** Bytes per operation by Outcome (index); delivered bytes are not kept. */
  readonly bytes: Float64Array;
  /** Bytes per operation by Visibility (index). */
  readonly byVisibility: Float64Array;
  readonly lostBytes: number;
  /** Lost bytes nothing records (Visibility.unlogged). */
  readonly silentBytes: number;
  readonly faults: boolean;
}

/** The hit of a buffer of `pages` pages wholly inside danger range i, by map: the same object for every such buffer. */
const insideHits = new WeakMap<DangerMap, Map<number, Hit>>();

export function classifyBuffer(map: DangerMap, startPage: number, pages: number): Hit | undefined {
  const lastPage = startPage + pages - 1;
  let i = firstDangerAtOrAfter(map, startPage);
  if (i >= map.firstPage.length || map.firstPage[i]! > lastPage) return undefined;
  // Ranges are disjoint: a buffer inside range i touches no other, and its hit depends on i and its size alone.
  if (map.firstPage[i]! <= startPage && map.lastPage[i]! >= lastPage) {
    let byRange = insideHits.get(map);
    if (!byRange) insideHits.set(map, (byRange = new Map()));
    const key = i * 2 ** 21 + pages;
    let hit = byRange.get(key);
    if (!hit) byRange.set(key, (hit = hitOf(map, i, i + 1, startPage, lastPage)));
    return hit;
  }
  let end = i;
  while (end < map.firstPage.length && map.firstPage[end]! <= lastPage) end++;
  return hitOf(map, i, end, startPage, lastPage);
}

/** What one operation on pages startPage..lastPage loses in danger ranges i..end - 1 (each touching it). */
function hitOf(map: DangerMap, i: number, end: number, startPage: number, lastPage: number): Hit {
  const bytes = new Float64Array(OUTCOME_COUNT);
  const byVisibility = new Float64Array(VISIBILITY_COUNT);
  let lost = 0;
  let faults = false;
  for (; i < end; i++) {
    const a = Math.max(startPage, map.firstPage[i]!);
    const z = Math.min(lastPage, map.lastPage[i]!);
    const o = map.outcome[i]! as Outcome;
    const v = map.visibility[i]!;
    const b = (z - a + 1) * PAGE_BYTES;
    bytes[o] = bytes[o]! + b;
    byVisibility[v] = byVisibility[v]! + b;
    lost += b;
    if (isFault(o)) faults = true;
  }
  return { bytes, byVisibility, lostBytes: lost, silentBytes: byVisibility[Visibility.unlogged]!, faults };
}

export interface DmaTally {
  /** Lost bytes by Outcome index (delivered stays 0). */
  readonly lostBytes: Float64Array;
  /** Lost bytes by Visibility index. */
  readonly lostByVisibility: Float64Array;
  /** Operations that lost data (any visibility), and those of them that lost some unlogged. */
  lostOps: number;
  silentOps: number;
  faultOps: number;
  /** Buffers placed (or re-placed) over a danger range. */
  dangerousPlacements: number;
}

export function newTally(): DmaTally {
  return { lostBytes: new Float64Array(OUTCOME_COUNT), lostByVisibility: new Float64Array(VISIBILITY_COUNT), lostOps: 0, silentOps: 0, faultOps: 0, dangerousPlacements: 0 };
}

/** Told of every buffer placed over a danger range (for `explain`); absent in runs. */
export type DangerWitness = (buffer: number, startPage: number, hit: Hit) => void;

/** Operations in each round: an even split, the remainder one each to the first rounds. */
export function opsPerRound(operations: number, rounds: number): number[] {
  const per = Math.floor(operations / rounds);
  const extra = operations - per * rounds;
  return Array.from({ length: rounds }, (_, r) => per + (r < extra ? 1 : 0));
}

/** A buffer with a known position: it touched a danger range when placed (or a later map). */
interface Known {
  readonly id: number;
  readonly page: number;
  hit: Hit | undefined;
}

/** Buffers known only to be safe: uniform over a density that excludes every danger seen. */
interface Crowd {
  n: number;
  density: Density;
  mass: number;
}

const dangerStarts = new WeakMap<DangerMap, Map<number, Ranges>>();

/**
 * A driver's working set. Every buffer is placed uniformly over the placement,
 * but only those that touch a danger range get a position: how many do is a
 * binomial draw, where they are a draw from the dangerous part. The rest stay
 * a crowd, a density with every danger seen so far taken out; a later map
 * (migration, remapping) draws again which of them it makes dangerous. The
 * distribution is that of placing each buffer; the cost follows the few that
 * matter, not the working set's size.
 */
export class WorkingSet {
  private known: Known[] = [];
  private crowds: Crowd[] = [];
  private seen: DangerMap | undefined;
  private nextId = 0;

  /** `align`: pages per start slot (guest/alignment.ts); positions are slots, pages = slot × align. */
  constructor(readonly count: number, readonly pages: number, readonly align: number, private readonly witness?: DangerWitness) {}

  /** Driver probe: every buffer placed afresh. Returns false if no RAM fits a buffer. */
  allocate(rng: Rng, place: Placement, map: DangerMap, tally: DmaTally): boolean {
    if (place.density.length === 0) return false;
    this.known = [];
    this.crowds = [];
    this.seen = map;
    this.place(rng, this.count, place, map, tally);
    return true;
  }

  /** The danger map changed (mapping, regions, migration): buffers stay where they are. */
  reclassify(rng: Rng, map: DangerMap): void {
    for (const k of this.known) k.hit = classifyBuffer(map, k.page, this.pages);
    if (map === this.seen) return;
    this.seen = map;
    const danger = this.dangerStarts(map);
    for (const c of this.crowds) {
      if (c.n === 0) continue;
      const { inside, outside } = split(c.density, danger);
      const m = mass(inside);
      if (m > 0) {
        const k = binomial(rng, c.n, m / c.mass);
        for (let i = 0; i < k; i++) this.know(sample(rng, inside, m), map);
        c.n -= k;
      }
      c.density = outside;
      c.mass = c.mass - m;
    }
  }

  /**
   * `operations` DMA writes over `rounds` rounds; between rounds each buffer is
   * freed and re-allocated with probability `churn`. Operation counts per
   * buffer are multinomial, drawn exactly as successive binomials.
   */
  runPhase(rng: Rng, operations: number, rounds: number, churn: number, place: Placement, map: DangerMap, tally: DmaTally): void {
    for (const [r, ops] of opsPerRound(operations, rounds).entries()) {
      if (r > 0 && churn > 0) this.churn(rng, churn, place, map, tally);
      let remaining = ops;
      let others = this.count;
      // Buffers with the same hit lose alike: one draw for the group's operations (a multinomial's cells may be merged).
      for (const [hit, buffers] of this.hitGroups()) {
        if (remaining === 0) break;
        const ops = binomial(rng, remaining, buffers / others);
        remaining -= ops;
        others -= buffers;
        if (ops === 0) continue;
        tally.lostOps += ops;
        for (let o = 0; o < OUTCOME_COUNT; o++) tally.lostBytes[o] = tally.lostBytes[o]! + ops * hit.bytes[o]!;
        for (let v = 0; v < VISIBILITY_COUNT; v++) tally.lostByVisibility[v] = tally.lostByVisibility[v]! + ops * hit.byVisibility[v]!;
        if (hit.silentBytes > 0) tally.silentOps += ops;
        if (hit.faults) tally.faultOps += ops;
      }
    }
  }

  /** Known buffers that lose data, counted by hit, in order of first appearance. */
  private hitGroups(): Map<Hit, number> {
    const groups = new Map<Hit, number>();
    for (const { hit } of this.known) if (hit) groups.set(hit, (groups.get(hit) ?? 0) + 1);
    return groups;
  }

  /** Each buffer is freed and re-allocated with probability `churn`, independently. */
  private churn(rng: Rng, churn: number, place: Placement, map: DangerMap, tally: DmaTally): void {
    let replaced = 0;
    const kept: Known[] = [];
    for (const k of this.known) {
      if (rng.float() < churn) replaced++;
      else kept.push(k);
    }
    this.known = kept;
    for (const c of this.crowds) {
      const r = binomial(rng, c.n, churn);
      c.n -= r;
      replaced += r;
    }
    this.crowds = this.crowds.filter((c) => c.n > 0);
    if (replaced > 0) this.place(rng, replaced, place, map, tally);
  }

  /** n fresh buffers: how many touch danger is one binomial draw; those get positions. */
  private place(rng: Rng, n: number, place: Placement, map: DangerMap, tally: DmaTally): void {
    const density = place.density;
    const { inside, outside } = split(density, this.dangerStarts(map));
    const total = mass(density);
    const m = mass(inside);
    const k = m > 0 ? binomial(rng, n, m / total) : 0;
    for (let i = 0; i < k; i++) {
      this.know(sample(rng, inside, m), map);
      tally.dangerousPlacements++;
    }
    if (n > k) this.crowds.push({ n: n - k, density: outside, mass: total - m });
    this.nextId += n - k;
  }

  private know(slot: number, map: DangerMap): void {
    const page = slot * this.align;
    const hit = classifyBuffer(map, page, this.pages);
    const id = this.nextId++;
    this.known.push({ id, page, hit });
    if (hit) this.witness?.(id, page, hit);
  }

  private dangerStarts(map: DangerMap): Ranges {
    let byPages = dangerStarts.get(map);
    if (!byPages) dangerStarts.set(map, (byPages = new Map()));
    const key = this.pages * 2 ** 21 + this.align;
    let r = byPages.get(key);
    if (!r) byPages.set(key, (r = startsTouching(map.firstPage, map.lastPage, this.pages, this.align, () => true)));
    return r;
  }
}
