// Alex Williamson: "The VFIO_IOMMU_MAP_DMA ioctl is a contract ... VFIO must
// reject mappings that it ... know[s] to overlap reserved ranges" (seed mail).
// As merged: type1 ≥ v5.4 (or iommufd); QEMU does not pre-check and reacts
// to the refusal by phase (qemu/qemu:hw/vfio/listener.c, vfio_container_region_add).
import { PROCEED, definePolicy } from '../src/policy.js';

export default definePolicy<{ backend: string }>({
  name: 'kernel-rejects',
  position: 'the kernel refuses maps over reserved ranges; QEMU fails what it was doing',
  heldBy: 'Alex Williamson (VFIO maintainer)',
  source: 'linux-arm-kernel, 9 Nov 2016; merged in Linux 5.4 (vfio_iommu_type1.c)',
  // Shipped: type1 from 5.4, iommufd from 6.2 (QEMU >= 9.0 natively; older QEMU through the type1 compatibility container).
  counterfactual: '',
  params: {
    backend: { values: ['type1', 'iommufd'], default: 'type1', doc: 'VFIO type1 (≥ 5.4) or iommufd (≥ 6.2)' },
  },
  create: ({ backend }) => ({
    kernel: () => (backend === 'iommufd' ? 'iommufd' : 'type1'),
    decide: () => PROCEED,
  }),
});
