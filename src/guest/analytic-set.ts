// The exact counterpart of WorkingSet: instead of placing buffers, it keeps
// one buffer's position as a density over start pages, scaled by the
// probability that the buffer has lost nothing so far (twice: for any lost
// write, and for a lost write nothing records). Churn mixes in fresh
// placement mass; each round multiplies the lossy part by the chance that no
// operation reaches the buffer, (1 - 1/b)^ops. Buffers are independent
// (a Binomial(b, c) count of distinct buffers chosen uniformly is the same
// as each buffer replaced with probability c), so a device loses nothing
// with probability survival^b. The one approximation: operations are taken
// as independent per buffer rather than multinomial, which is exact when at
// most one buffer is lossy in a round or when a lossy buffer surely gets
// operations (the built-in phases' million operations).
import type { DangerMap } from '../dma/danger-map.js';
import { Visibility } from '../dma/outcome.js';
import { opsPerRound } from './working-set.js';
import type { Placement } from './placement/build.js';
import { type Density, type Ranges, combine, mass, split, startsTouching } from './density.js';

/** The two losses the exact mode follows: any lost write, and a lost write nothing records. */
export interface LossProbabilities {
  readonly data: number;
  readonly silent: number;
}

/** Start slots at which a buffer touches a range that loses data (every danger range), or an unlogged one. */
function lossyStarts(map: DangerMap, pages: number, align: number, silentOnly: boolean): Ranges {
  return startsTouching(map.firstPage, map.lastPage, pages, align, (i) => !silentOnly || map.visibility[i] === Visibility.unlogged);
}

export class AnalyticSet {
  /** One buffer's position, scaled by the chance it has lost nothing so far: for any loss, and for silent loss. */
  private data: Density = [];
  private silent: Density = [];

  constructor(readonly count: number, readonly pages: number, readonly align: number) {}

  allocate(_rng: unknown, place: Placement): boolean {
    this.data = this.silent = place.density;
    return place.density.length > 0;
  }

  /** The same rounds, operation split and churn as WorkingSet.runPhase. */
  reclassify(_rng?: unknown): void {
    // Positions stay; the next round reads the new map.
  }

  runPhase(_rng: unknown, operations: number, rounds: number, churn: number, place: Placement, map: DangerMap): void {
    this.data = this.evolve(this.data, lossyStarts(map, this.pages, this.align, false), operations, rounds, churn, place);
    this.silent = this.evolve(this.silent, lossyStarts(map, this.pages, this.align, true), operations, rounds, churn, place);
  }

  /** Probability that this device's buffers have lost nothing, and nothing silently. */
  survival(): LossProbabilities {
    return { data: Math.pow(mass(this.data), this.count), silent: Math.pow(mass(this.silent), this.count) };
  }

  private evolve(density: Density, lossy: Ranges, operations: number, rounds: number, churn: number, place: Placement): Density {
    for (const [r, ops] of opsPerRound(operations, rounds).entries()) {
      if (r > 0 && churn > 0) density = combine(density, 1 - churn, place.density, churn * mass(density));
      const f = this.count === 1 ? (ops > 0 ? 0 : 1) : Math.pow(1 - 1 / this.count, ops);
      if (f < 1) {
        const { inside, outside } = split(density, lossy);
        density = combine(outside, 1, inside, f);
      }
    }
    return density;
  }
}
