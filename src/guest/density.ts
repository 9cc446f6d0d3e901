// Piecewise-constant densities over start slots: disjoint sorted segments
// [s, e] with value d. A slot is an aligned start: slot k starts at page
// k × align (guest/alignment.ts). Shared by the exact mode (analytic-set.ts)
// and the sampler (working-set.ts), which keeps safe buffers as a density
// instead of positions. Every operation is a linear sweep.
import type { Rng } from './rng.js';
import type { SlotSpace } from './slots.js';

export type Density = ReadonlyArray<{ readonly s: number; readonly e: number; readonly d: number }>;
export type Ranges = ReadonlyArray<{ readonly s: number; readonly e: number }>;

export function fromSlots(space: SlotSpace, weight: number): Density {
  if (space.total === 0 || weight === 0) return [];
  const per = weight / space.total;
  return Array.from(space.firstSlot, (s, i) => ({ s, e: s + space.cumulative[i]! - (i === 0 ? 0 : space.cumulative[i - 1]!) - 1, d: per }));
}

/** x·a + y·b. */
export function combine(a: Density, x: number, b: Density, y: number): Density {
  const cuts: number[] = [];
  for (const g of a) cuts.push(g.s, g.e + 1);
  for (const g of b) cuts.push(g.s, g.e + 1);
  cuts.sort((p, q) => p - q);
  const out: Array<{ s: number; e: number; d: number }> = [];
  let i = 0;
  let j = 0;
  for (let k = 0; k + 1 < cuts.length; k++) {
    const p = cuts[k]!;
    const q = cuts[k + 1]!;
    if (q === p) continue;
    while (i < a.length && a[i]!.e < p) i++;
    while (j < b.length && b[j]!.e < p) j++;
    const da = i < a.length && a[i]!.s <= p ? a[i]!.d : 0;
    const db = j < b.length && b[j]!.s <= p ? b[j]!.d : 0;
    const d = x * da + y * db;
    if (d <= 0) continue;
    const last = out[out.length - 1];
    if (last && last.e + 1 === p && last.d === d) last.e = q - 1;
    else out.push({ s: p, e: q - 1, d });
  }
  return out;
}

export function mass(a: Density): number {
  let m = 0;
  for (const g of a) m += (g.e - g.s + 1) * g.d;
  return m;
}

/** The part of `a` inside the (sorted, disjoint) ranges, and the part outside. */
export function split(a: Density, ranges: Ranges): { inside: Density; outside: Density } {
  const inside: Array<{ s: number; e: number; d: number }> = [];
  const outside: Array<{ s: number; e: number; d: number }> = [];
  let r = 0;
  for (const g of a) {
    let cursor = g.s;
    while (r < ranges.length && ranges[r]!.e < cursor) r++;
    for (let k = r; k < ranges.length && ranges[k]!.s <= g.e; k++) {
      const l = ranges[k]!;
      if (l.s > cursor) outside.push({ s: cursor, e: l.s - 1, d: g.d });
      const e = Math.min(l.e, g.e);
      inside.push({ s: Math.max(l.s, cursor), e, d: g.d });
      cursor = e + 1;
      if (cursor > g.e) break;
    }
    if (cursor <= g.e) outside.push({ s: cursor, e: g.e, d: g.d });
  }
  return { inside, outside };
}

/** A start page drawn with probability proportional to the density. */
export function sample(rng: Rng, a: Density, total = mass(a)): number {
  let u = rng.float() * total;
  for (const g of a) {
    const m = (g.e - g.s + 1) * g.d;
    if (u < m || g === a[a.length - 1]) return g.s + rng.below(g.e - g.s + 1);
    u -= m;
  }
  throw new Error('sample from an empty density');
}

/**
 * Sorted, merged start slots at which a buffer of `pages` pages, starting at
 * a multiple of `align` pages, touches one of `ranges` (page ranges): slot k
 * touches [f, l] when k·align <= l and k·align + pages - 1 >= f.
 */
export function startsTouching(first: ArrayLike<number>, last: ArrayLike<number>, pages: number, align: number, keep: (i: number) => boolean): Ranges {
  const raw: Array<{ s: number; e: number }> = [];
  for (let i = 0; i < first.length; i++) {
    if (!keep(i)) continue;
    const s = Math.ceil((first[i]! - pages + 1) / align);
    const e = Math.floor(last[i]! / align);
    if (s <= e) raw.push({ s, e });
  }
  raw.sort((p, q) => p.s - q.s);
  const out: Array<{ s: number; e: number }> = [];
  for (const x of raw) {
    const prev = out[out.length - 1];
    if (prev && x.s <= prev.e + 1) prev.e = Math.max(prev.e, x.e);
    else out.push({ ...x });
  }
  return out;
}
