// QEMU: phases of qemu/qemu:hw/vfio/listener.c (vfio_container_region_add).
// A map refused at machine creation exits QEMU; a device_add whose attach or
// replayed maps fail is refused, the VM runs on; RAM added at runtime whose
// map fails ends in hw_error("vfio: DMA mapping failed, unable to
// continue"). virtio-mem rolls back per request (the engine, vmm/device-memory.ts).
// From 8.2 QEMU reads VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE
// (hw/vfio/container.c vfio_get_info_iova_range) but only forwards it to a
// virtio-iommu (hw/vfio/common.c vfio_device_get_host_iova_ranges); it never
// shapes guest RAM with it.
import type { Userspace } from './types.js';

export const qemu: Userspace = {
  id: 'qemu',
  title: 'QEMU (qemu/qemu:hw/vfio/listener.c)',
  kind: 'vmm',
  iova: 'gpa',
  readsValidRanges: 'from 8.2, forwarded to a virtio-iommu only; guest RAM is not laid out around them',
  onRefusal(phase) {
    if (phase === 'start') return 'no-start';
    if (phase === 'hotplug') return 'fail-clean';
    return 'crash';
  },
  remapsAfterLastUnplug: true,
  memoryHotplug: true,
  migratesWithVfio: true,
};
