// The trial's userspace as the engine drives it: how it reacts to a refused
// call (src/userspace/), and the trial's transcript of kernel calls and
// decisions, which says whether two policies are the same by construction.
import type { Userspace, UserspacePhase, Reaction } from '../userspace/types.js';
import type { CallOutcome } from '../vmm/containers.js';
import type { Trace } from './trace.js';

export class UserspaceSide {
  /** FNV-1a offset basis; every kernel call and decision is mixed in, in order. */
  transcript = 0x811c9dc5;

  constructor(readonly us: Userspace, private readonly trace: Trace) {}

  mix(text: string): void {
    let h = this.transcript;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    this.transcript = h;
  }

  /** What the userspace does about a refused call in `phase`. */
  reaction(phase: UserspacePhase, r: CallOutcome): Reaction {
    const reaction = r.status === 'refused' ? this.us.onRefusal(phase, r.result.errno) : 'fail-clean';
    if (reaction === 'treat-as-mapped') this.trace('vmm', `${this.us.id}: ${r.status === 'refused' ? r.call : 'map'} refused; it carries on as if mapped`);
    return reaction;
  }

  /** For the containers: keep what was mapped when the userspace carries on after a refusal. */
  keeps(phase: UserspacePhase): (r: CallOutcome) => boolean {
    return (r) => r.status === 'refused' && this.us.onRefusal(phase, r.result.errno) === 'treat-as-mapped';
  }
}
