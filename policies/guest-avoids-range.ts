// Christoffer Dall: "letting QEMU place RAM wherever it wants but tell the
// guest to never use a particular subset of its RAM for DMA ... a disgusting
// idea" (seed mail). The kernel (4.11–5.3) maps anything; QEMU maps around
// each conflict it can see in sysfs and tells the guest: through a channel
// that exists where one reaches it (src/guest/channels/), else through the
// hypothetical runtime message (tellVia: 'any'), labelled so in the outputs.
// Loss comes from guests that do not honour the channel, or hear after
// allocating.
import { type Decision, PROCEED, definePolicy, groupsAtStake, ramAtStake, ramConflicts } from '../src/policy.js';

export default definePolicy({
  name: 'guest-avoids-range',
  position: 'QEMU maps RAM around conflicts and tells the guest not to DMA there',
  heldBy: 'an idea Christoffer Dall (KVM/arm maintainer) raised, not a position he held',
  arguedAgainstBy: 'Christoffer Dall himself ("a disgusting idea")',
  year: 2016,
  status: 'never implemented for guests without a vIOMMU (QEMU >= 8.2 tells virtio-iommu guests)',
  source: 'linux-arm-kernel, 9 Nov 2016',
  // QEMU >= 8.2 passes the host's valid IOVA ranges only to a virtio-iommu guest (reserved probe entries).
  counterfactual: 'never implemented: no VMM maps guest RAM around host reserved regions and tells a guest without a vIOMMU (QEMU >= 8.2 tells only virtio-iommu guests)',
  params: {},
  create: () => ({
    kernel: () => 'v4.11',
    decide(req, view): Decision {
      const overlap = ramConflicts(view, ramAtStake(req), groupsAtStake(req));
      if (overlap.isEmpty) return PROCEED;
      return { action: 'proceed', mapAround: overlap, tellGuest: overlap, tellVia: 'any' };
    },
  }),
});
