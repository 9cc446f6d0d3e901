// The units of work a parallel run hands its workers: a pair's trials in
// chunks, and its exact value with its loss ranges. Small units keep every worker
// busy to the end (a whole long pair left a core idle); each trial has its
// own seed key and the main thread puts the pieces back in trial order, so
// how a pair is cut and in what order units run changes no output byte.
import { exactSteps, trialSteps } from '../scenario/work-budget.js';
import type { Scenario } from '../scenario/types.js';

/** Trials per unit: big enough that posting a unit costs little beside it, small enough to balance two cores. */
export const CHUNK_TRIALS = 250;

/**
 * Loss ranges against the exact value: the guest mixes' paths played again
 * and each distinct workload variant replayed (engine/loss-replay.ts);
 * 2.9 s against 0.58 s CPU on the default study, measured.
 */
const RANGES_PER_EXACT = 5;

export type WorkUnit =
  | { readonly pair: number; readonly kind: 'trials'; readonly from: number; readonly to: number; readonly cost: number }
  | { readonly pair: number; readonly kind: 'exact'; readonly cost: number };

/**
 * Every unit of the pairs not yet done, in the order to hand them out: the
 * exact parts first (cheap in all, and a pair completes as soon as its
 * trials do, so few trials wait in memory), longest first; then the trials,
 * pair by pair, longest pair first. With `canonical` (trials.csv is written
 * in pair order as pairs complete) the trials go in pair order instead.
 * Costs are the work budget's step estimates (scenario/work-budget.ts).
 */
export function workUnits(scenarios: readonly Scenario[], todo: readonly number[], trials: number, canonical: boolean): WorkUnit[] {
  const exact: WorkUnit[] = [];
  const chunks: WorkUnit[][] = [];
  for (const pair of todo) {
    const s = scenarios[pair]!;
    const e = exactSteps(s);
    // One unit: the ranges are computed only beside an exact value (a policy whose every call times out would otherwise be played for every variant).
    exact.push({ pair, kind: 'exact', cost: e * (1 + RANGES_PER_EXACT) });
    const perTrial = trialSteps(s);
    const mine: WorkUnit[] = [];
    for (let from = 0; from < trials; from += CHUNK_TRIALS) {
      const to = Math.min(trials, from + CHUNK_TRIALS);
      mine.push({ pair, kind: 'trials', from, to, cost: perTrial * (to - from) });
    }
    chunks.push(mine);
  }
  // Array.prototype.sort is stable: equal costs keep pair order.
  exact.sort((a, b) => b.cost - a.cost);
  const total = (c: WorkUnit[]) => c.reduce((n, u) => n + u.cost, 0);
  if (!canonical) chunks.sort((a, b) => total(b) - total(a));
  return [...exact, ...chunks.flat()];
}

/** How many units a pair is cut into. */
export function unitsPerPair(trials: number): number {
  return 1 + Math.ceil(trials / CHUNK_TRIALS);
}
