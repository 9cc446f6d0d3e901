// virtio-iommu reserved-memory probe entries: QEMU passes the host's holes
// in the valid IOVA ranges to the guest as VIRTIO_IOMMU_RESV_MEM_T_RESERVED
// (qemu/qemu:hw/virtio/virtio-iommu.c virtio_iommu_set_host_iova_ranges,
// QEMU 8.2; correct for hotplugged devices from 9.1), and Linux keeps its
// IOVA allocator off them (torvalds/linux:drivers/iommu/virtio-iommu.c
// viommu_add_resv_mem). 8.2: 30d40e39bdcb ("virtio-iommu: Implement
// set_iova_ranges() callback"); 9.1: cf2647a76e ("virtio-iommu: Compute host
// reserved regions", from set_iommu_device, before the guest probes a
// hotplugged device). It reaches only a guest whose device sits behind a
// virtio-iommu (vm.viommu): that guest's DMA goes through IOVAs its own
// driver allocates, so the ranges cost IOVA space, not RAM.
// After a live migration the model tells the guest the destination's ranges
// like a hotplug's (too late for placed buffers). That is optimistic: the
// destination QEMU computes them when it realizes the device, but the
// Linux driver asks an endpoint once, at viommu_probe_device
// (viommu_probe_endpoint), and nothing makes a migrated guest probe again,
// so it never learns them; QEMU then replays the guest's mappings and a
// map over a new range fails one by one. Not modelled: IOVA == GPA has no
// per-mapping replay.
import { IntervalSet } from '../../model/intervals.js';
import { versionAtLeast } from '../../vmm/layout.js';
import type { HintChannel } from './channel.js';

export const virtioIommu: HintChannel = {
  name: 'virtio-iommu-resv-mem',
  status: 'exists',
  sources: ['qemu/qemu:hw/virtio/virtio-iommu.c (virtio_iommu_set_host_iova_ranges)', 'torvalds/linux:drivers/iommu/virtio-iommu.c (viommu_add_resv_mem)'],
  assumption: 'only for a guest with a virtio-iommu (vm.viommu); its buffers are modelled as placed off the ranges (IOVA == GPA stands in for the IOVAs the guest allocates), and its RAM there stays usable',
  offer: (req) => {
    if (!req.vIommu) return 'the guest has no virtio-iommu (IOVA == GPA)';
    const needs = req.phase === 'start' ? '8.2' : '9.1';
    if (!versionAtLeast(req.qemu, needs)) return `QEMU ${req.qemu} < ${needs} sends no reserved probe entries${req.phase === 'start' ? '' : ' for a hotplugged device'}`;
    // The guest's IOVA space shrinks; its RAM does not.
    return { taken: IntervalSet.EMPTY, failChance: 0, iovaAvoided: req.ranges };
  },
};
