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
// Not modelled: QEMU's nested (accel) SMMUv3, which describes the MSI window
// to the guest as IORT RMR nodes (qemu/qemu 06c0c8fde786, "hw/arm/
// virt-acpi-build: Add IORT RMR regions to handle MSI nested binding") and
// blocks migration (be0cf3c8f121, "hw/arm/smmuv3: Block migration when accel
// is enabled").
import { type Decision, PROCEED, definePolicy, groupsAtStake, ramAtStake, ramConflicts } from '../src/policy.js';

export default definePolicy({
  name: 'viommu-guest-avoids',
  position: 'QEMU tells a vIOMMU guest the host reserved ranges (virtio-iommu RESV_MEM); its IOVA allocator avoids them',
  heldBy: 'Eric Auger (virtio-iommu in QEMU)',
  arguedAgainstBy: '',
  status: 'merged in QEMU 8.2 (hotplug-correct from 9.1)',
  year: 2023,
  source: 'qemu/qemu 30d40e39bdcb (8.2), cf2647a76e (9.1); torvalds/linux:drivers/iommu/virtio-iommu.c (viommu_add_resv_mem)',
  // Shipped: QEMU >= 8.2 with -device virtio-iommu-pci; a guest without one is told nothing.
  counterfactual: '',
  params: {},
  create: () => ({
    kernel: () => 'type1',
    decide(req, view): Decision {
      const overlap = ramConflicts(view, ramAtStake(req), groupsAtStake(req));
      if (overlap.isEmpty) return PROCEED;
      return { action: 'proceed', mapAround: overlap, tellGuest: overlap, tellVia: 'virtio-iommu-resv-mem' };
    },
  }),
});
