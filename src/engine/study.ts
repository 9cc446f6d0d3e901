// A study: every scenario × policy pair, `trials` seeded trials each.
import type { SummaryRow } from '../results/model.js';
import { summarize } from '../results/model.js';
import type { Scenario } from '../scenario/types.js';
import type { ResolvedPolicy } from './policies.js';
import type { TrialResult } from './result.js';
import { runTrial } from './trial.js';

export interface StudyPlan {
  readonly scenarios: readonly Scenario[];
  readonly policies: readonly ResolvedPolicy[];
  readonly trials: number;
  readonly seed: string;
}

export interface PairResult {
  readonly scenario: Scenario;
  readonly policy: ResolvedPolicy;
  readonly row: SummaryRow;
}

export function runStudy(plan: StudyPlan, onPair?: (done: number, total: number) => void): PairResult[] {
  const out: PairResult[] = [];
  const total = plan.scenarios.length * plan.policies.length;
  for (const scenario of plan.scenarios) {
    for (const policy of plan.policies) {
      const results: TrialResult[] = [];
      for (let t = 0; t < plan.trials; t++) {
        results.push(runTrial({ scenario, policy: policy.instance, seed: plan.seed, trial: t }));
      }
      out.push({ scenario, policy, row: summarize(scenario.name, policy.id, results) });
      onPair?.(out.length, total);
    }
  }
  return out;
}
