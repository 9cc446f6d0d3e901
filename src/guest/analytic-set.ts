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
// operations (the built-in phases' million operations). Beside them, one
// buffer's position unscaled gives the expected DMA figures (analytic-dma.ts).
import type { DangerMap } from '../dma/danger-map.js';
import { type DmaTally, opsPerRound } from './working-set.js';
import type { Placement } from './placement/build.js';
import { type Density, type Ranges, combine, mass, split } from './density.js';
import { addOps, massIn, perOp, startSets } from './analytic-dma.js';

/** The two losses the exact mode follows: any lost write, and a lost write nothing records. */
export interface LossProbabilities {
  readonly data: number;
  readonly silent: number;
}

/** The density scaled to mass 1 (empty when it has none: WorkingSet's crowd with no RAM never meets danger). */
function normalized(a: Density): Density {
  const m = mass(a);
  if (Math.abs(m - 1) < 1e-12) return a; // a placement's density has mass 1 already (placement/build.ts)
  return m > 0 ? combine(a, 1 / m, [], 0) : [];
}

export class AnalyticSet {
  /** One buffer's position, scaled by the chance it has lost nothing so far: for any loss, and for silent loss. */
  private data: Density = [];
  private silent: Density = [];
  /** One buffer's position, unscaled (mass 1): what the expectations read. */
  private position: Density = [];

  constructor(readonly count: number, readonly pages: number, readonly align: number) {}

  /** `tally` gets the expected buffers placed over danger, as WorkingSet.place counts them against the probe's map. */
  allocate(_rng: unknown, place: Placement, map?: DangerMap, tally?: DmaTally): boolean {
    this.data = this.silent = place.density;
    this.position = normalized(place.density);
    if (map && tally) tally.dangerousPlacements += this.count * massIn(this.position, startSets(map, this.pages, this.align).any);
    return place.density.length > 0;
  }

  /** The same rounds, operation split and churn as WorkingSet.runPhase. */
  reclassify(_rng?: unknown): void {
    // Positions stay; the next round reads the new map.
  }

  runPhase(_rng: unknown, operations: number, rounds: number, churn: number, place: Placement, map: DangerMap, tally?: DmaTally): void {
    const starts = startSets(map, this.pages, this.align);
    this.data = this.evolve(this.data, starts.any, operations, rounds, churn, place);
    this.silent = this.evolve(this.silent, starts.silent, operations, rounds, churn, place);
    this.expect(operations, rounds, churn, place, map, tally);
  }

  /** Probability that this device's buffers have lost nothing, and nothing silently. */
  survival(): LossProbabilities {
    return { data: Math.pow(mass(this.data), this.count), silent: Math.pow(mass(this.silent), this.count) };
  }

  /**
   * Round r's position is kept·position + (1 - kept)·fresh with kept = (1 - churn)^r
   * (churn before every round but the first, as WorkingSet.runPhase), and each
   * figure is linear in the position: two reads of the map serve every round.
   */
  private expect(operations: number, rounds: number, churn: number, place: Placement, map: DangerMap, tally: DmaTally | undefined): void {
    const fresh = churn > 0 && rounds > 1 ? normalized(place.density) : [];
    let [onOld, onFresh, kept] = [0, 0, 1];
    for (const [r, ops] of opsPerRound(operations, rounds).entries()) {
      if (r > 0 && churn > 0) kept *= 1 - churn;
      onOld += ops * kept;
      onFresh += ops * (1 - kept);
    }
    if (tally) {
      const starts = startSets(map, this.pages, this.align);
      addOps(tally, onOld, perOp(this.position, map, starts, this.pages, this.align));
      if (onFresh > 0) addOps(tally, onFresh, perOp(fresh, map, starts, this.pages, this.align));
      // Each churn round re-places count × churn buffers in expectation (WorkingSet.churn, then place against this map).
      if (churn > 0 && rounds > 1) tally.dangerousPlacements += (rounds - 1) * this.count * churn * massIn(fresh, starts.any);
    }
    if (kept < 1) this.position = combine(this.position, kept, fresh, 1 - kept);
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
