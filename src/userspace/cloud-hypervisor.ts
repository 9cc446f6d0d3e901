// cloud-hypervisor: no IOVA-range query anywhere in its VFIO code; every
// guest RAM region is mapped when a VFIO device is added, and an error there
// fails the add (cloud-hypervisor/cloud-hypervisor:vmm/src/device_manager.rs
// add_vfio_device, `.map_err(DeviceManagerError::VfioDmaMap)?`): at boot the
// VM does not start, at runtime the add-device call fails. Memory hot-added
// while a device is assigned is mapped in update_memory
// (UpdateMemoryForVfioPciDevice) before notify_hotplug, so a refusal fails
// the resize and the guest never sees the memory. After every VFIO device is
// unplugged the container is dropped (the kernel unmaps everything) and a
// later hotplug does not map guest RAM again (issue #7328, fix in PR #7329).
import type { Userspace } from './types.js';

export const cloudHypervisor: Userspace = {
  id: 'cloud-hypervisor',
  title: 'cloud-hypervisor (vmm/src/device_manager.rs)',
  kind: 'vmm',
  iova: 'gpa',
  readsValidRanges: '',
  onRefusal: (phase) => (phase === 'start' ? 'no-start' : 'fail-clean'),
  remapsAfterLastUnplug: false,
  memoryHotplug: true,
  // No VFIO migration support: a VM with an assigned device is not migrated.
  migratesWithVfio: false,
};
