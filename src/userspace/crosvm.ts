// crosvm: reads the kernel's valid IOVA ranges (google/crosvm:devices/src/
// vfio.rs, VfioContainer::vfio_iommu_iova_get_iova_ranges) to place IOVAs
// of its own allocator (a virtio-iommu's), never to place guest RAM; a
// refused guest-RAM map at VM creation fails the device and crosvm exits; a
// hot-added device whose maps fail is not added.
import type { Userspace } from './types.js';

export const crosvm: Userspace = {
  id: 'crosvm',
  title: 'crosvm (devices/src/vfio.rs)',
  kind: 'vmm',
  iova: 'gpa',
  readsValidRanges: 'for its own IOVA allocator, not for guest RAM',
  onRefusal: (phase) => (phase === 'start' ? 'no-start' : 'fail-clean'),
  remapsAfterLastUnplug: true,
  // No pc-dimm-like memory hotplug for a VM with an assigned device.
  memoryHotplug: false,
  migratesWithVfio: false,
};
