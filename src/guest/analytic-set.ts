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
import { type Placement, opsPerRound } from './working-set.js';
import { type Density, type Ranges, combine, mass, placementDensity, split, startsTouching } from './density.js';


/** Start pages at which a buffer touches a silent-loss range. */
function lossyStarts(map: DangerMap, pages: number): Ranges {
  return startsTouching(map.firstPage, map.lastPage, pages, (i) => isSilent(map.outcome[i] as Outcome));
}

export class AnalyticSet {
  private density: Density = [];

  constructor(readonly count: number, readonly pages: number) {}

  allocate(_rng: unknown, place: Placement): boolean {
    this.density = placementDensity(place);
    return place.all.total > 0;
  }

  /** The same rounds, operation split and churn as WorkingSet.runPhase. */
  reclassify(_rng?: unknown): void {
    // Positions stay; the next round reads the new map.
  }

  runPhase(_rng: unknown, operations: number, rounds: number, churn: number, place: Placement, map: DangerMap): void {
    const lossy = lossyStarts(map, this.pages);
    for (const [r, ops] of opsPerRound(operations, rounds).entries()) {
      if (r > 0 && churn > 0) this.density = combine(this.density, 1 - churn, placementDensity(place), churn * mass(this.density));
      const f = this.count === 1 ? (ops > 0 ? 0 : 1) : Math.pow(1 - 1 / this.count, ops);
      if (f < 1) {
        const { inside, outside } = split(this.density, lossy);
        this.density = combine(outside, 1, inside, f);
      }
    }
  }

  /** Probability that this device's buffers have lost nothing. */
  survival(): number {
    return Math.pow(mass(this.density), this.count);
  }
}
