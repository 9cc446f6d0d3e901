// Will Deacon: "it should be up to QEMU to abort the hotplug, not the host
// kernel, since there may be ways in which a guest can tolerate the
// overlapping region" (seed mail). The kernel (4.11–5.3) maps what it is
// asked; QEMU reads sysfs reserved_regions before start, hotplug and memory
// hotplug. It cannot see PCI bridge windows: nobody reports them.
import { type Decision, PROCEED, definePolicy, groupsAtStake, ramAtStake, ramConflicts } from '../src/policy.js';
import { formatRange } from '../src/model/addr.js';

export default definePolicy<{ tolerate: string }>({
  name: 'qemu-aborts',
  position: 'the kernel maps anything; QEMU checks sysfs and aborts on overlap',
  heldBy: 'Will Deacon (arm64 / SMMU maintainer)',
  source: 'linux-arm-kernel, 9 Nov 2016 (reply to Alex Williamson)',
  // qemu/qemu:hw/vfio/listener.c maps RAM without reading reserved_regions; it fails only on the kernel's refusal.
  counterfactual: 'no released QEMU checks reserved_regions before mapping: QEMU stops only when the kernel refuses',
  params: {
    tolerate: {
      values: ['false', 'true'],
      default: 'false',
      doc: 'true: instead of aborting, continue and tell the guest to avoid the overlap',
    },
  },
  create: ({ tolerate }) => ({
    kernel: () => 'v4.11',
    decide(req, view): Decision {
      const overlap = ramConflicts(view, ramAtStake(req), groupsAtStake(req));
      if (overlap.isEmpty) return PROCEED;
      if (tolerate === 'true') return { action: 'proceed', tellGuest: overlap };
      return { action: 'abort', reason: `guest RAM overlaps reserved ${overlap.ranges.map(formatRange).join(' ')}` };
    },
  }),
});
