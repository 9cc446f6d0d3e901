// Will Deacon's whole position: "there may be ways in which a guest can
// tolerate the overlapping region (e.g. by avoiding that range of memory for
// DMA)" — Christoffer Dall's mechanism ("Disgusting, yes"), without mapping
// around. The kernel (4.11–5.3) maps what it is asked; QEMU reads sysfs and
// proceeds where the guest can be told through a channel that exists
// (src/guest/channels/: the firmware tables at VM start; a virtio-mem block
// left unplugged; an ejected pc-dimm; virtio-iommu reserved entries), and
// aborts where none reaches it (tellVia: 'existing', engine/hint-route.ts):
// after boot, boot RAM of a guest without a vIOMMU can be named by none.
// Other userspaces map blindly, as under qemu-aborts.
import { type Decision, PROCEED, definePolicy, groupsAtStake, ramAtStake, ramConflicts } from '../src/policy.js';

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
      return { action: 'proceed', tellGuest: overlap, tellVia: 'existing' };
    },
  }),
});
