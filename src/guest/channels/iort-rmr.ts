// IORT RMR nodes of QEMU's accelerated SMMUv3 (vmm/nested-smmuv3.ts): the
// guest's IOMMU driver reads them once, at boot, and keeps the range mapped
// 1:1 in its stage 1 (torvalds/linux:drivers/acpi/arm64/iort.c
// iort_get_rmrs; drivers/iommu/arm/arm-smmu-v3 arm_smmu_get_resv_regions),
// so its IOVA allocator never hands it out. QEMU writes the nodes for every
// RID behind the SMMU before boot, so a hotplugged device is covered too;
// but they say only the kernel's default MSI window, never the host's
// other reserved ranges. Only a policy that names it uses it: it exists
// only where QEMU gives the guest an accelerated SMMUv3.
import { IntervalSet } from '../../model/intervals.js';
import { RMR_MSI_WINDOW } from '../../vmm/nested-smmuv3.js';
import type { HintChannel } from './channel.js';

export const iortRmr: HintChannel = {
  name: 'iort-rmr',
  status: 'exists',
  namedOnly: true,
  sources: ['qemu/qemu:hw/arm/virt-acpi-build.c (build_iort_rmr_nodes, 06c0c8fde786)', 'torvalds/linux:drivers/acpi/arm64/iort.c (iort_get_rmrs)'],
  assumption: 'only for a guest behind an accelerated SMMUv3 (vm.viommu); it carries the window 0x8000000-0x80fffff alone, as IOVA the guest keeps off; its RAM is untouched',
  offer: (req) => {
    if (!req.vIommu) return 'the guest has no vIOMMU (IOVA == GPA)';
    if (!req.nestedSmmuv3) return 'the VM has no accelerated SMMUv3';
    if (req.nestedSmmuv3.missing) return `no accelerated SMMUv3: ${req.nestedSmmuv3.missing}`;
    return { taken: IntervalSet.EMPTY, failChance: 0, iovaAvoided: IntervalSet.of(RMR_MSI_WINDOW) };
  },
};
