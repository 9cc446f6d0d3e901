// Will Deacon's whole position: "there may be ways in which a guest can
// tolerate the overlapping region (e.g. by avoiding that range of memory for
// DMA)" — Christoffer Dall's mechanism ("Disgusting, yes"), without mapping
// around. The kernel (4.11–5.3) maps what it is asked; QEMU reads sysfs and,
// where a channel to the guest exists, maps anyway and tells it: at VM start
// the firmware tables it writes (reserved memory). After boot a guest
// without a vIOMMU has no channel (QEMU >= 8.2 forwards host ranges only to
// a virtio-iommu), so a conflicting hotplug, memory hotplug or migration is
// aborted. Other userspaces map blindly, as under qemu-aborts.
import { type Decision, PROCEED, definePolicy, groupsAtStake, ramAtStake, ramConflicts } from '../src/policy.js';
import { formatRange } from '../src/model/addr.js';

export default definePolicy({
  name: 'qemu-tolerates',
  position: 'the kernel maps anything; QEMU tells the guest to avoid an overlap where it can, else aborts',
  heldBy: 'Will Deacon (arm64 / SMMU maintainer), with the mechanism Christoffer Dall raised',
  arguedAgainstBy: 'Alex Williamson; Christoffer Dall ("Disgusting, yes")',
  year: 2016,
  status: 'never implemented',
  source: 'linux-arm-kernel, 9 Nov 2016 (Will Deacon and Christoffer Dall)',
  counterfactual: 'never implemented: no VMM maps guest RAM over a host reserved region and tells the guest to avoid it',
  params: {},
  create: () => ({
    kernel: () => 'v4.11',
    decide(req, view): Decision {
      if (req.userspace !== 'qemu') return PROCEED;
      const overlap = ramConflicts(view, ramAtStake(req), groupsAtStake(req));
      if (overlap.isEmpty) return PROCEED;
      if (req.phase === 'start') return { action: 'proceed', tellGuest: overlap };
      return { action: 'abort', reason: `guest RAM overlaps reserved ${overlap.ranges.map(formatRange).join(' ')} and the guest has no channel to hear it after boot` };
    },
  }),
});
