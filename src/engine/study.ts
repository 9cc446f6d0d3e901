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

export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/** How long trials run between two looks at the event loop (signals, progress). */
const SLICE_MS = 100;

export async function runStudy(plan: StudyPlan, opts: { onPair?: (done: number, total: number) => void; signal?: AbortSignal } = {}): Promise<PairResult[]> {
  const out: PairResult[] = [];
  const total = plan.scenarios.length * plan.policies.length;
  let sliceStart = performance.now();
  for (const scenario of plan.scenarios) {
    for (const policy of plan.policies) {
      const results: TrialResult[] = [];
      for (let t = 0; t < plan.trials; t++) {
        results.push(runTrial({ scenario, policy: policy.instance, seed: plan.seed, trial: t }));
        // Timing decides only when to yield, never what is computed.
        if ((t & 15) === 15 && performance.now() - sliceStart > SLICE_MS) {
          await new Promise((r) => setImmediate(r));
          if (opts.signal?.aborted) throw new Interrupted('interrupted');
          sliceStart = performance.now();
        }
      }
      out.push({ scenario, policy, row: summarize(scenario.name, policy.id, results) });
      opts.onPair?.(out.length, total);
    }
  }
  return out;
}
