// Every path of a scenario's discrete draws (guest mix, userspace fleet,
// `chance`, pools, hint channels), each played once with its probability:
// the exact engine (exact.ts) and the loss-range replay (loss-replay.ts)
// walk the same paths in the same order, so their sums agree to the bit.
import { WORK_BUDGET } from '../scenario/work-budget.js';

/** The exact mode's stand-in for a draw: which outcome of `weights` this path takes. */
export type Choose = (key: string, weights: readonly number[]) => number;

/** Beyond this many paths the exact value is not computed (scenario/work-budget.ts says why, before anything is played). */
export const MAX_PATHS = WORK_BUDGET.exactPaths;

/**
 * Plays `play` once per path and hands each complete path to `leaf` with its
 * probability. False when a path throws or there are more than MAX_PATHS
 * paths: the caller then computes nothing.
 */
export function forEachPath<T>(play: (choose: Choose) => T, leaf: (weight: number, played: T) => void): boolean {
  let paths = 0;
  const explore = (prefix: number[], weight: number): boolean => {
    const decisions: Array<readonly number[]> = [];
    const choose: Choose = (_key, weights) => {
      const k = decisions.length;
      decisions.push(weights);
      return k < prefix.length ? prefix[k]! : 0;
    };
    let played: T;
    try {
      played = play(choose);
    } catch {
      return false; // a trial that errors has no exact value
    }
    if (decisions.length <= prefix.length) {
      if (++paths > MAX_PATHS) return false;
      leaf(weight, played);
      return true;
    }
    // The first decision beyond the prefix: branch on each of its outcomes.
    const weights = decisions[prefix.length]!;
    const sum = weights.reduce((a, b) => a + b, 0);
    for (let k = 0; k < weights.length; k++) {
      if (weights[k]! > 0 && !explore([...prefix, k], (weight * weights[k]!) / sum)) return false;
    }
    return true;
  };
  return explore([], 1);
}
