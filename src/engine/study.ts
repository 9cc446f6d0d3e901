// A study: every scenario × policy pair, `trials` seeded trials each.
import type { SummaryRow } from '../results/model.js';
import { summarize } from '../results/model.js';
import type { Scenario } from '../scenario/types.js';
import type { ResolvedPolicy } from './policies.js';
import type { TrialResult } from './result.js';
import { runTrial } from './trial.js';
import { checkedFact, factTrials } from './fact.js';
import { exactLossAndReach } from './exact.js';
import { exactOverBudget } from '../scenario/work-budget.js';
import { lossRanges } from './sensitivity.js';
import { workloadText } from '../scenario/workload-text.js';
import { counterfactualLabel } from './counterfactual.js';
import { applyPoint, pointLabel } from '../scenario/params.js';
import { type TrialOutcome, outcomeOf } from '../results/outcomes.js';

export interface StudyPlan {
  readonly scenarios: readonly Scenario[];
  /** Sweep points (scenario parameters); [{}] without a sweep. */
  readonly points?: ReadonlyArray<Readonly<Record<string, string>>>;
  readonly policies: readonly ResolvedPolicy[];
  readonly trials: number;
  readonly seed: string;
  /** Play every trial, even of a pair computed once (engine/fact.ts); --simulate. */
  readonly simulate?: boolean;
}

export interface PairResult {
  readonly scenario: Scenario;
  /** The sweep point's label ('' without a sweep). */
  readonly point: string;
  readonly policy: ResolvedPolicy;
  readonly row: SummaryRow;
  /** Per trial, for paired comparisons: what it lost (TrialLoss), and hotplug success (undefined: no hotplug). */
  readonly loss: (TrialLoss | undefined)[];
  readonly hotplug: (boolean | undefined)[];
  /** Per trial, the outcomes the Alex-vs-Will comparison pairs (results/outcomes.ts). */
  readonly outcomes: (TrialOutcome | undefined)[];
}

export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/** How long trials run between two looks at the event loop (signals, progress). */
const SLICE_MS = 100;

/** What a finished pair leaves: its row, paired outcomes, and trials when kept. */
export interface PairPiece {
  readonly row: SummaryRow;
  readonly loss: (TrialLoss | undefined)[];
  readonly hotplug: (boolean | undefined)[];
  readonly outcomes: (TrialOutcome | undefined)[];
  readonly results?: readonly TrialResult[];
}

export interface StudyOptions {
  /** Pairs finished by an earlier, interrupted run, by canonical index. */
  readonly done?: ReadonlyMap<number, PairPiece>;
  /** Every pair as it finishes (for the checkpoint). */
  readonly onPairDone?: (index: number, piece: PairPiece) => void;
  readonly onPair?: (done: number, total: number) => void;
  /** Every trial result of a pair, in trial order (for trials.csv). */
  readonly onTrials?: (scenario: Scenario, policy: ResolvedPolicy, results: readonly TrialResult[], point: string) => void;
  readonly signal?: AbortSignal;
}

/** One scenario × policy pair: its trials (played, or the fact repeated: engine/fact.ts), summary row and paired outcomes. */
export async function runPair(scenario: Scenario, policy: ResolvedPolicy, trials: number, seed: string, pause?: () => Promise<void>, simulate = false) {
  const exact = pairExact(scenario, policy, seed);
  const fact = simulate ? undefined : exact.fact;
  const results: TrialResult[] = fact ? factTrials(fact, 0, trials) : [];
  let sliceStart = performance.now();
  for (let t = results.length; t < trials; t++) {
    results.push(runTrial({ scenario, policy: policy.instance, seed, trial: t }));
    // Timing decides only when to yield, never what is computed.
    if (pause && (t & 15) === 15 && performance.now() - sliceStart > SLICE_MS) {
      await pause();
      sliceStart = performance.now();
    }
  }
  return pairPiece(scenario, policy, results, exact, exact.loss && pairRanges(scenario, policy), fact ? 1 : trials);
}

/** Trials `from` to `to` - 1 of a pair: each has its own seed key, so any split gives the same trials (engine/parallel.ts). */
export function runTrials(scenario: Scenario, policy: ResolvedPolicy, seed: string, from: number, to: number): TrialResult[] {
  const results: TrialResult[] = [];
  for (let t = from; t < to; t++) results.push(runTrial({ scenario, policy: policy.instance, seed, trial: t }));
  return results;
}

/**
 * The pair's exact part, as plain data (a worker posts it). Over the work
 * budget the exact value is skipped, and the report says so. `fact`: trial
 * 0's result where it is every trial's (engine/fact.ts).
 */
export function pairExact(scenario: Scenario, policy: ResolvedPolicy, seed: string) {
  const exactNote = exactOverBudget(scenario) ?? '';
  const computed = exactNote ? undefined : exactLossAndReach(scenario, policy.instance);
  return { exactNote, loss: computed?.loss, metrics: computed?.metrics, deterministic: computed?.deterministic, fact: checkedFact(scenario, policy, seed, computed?.fact) };
}

/** The pair's loss ranges (undefined over the work budget); pairPiece keeps them only beside an exact value. */
export function pairRanges(scenario: Scenario, policy: ResolvedPolicy) {
  return exactOverBudget(scenario) ? undefined : lossRanges(scenario, policy.instance);
}

/** A pair's row and paired outcomes from its trials (in trial order), exact part and ranges; `played`: how many of the trials were simulated. */
export function pairPiece(scenario: Scenario, policy: ResolvedPolicy, results: TrialResult[], computed: ReturnType<typeof pairExact>, loss: ReturnType<typeof pairRanges>, played: number) {
  const { exactNote, loss: exact } = computed;
  const ranges = exact && loss;
  return {
    row: {
      ...summarize(scenario.name, policy.id, results),
      trialsPlayed: played,
      dataLossExact: exact?.data, silentLossExact: exact?.silent, exact: computed.metrics, exactNote, dataLossRange: ranges?.data, silentLossRange: ranges?.silent, deterministic: computed.deterministic, workload: workloadText(scenario),
      counterfactual: counterfactualLabel(scenario, policy),
    },
    loss: results.map((r) => (r.status === 'ok' ? trialLoss(r) : undefined)),
    hotplug: results.map((r) => (r.status === 'ok' && r.hotplugAttempts > 0 ? r.hotplugOk === r.hotplugAttempts : undefined)),
    outcomes: results.map((r) => (r.status === 'ok' ? outcomeOf(r) : undefined)),
    results,
  };
}

/** What a trial lost: nothing, data someone sees (host log, AER), or data nothing records (silent). */
export type TrialLoss = 'none' | 'seen' | 'silent';

function trialLoss(r: { lostOps: number; silentOps: number }): TrialLoss {
  return r.silentOps > 0 ? 'silent' : r.lostOps > 0 ? 'seen' : 'none';
}

/** Scenario × sweep point, in canonical order: scenario name, then point. */
export function studyUnits(plan: StudyPlan): Array<{ scenario: Scenario; point: string }> {
  const points = plan.points ?? [{}];
  return plan.scenarios.flatMap((s) => points.map((p) => ({ scenario: applyPoint(s, p), point: pointLabel(p) })));
}

export async function runStudy(plan: StudyPlan, opts: StudyOptions = {}): Promise<PairResult[]> {
  const out: PairResult[] = [];
  const total = plan.scenarios.length * plan.policies.length;
  const pause = async () => {
    await new Promise((r) => setImmediate(r));
    if (opts.signal?.aborted) throw new Interrupted('interrupted');
  };
  let index = 0;
  for (const { scenario, point } of studyUnits(plan)) {
    for (const policy of plan.policies) {
      const earlier = opts.done?.get(index);
      const piece = earlier ?? { ...(await runPair(scenario, policy, plan.trials, plan.seed, pause, plan.simulate)) };
      const row = { ...piece.row, point };
      out.push({ scenario, point, policy, row, loss: piece.loss, hotplug: piece.hotplug, outcomes: piece.outcomes });
      if (!earlier) opts.onPairDone?.(index, { ...piece, row });
      if (piece.results) opts.onTrials?.(scenario, policy, piece.results, point);
      index++;
      opts.onPair?.(out.length, total * (plan.points?.length ?? 1));
    }
  }
  return out;
}
