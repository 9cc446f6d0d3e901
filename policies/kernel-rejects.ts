// Alex Williamson: "The VFIO_IOMMU_MAP_DMA ioctl is a contract ... VFIO must
// reject mappings that it ... know[s] to overlap reserved ranges" (seed mail).
// As merged: type1 ≥ v5.4 (or iommufd). The kernel refuses for every
// userspace; what each then does is its own (src/userspace/): QEMU reacts by
// phase (qemu/qemu:hw/vfio/listener.c, vfio_container_region_add), DPDK's
// heap carries on unmapped (dpdk/dpdk:lib/eal/linux/eal_vfio.c).
// "It's up to QEMU how to manage the hotplug": qemu=reads-ranges is a QEMU
// that reads the valid IOVA list (VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, which
// QEMU >= 8.2 already fetches) and refuses a memory device outside it
// cleanly instead of hw_error, so the VM crash shows as QEMU's choice.
import { PROCEED, definePolicy } from '../src/policy.js';
import { formatRange } from '../src/model/addr.js';

// dma-limit=reported: Eric Auger's RFC (not merged) applied, so the IOVAs above
// a root complex's DMA limit are a RESERVED region and VFIO refuses them
// (src/kernel/dma-limit.ts).
export default definePolicy<{ backend: string; qemu: string; 'dma-limit': string }>({
  name: 'kernel-rejects',
  position: 'the kernel refuses maps over reserved ranges; each userspace fails what it was doing',
  heldBy: 'Alex Williamson (VFIO maintainer)',
  arguedAgainstBy: 'Will Deacon ("it should be up to QEMU to abort the hotplug")',
  year: 2016,
  status: 'merged in Linux 5.4 (type1), 6.2 (iommufd)',
  source: 'linux-arm-kernel, 9 Nov 2016; merged in Linux 5.4 (vfio_iommu_type1.c)',
  // Shipped: type1 from 5.4, iommufd from 6.2 (QEMU >= 9.0 natively; older QEMU through the type1 compatibility container).
  counterfactual: '',
  params: {
    backend: { values: ['type1', 'iommufd'], default: 'type1', doc: 'VFIO type1 (≥ 5.4) or iommufd (≥ 6.2)' },
    qemu: {
      values: ['as-released', 'reads-ranges'],
      default: 'as-released',
      doc: 'reads-ranges: QEMU refuses a memory device outside the valid IOVA list cleanly instead of hw_error',
    },
    'dma-limit': {
      values: ['unreported', 'reported'],
      default: 'unreported',
      doc: 'reported: the kernel lists IOVAs above a root complex DMA limit as reserved (Eric Auger\'s RFC <20200928195037.22654-1-eric.auger@redhat.com>, not merged)',
    },
  },
  create: ({ backend, qemu, 'dma-limit': dmaLimit }) => ({
    kernel: () => (backend === 'iommufd' ? 'iommufd' : 'type1'),
    ...(dmaLimit === 'reported' ? { kernelReportsDmaLimit: true } : {}),
    ...(qemu === 'reads-ranges' || dmaLimit === 'reported'
      ? { counterfactual: [qemu === 'reads-ranges' ? 'no released QEMU refuses a memory device from the valid IOVA list: a refused map ends in hw_error' : '', dmaLimit === 'reported' ? 'no kernel reports a root complex DMA limit (Eric Auger\'s RFC of Sep 2020 was not merged)' : ''].filter((x) => x).join('; ') }
      : {}),
    decide(req) {
      if (qemu !== 'reads-ranges' || req.phase !== 'memory-hotplug' || req.userspace !== 'qemu' || !req.valid) return PROCEED;
      const inside = req.valid.ranges.some((v) => v.start <= req.added.start && req.added.last <= v.last);
      return inside ? PROCEED : { action: 'abort', reason: `${formatRange(req.added)} is not inside one valid IOVA range` };
    },
  }),
});
