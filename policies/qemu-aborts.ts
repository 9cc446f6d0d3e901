// Will Deacon: "it should be up to QEMU to abort the hotplug, not the host
// kernel, since there may be ways in which a guest can tolerate the
// overlapping region" (seed mail). The kernel (4.11–5.3) maps what it is
// asked; the check lives in each userspace, reading what its kernel exports:
// sysfs reserved_regions (SW_MSI and HW MSI both print as `msi`; PCI bridge
// windows appear nowhere). As proposed, QEMU checks (checkers=qemu); every
// other userspace maps blindly. checkers=every is the world where each one
// grew the check.
import { type Decision, PROCEED, definePolicy, groupsAtStake, ramAtStake, ramConflicts } from '../src/policy.js';
import { formatRange } from '../src/model/addr.js';

export default definePolicy<{ tolerate: string; checkers: string }>({
  name: 'qemu-aborts',
  position: 'the kernel maps anything; QEMU checks sysfs and aborts on overlap',
  heldBy: 'Will Deacon (arm64 / SMMU maintainer)',
  arguedAgainstBy: 'Alex Williamson ("MAP_DMA is a contract"); Jason Gunthorpe, Sep 2025 (VFIO should refuse)',
  year: 2016,
  status: 'never implemented (proposed in the thread)',
  source: 'linux-arm-kernel, 9 Nov 2016 (reply to Alex Williamson)',
  // qemu/qemu:hw/vfio/listener.c maps RAM without reading reserved_regions; it fails only on the kernel's refusal.
  counterfactual: 'no released QEMU checks reserved_regions before mapping: QEMU stops only when the kernel refuses',
  params: {
    tolerate: {
      values: ['false', 'true'],
      default: 'false',
      doc: 'true: instead of aborting, continue and tell the guest to avoid the overlap',
    },
    checkers: {
      values: ['qemu', 'every'],
      default: 'qemu',
      doc: 'which userspaces check sysfs before mapping: QEMU only (as proposed), or every one',
    },
  },
  create: ({ tolerate, checkers }) => ({
    kernel: () => 'v4.11',
    decide(req, view): Decision {
      if (checkers === 'qemu' && req.userspace !== 'qemu') return PROCEED; // maps blindly
      const overlap = ramConflicts(view, ramAtStake(req), groupsAtStake(req));
      if (overlap.isEmpty) return PROCEED;
      if (tolerate === 'true') return { action: 'proceed', tellGuest: overlap };
      return { action: 'abort', reason: `guest RAM overlaps reserved ${overlap.ranges.map(formatRange).join(' ')}` };
    },
  }),
});
