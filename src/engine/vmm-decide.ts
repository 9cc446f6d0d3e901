// The VMM's side of every request: it asks the policy, checks the answer, and
// routes the policy's tellGuest to a channel that reaches the guest, or (tellVia:
// existing) gives up (hint-route.ts). The route waits until the request succeeds.
import { type Range, formatRange } from '../model/addr.js';
import type { Decision, HostView, PolicyInstance, VmmRequest } from '../policy.js';
import type { Draws } from './draws.js';
import { type Routed, routeHint, routeTrace, routedDecision } from './hint-route.js';
import type { Trace } from './trace.js';
import { checkedDecision, policyCall } from './trial-input.js';
import type { UserspaceSide } from './userspace-side.js';
import type { NestedSmmuv3 } from '../vmm/nested-smmuv3.js';

export interface VmmSide {
  readonly policy: PolicyInstance;
  readonly vm: { readonly viommu: boolean; readonly qemu: string };
  readonly draws: Draws;
  readonly trace: Trace;
  readonly side: UserspaceSide;
  /** pc-dimms plugged so far (the trial appends to it): the RAM an ACPI eject can take back. */
  readonly dimms: readonly Range[];
  /** The accelerated SMMUv3 of a vIOMMU guest under a policy that asks for one (its IORT RMR nodes are a channel). */
  readonly nested?: NestedSmmuv3 | undefined;
}

export class VmmDecisions {
  /** The channel chosen for the last decision's tellGuest; applied once the request succeeds. */
  route: Routed = { decision: { action: 'proceed' } };

  constructor(private readonly at: VmmSide) {}

  /** The decision the VMM applies to `req` at timeline event `step`, seen on `view` (the destination's, for a migration). */
  decide(view: HostView, req: VmmRequest, step: number): Decision {
    const { policy, vm, draws, trace, side } = this.at;
    const decided = checkedDecision(policy, req, policyCall(policy, `decide(${req.phase})`, () => policy.decide(req, view)));
    const added = req.phase === 'memory-hotplug' ? { added: { range: req.added, kind: req.kind } } : {};
    // One declared draw per event: whether the guest refuses the channel (an eject that fails).
    this.route = routeHint(decided, { phase: req.phase, ...added, dimms: this.at.dimms, vIommu: vm.viommu, qemu: vm.qemu, ...(this.at.nested ? { nestedSmmuv3: this.at.nested } : {}) },
      (p) => draws.fails(`channel/${step}`, p));
    for (const [kind, text] of routeTrace(this.route)) trace(kind, text);
    const d = routedDecision(this.route);
    side.mix(`${req.phase}:${d.action}:${d.action === 'proceed' ? [d.mapAround, d.tellGuest].map((x) => x?.ranges.map(formatRange).join(' ') ?? '').join('|') : ''}${this.route.via ? `:${this.route.via.channel.name}` : ''}`);
    trace('policy', `${req.phase}: ${d.action}${d.action === 'abort' ? ` (${d.reason})` : ''}`);
    return d;
  }
}
