// A study: every scenario × policy pair, `trials` seeded trials each.
import type { SummaryRow } from '../results/model.js';
import { summarize } from '../results/model.js';
import type { Scenario } from '../scenario/types.js';
import type { ResolvedPolicy } from './policies.js';
import type { TrialResult } from './result.js';
import { runTrial } from './trial.js';
import { exactSilentLoss } from './exact.js';

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
  /** Per trial, for paired comparisons: silent loss, and hotplug success (undefined: no hotplug). */
  readonly loss: (boolean | undefined)[];
  readonly hotplug: (boolean | undefined)[];
}

export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/** How long trials run between two looks at the event loop (signals, progress). */
const SLICE_MS = 100;

export interface StudyOptions {
  readonly onPair?: (done: number, total: number) => void;
  /** Every trial result of a pair, in trial order (for trials.csv). */
  readonly onTrials?: (scenario: Scenario, policy: ResolvedPolicy, results: readonly TrialResult[]) => void;
  readonly signal?: AbortSignal;
}

/** One scenario × policy pair: its trials, summary row and paired outcomes. */
export async function runPair(scenario: Scenario, policy: ResolvedPolicy, trials: number, seed: string, pause?: () => Promise<void>) {
  const results: TrialResult[] = [];
  let sliceStart = performance.now();
  for (let t = 0; t < trials; t++) {
    results.push(runTrial({ scenario, policy: policy.instance, seed, trial: t }));
    // Timing decides only when to yield, never what is computed.
    if (pause && (t & 15) === 15 && performance.now() - sliceStart > SLICE_MS) {
      await pause();
      sliceStart = performance.now();
    }
  }
  return {
    row: { ...summarize(scenario.name, policy.id, results), silentLossExact: exactSilentLoss(scenario, policy.instance) },
    loss: results.map((r) => (r.status === 'ok' ? r.lostOps > 0 : undefined)),
    hotplug: results.map((r) => (r.status === 'ok' && r.hotplugAttempts > 0 ? r.hotplugOk === r.hotplugAttempts : undefined)),
    results,
  };
}

export async function runStudy(plan: StudyPlan, opts: StudyOptions = {}): Promise<PairResult[]> {
  const out: PairResult[] = [];
  const total = plan.scenarios.length * plan.policies.length;
  const pause = async () => {
    await new Promise((r) => setImmediate(r));
    if (opts.signal?.aborted) throw new Interrupted('interrupted');
  };
  for (const scenario of plan.scenarios) {
    for (const policy of plan.policies) {
      const { results, ...pair } = await runPair(scenario, policy, plan.trials, plan.seed, pause);
      out.push({ scenario, policy, ...pair });
      opts.onTrials?.(scenario, policy, results);
      opts.onPair?.(out.length, total);
    }
  }
  return out;
}
