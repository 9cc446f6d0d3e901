// A pair computed once. Where the exact engine finds every path of the
// scenario's draws giving the same result in every metric, nothing lost and
// no buffer placed where it could be (engine/exact.ts `fact`), every trial's
// result is that one whatever its seed: the DMA draws that differ between
// trials move nothing. Trial 0 is still played, as the check: its result
// must equal the fact to the last field, or the pair is simulated in full.
// `--simulate` plays every trial.
import type { Scenario } from '../scenario/types.js';
import type { ResolvedPolicy } from './policies.js';
import type { TrialMetrics, TrialResult } from './result.js';
import { runTrial } from './trial.js';
import { metricsKey } from './exact.js';

export type FactResult = Extract<TrialResult, { status: 'ok' }>;

/** Trial 0 of the pair, when it equals the fact; undefined otherwise (no fact, or a result that differs: simulate). */
export function checkedFact(scenario: Scenario, policy: ResolvedPolicy, seed: string, fact: TrialMetrics | undefined): FactResult | undefined {
  if (!fact) return undefined;
  const played = runTrial({ scenario, policy: policy.instance, seed, trial: 0 });
  if (played.status !== 'ok') return undefined;
  const { status: _status, ...metrics } = played;
  return metricsKey(metrics) === metricsKey(fact) ? played : undefined;
}

/** Trials `from` to `to` - 1 of a pair computed once: the same result, each trial. */
export function factTrials(fact: FactResult, from: number, to: number): TrialResult[] {
  return Array.from({ length: to - from }, () => fact);
}
