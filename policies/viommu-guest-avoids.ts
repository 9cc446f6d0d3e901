// "The guest avoids the range" as it shipped: QEMU >= 8.2 passes the host's
// reserved ranges to a guest whose device sits behind a virtio-iommu as
// VIRTIO_IOMMU_RESV_MEM_T_RESERVED probe entries (qemu/qemu:hw/virtio/
// virtio-iommu.c, 30d40e39bdcb, QEMU 8.2; from set_iommu_device, so correct
// for hotplugged devices, cf2647a76e, QEMU 9.1), and the Linux driver keeps
// its IOVA allocator off them (torvalds/linux:drivers/iommu/virtio-iommu.c
// viommu_add_resv_mem). The kernel still enforces (type1, >= 5.4). A guest
// without a vIOMMU hears nothing: QEMU maps RAM as always and the kernel
// refuses, as under kernel-rejects. What the model captures: the guest's
// buffers kept off the ranges, no RAM lost. What it does not: the vIOMMU's
// own costs (a MAP request per guest mapping, IOTLB misses), and the guest
// IOVA != GPA (IOVA == GPA stands in for the IOVAs the guest allocates).
//
// iommu=smmuv3-nested: the form Ben's "firmware describes it from boot" took
// on arm64, QEMU 11.0's accelerated SMMUv3 (vmm/nested-smmuv3.ts): IORT RMR
// nodes for the kernel's default MSI window, built before boot for every
// RID (06c0c8fde786, hw/arm/virt-acpi-build.c build_iort_rmr_nodes), so a
// hotplugged device is covered; nothing else the host reserves is told.
// QEMU maps all guest RAM at its GPAs into stage 2 through iommufd (the
// accelerated SMMUv3 takes iommufd only), so the kernel checks it as under
// kernel-rejects:backend=iommufd; and QEMU blocks migration (be0cf3c8f121).
// Host: arm-smmu-v3 nesting (6.13) and iommufd's own MSI mapping (6.15).
import { IntervalSet } from '../src/model/intervals.js';
import { type Decision, PROCEED, definePolicy, groupsAtStake, ramAtStake, ramConflicts } from '../src/policy.js';
import { RMR_MSI_WINDOW } from '../src/vmm/nested-smmuv3.js';

const RMR: Decision = { action: 'proceed', tellGuest: IntervalSet.of(RMR_MSI_WINDOW), tellVia: 'iort-rmr' };

export default definePolicy<{ iommu: string }>({
  name: 'viommu-guest-avoids',
  position: 'QEMU tells a vIOMMU guest the host reserved ranges (virtio-iommu RESV_MEM); its IOVA allocator avoids them',
  heldBy: 'Eric Auger (virtio-iommu in QEMU)',
  arguedAgainstBy: '',
  status: 'merged in QEMU 8.2 (hotplug-correct from 9.1); iommu=smmuv3-nested: QEMU 11.0',
  year: 2023,
  source: 'qemu/qemu 30d40e39bdcb (8.2), cf2647a76e (9.1); torvalds/linux:drivers/iommu/virtio-iommu.c (viommu_add_resv_mem); smmuv3-nested: qemu/qemu 06c0c8fde786, be0cf3c8f121',
  // Shipped: QEMU >= 8.2 with -device virtio-iommu-pci; QEMU 11.0 with -device arm-smmuv3,accel=on. A guest without either is told nothing.
  counterfactual: '',
  params: {
    iommu: {
      values: ['virtio-iommu', 'smmuv3-nested'],
      default: 'virtio-iommu',
      doc: 'smmuv3-nested: an accelerated SMMUv3 (QEMU 11.0, iommufd) whose IORT RMR nodes tell the guest the MSI window 0x8000000-0x80fffff only; migration blocked',
    },
  },
  create: ({ iommu }) => (iommu === 'smmuv3-nested'
    ? {
      kernel: () => 'iommufd',
      vIommu: 'smmuv3-nested',
      // The RMR says the same window whatever the host reserves; the kernel judges the RAM QEMU maps.
      decide: (): Decision => RMR,
    }
    : {
      kernel: () => 'type1',
      decide(req, view): Decision {
        const overlap = ramConflicts(view, ramAtStake(req), groupsAtStake(req));
        if (overlap.isEmpty) return PROCEED;
        return { action: 'proceed', mapAround: overlap, tellGuest: overlap, tellVia: 'virtio-iommu-resv-mem' };
      },
    }),
});
