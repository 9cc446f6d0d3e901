// The exact probability that a trial loses data, and that it loses some
// silently: every path of the scenario's discrete draws (guest mix,
// `chance`, pools) is played once in analytic mode (guest/analytic-set.ts)
// and weighted by its probability.
import type { LossProbabilities } from '../guest/analytic-set.js';
import type { PolicyInstance } from '../policy.js';
import type { Scenario } from '../scenario/types.js';
import { TrialRun } from './trial.js';
import { WORK_BUDGET, exactOverBudget } from '../scenario/work-budget.js';

/** Beyond this many paths the exact value is not computed (scenario/work-budget.ts says why, before anything is played). */
export const MAX_PATHS = WORK_BUDGET.exactPaths;

export function exactLoss(scenario: Scenario, policy: PolicyInstance): LossProbabilities | undefined {
  if (exactOverBudget(scenario) !== undefined) return undefined;
  const total = { data: 0, silent: 0 };
  let paths = 0;
  const explore = (prefix: number[], weight: number): boolean => {
    const decisions: Array<readonly number[]> = [];
    const choose = (_key: string, weights: readonly number[]) => {
      const k = decisions.length;
      decisions.push(weights);
      return k < prefix.length ? prefix[k]! : 0;
    };
    let loss: LossProbabilities;
    try {
      const run = new TrialRun({ scenario, policy, seed: 'exact', trial: 0, choose });
      run.run();
      loss = run.lossProbability();
    } catch {
      return false; // a trial that errors has no loss probability
    }
    if (decisions.length <= prefix.length) {
      if (++paths > MAX_PATHS) return false;
      total.data += weight * loss.data;
      total.silent += weight * loss.silent;
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
  // 1 - ∏ survival leaves round-off of order 1e-16 where nothing can be lost.
  const clean = (p: number) => (p < 1e-12 ? 0 : Math.min(1, p));
  return explore([], 1) ? { data: clean(total.data), silent: clean(total.silent) } : undefined;
}

/** The exact probability that a trial loses data silently (see exactLoss). */
export function exactSilentLoss(scenario: Scenario, policy: PolicyInstance): number | undefined {
  return exactLoss(scenario, policy)?.silent;
}
