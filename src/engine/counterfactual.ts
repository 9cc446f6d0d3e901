// Which (scenario, policy) rows are what-ifs, and why. A row is history only
// when the policy's position shipped, the scenario describes something that
// happened, and the policy's kernel era ran on the kernel of every host the
// scenario visits. Anything else is labelled, reason by reason.
import { effectiveKernel } from '../model/kernel-versions.js';
import type { Host } from '../model/host.js';
import { policyStatus } from '../policy.js';
import { REASON_SEPARATOR } from '../results/model.js';
import type { Scenario } from '../scenario/types.js';
import { eraOf } from './host-view.js';
import type { ResolvedPolicy } from './policies.js';

/** Every host a scenario's VM may run on: where it starts, then migration destinations. */
function hostsOf(scenario: Scenario): Host[] {
  return [scenario.host, ...scenario.timeline.flatMap((e) => (e.kind === 'migrate' ? e.pool.map((p) => p.host) : []))];
}

/** The reasons a pair is a what-if, each once, in a fixed order; empty when it is history. */
export function counterfactualReasons(scenario: Scenario, policy: Pick<ResolvedPolicy, 'definition' | 'instance'>): string[] {
  const out: string[] = [];
  const add = (reason: string | undefined) => {
    const r = reason?.replaceAll(REASON_SEPARATOR, ', ');
    if (r && !out.includes(r)) out.push(r);
  };
  add(policyStatus(policy.definition));
  add(policy.instance.counterfactual);
  add(scenario.counterfactual);
  for (const host of hostsOf(scenario)) {
    let era;
    try {
      era = eraOf(policy.instance, host);
    } catch {
      continue; // a kernel() that throws makes every trial a policy-error; there is no era to label
    }
    add(effectiveKernel(era, host.kernel).whatIf);
  }
  return out;
}

/** The `counterfactual` column: the reasons joined, '' for history. */
export function counterfactualLabel(scenario: Scenario, policy: Pick<ResolvedPolicy, 'definition' | 'instance'>): string {
  return counterfactualReasons(scenario, policy).join(REASON_SEPARATOR);
}
