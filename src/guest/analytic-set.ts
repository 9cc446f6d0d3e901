// The exact counterpart of WorkingSet: instead of placing buffers, it keeps
// one buffer's position as a density over start pages, scaled by the
// probability that the buffer has lost nothing so far. Churn mixes in fresh
// placement mass; each round multiplies the lossy part by the chance that no
// operation reaches the buffer, (1 - 1/b)^ops. Buffers are independent
// (a Binomial(b, c) count of distinct buffers chosen uniformly is the same
// as each buffer replaced with probability c), so a device loses nothing
// with probability survival^b. The one approximation: operations are taken
// as independent per buffer rather than multinomial, which is exact when at
// most one buffer is lossy in a round or when a lossy buffer surely gets
// operations (the built-in phases' million operations).
import type { DangerMap } from '../dma/danger-map.js';
import { isSilent, type Outcome } from '../dma/outcome.js';
import type { Placement, SlotSpace } from './working-set.js';

/** Piecewise-constant density over start pages: disjoint, sorted [s, e] with value d. */
type Density = Array<{ s: number; e: number; d: number }>;

function fromSlots(space: SlotSpace, weight: number): Density {
  if (space.total === 0 || weight === 0) return [];
  const per = weight / space.total;
  return Array.from(space.firstPage, (s, i) => {
    const slots = space.cumulative[i]! - (i === 0 ? 0 : space.cumulative[i - 1]!);
    return { s, e: s + slots - 1, d: per };
  });
}

/** x·a + y·b, over the union of their breakpoints. */
function combine(a: Density, x: number, b: Density, y: number): Density {
  const cuts = new Set<number>();
  for (const g of [...a, ...b]) { cuts.add(g.s); cuts.add(g.e + 1); }
  const points = [...cuts].sort((p, q) => p - q);
  const at = (list: Density, p: number) => list.find((g) => g.s <= p && p <= g.e)?.d ?? 0;
  const out: Density = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const d = x * at(a, points[i]!) + y * at(b, points[i]!);
    if (d > 0) out.push({ s: points[i]!, e: points[i + 1]! - 1, d });
  }
  return out;
}

function mass(list: Density): number {
  return list.reduce((m, g) => m + (g.e - g.s + 1) * g.d, 0);
}

/** Start pages at which a buffer of `pages` pages touches a silent-loss range. */
function lossyStarts(map: DangerMap, pages: number): Array<{ s: number; e: number }> {
  const raw: Array<{ s: number; e: number }> = [];
  for (let i = 0; i < map.outcome.length; i++) {
    if (isSilent(map.outcome[i] as Outcome)) raw.push({ s: map.firstPage[i]! - pages + 1, e: map.lastPage[i]! });
  }
  raw.sort((p, q) => p.s - q.s);
  const out: Array<{ s: number; e: number }> = [];
  for (const r of raw) {
    const last = out[out.length - 1];
    if (last && r.s <= last.e + 1) last.e = Math.max(last.e, r.e);
    else out.push({ ...r });
  }
  return out;
}

/** Multiplies the density by f where the start is lossy. */
function scaleLossy(list: Density, lossy: Array<{ s: number; e: number }>, f: number): Density {
  const out: Density = [];
  for (const g of list) {
    let cursor = g.s;
    for (const l of lossy) {
      if (l.e < cursor || l.s > g.e) continue;
      if (l.s > cursor) out.push({ s: cursor, e: l.s - 1, d: g.d });
      const e = Math.min(l.e, g.e);
      if (f > 0) out.push({ s: Math.max(l.s, cursor), e, d: g.d * f });
      cursor = e + 1;
    }
    if (cursor <= g.e) out.push({ s: cursor, e: g.e, d: g.d });
  }
  return out;
}

export function placementDensity(place: Placement): Density {
  const wLow = place.lowBias > 0 && place.low.total > 0 ? place.lowBias : 0;
  return combine(fromSlots(place.low, wLow), 1, fromSlots(place.all, 1 - wLow), 1);
}

export class AnalyticSet {
  private density: Density = [];

  constructor(readonly count: number, readonly pages: number) {}

  allocate(_rng: unknown, place: Placement): boolean {
    this.density = placementDensity(place);
    return place.all.total > 0;
  }

  /** The same rounds, operation split and churn as WorkingSet.runPhase. */
  reclassify(): void {
    // Positions stay; the next round reads the new map.
  }

  runPhase(_rng: unknown, operations: number, rounds: number, churn: number, place: Placement, map: DangerMap): void {
    const perRound = Math.floor(operations / rounds);
    let extra = operations - perRound * rounds;
    const lossy = lossyStarts(map, this.pages);
    for (let r = 0; r < rounds; r++) {
      if (r > 0 && churn > 0) this.density = combine(this.density, 1 - churn, placementDensity(place), churn * mass(this.density));
      const ops = perRound + (extra > 0 ? 1 : 0);
      if (extra > 0) extra--;
      const f = this.count === 1 ? (ops > 0 ? 0 : 1) : Math.pow(1 - 1 / this.count, ops);
      if (f < 1) this.density = scaleLossy(this.density, lossy, f);
    }
  }

  /** Probability that this device's buffers have lost nothing. */
  survival(): number {
    return Math.pow(mass(this.density), this.count);
  }
}
