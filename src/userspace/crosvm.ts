// crosvm (google/crosvm at f1e797a68), devices/src/vfio.rs:
// - without a vIOMMU every group joins one container
//   (VfioContainerManager::get_container, IommuDevType::NoIommu: "One VFIO
//   container is used for all IOMMU disabled groups"): a group the kernel
//   refuses to attach is not retried in a new container, as QEMU does;
// - guest RAM is mapped once, when the container's first group joins
//   (VfioContainer::get_group_with_vm, vm.get_memory().regions(), each
//   vfio_dma_map(...)?), so a refused map fails the device;
// - it reads the kernel's valid IOVA ranges (vfio_iommu_iova_get_iova_ranges)
//   only to build its own IOVA allocator (VfioDevice::new_passthrough,
//   AddressAllocator::new_from_list), never to place guest RAM;
// - at VM creation a device that fails makes create_vfio_device fail and
//   crosvm exits; a hot-added one (src/crosvm/sys/linux.rs
//   handle_hotplug_command) answers VmResponse::Err(EINVAL), the VM runs on;
// - when the last group leaves (remove_group) the container is empty again,
//   so the next device maps guest RAM again.
// Assumed (the VFIO code has no path for them): no memory hot-add beside an
// assigned device and no migration with one.
import type { Userspace } from './types.js';

export const crosvm: Userspace = {
  id: 'crosvm',
  title: 'crosvm (devices/src/vfio.rs)',
  kind: 'vmm',
  iova: 'gpa',
  readsValidRanges: 'for its own IOVA allocator, not for guest RAM',
  onRefusal: (phase) => (phase === 'start' ? 'no-start' : 'fail-clean'),
  remapsAfterLastUnplug: true,
  memoryHotplug: false,
  migratesWithVfio: false,
  oneContainer: true,
};
