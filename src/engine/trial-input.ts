// What a trial is given, and the guards around calls into policy code.
import { hex } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';
import type { Decision, PolicyInstance, VmmRequest } from '../policy.js';
import type { Scenario } from '../scenario/types.js';
import { PolicyError } from './result.js';
import type { Trace } from './trace.js';
import type { TapeStep } from './guest.js';

export interface TrialInput {
  readonly scenario: Scenario;
  readonly policy: PolicyInstance;
  readonly seed: string;
  readonly trial: number;
  readonly trace?: Trace;
  /**
   * Exact mode (see exact.ts): the scenario's discrete draws are made by this
   * chooser instead of the RNG, and working sets are densities, not samples.
   */
  readonly choose?: (key: string, weights: readonly number[]) => number;
  /** Exact mode: where the guest records its working-set steps (engine/loss-replay.ts). */
  readonly tape?: TapeStep[];
}

/** Calls into policy code: whatever goes wrong there is the policy's error. */
export function policyCall<T>(policy: PolicyInstance, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new PolicyError(`policy ${policy.id}: ${what} threw: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Common random numbers: the key omits the policy, so trial k draws alike under every policy. */
export function trialKey(seed: string, scenario: string, trial: number): string {
  return `doorbell/${seed}/${scenario}/${trial}`;
}

/** The policy's decision, checked: anything malformed is the policy's error. */
export function checkedDecision(policy: PolicyInstance, req: VmmRequest, d: Decision): Decision {
  const ok = d && (d.action === 'abort' ? typeof d.reason === 'string'
    : d.action === 'proceed' && [d.mapAround, d.tellGuest].every((x) => x === undefined || x instanceof IntervalSet) && [undefined, 'existing', 'any', 'virtio-iommu-resv-mem', 'iort-rmr'].includes(d.tellVia));
  if (!ok) throw new PolicyError(`policy ${policy.id} returned an invalid decision for ${req.phase}: ${JSON.stringify(d ?? null, (_, v) => (typeof v === 'bigint' ? hex(v) : v))}`);
  return d;
}
