// OpenVMM (microsoft/openvmm at 1488a37b7): an aarch64 guest's RAM is laid
// out by OpenVMM itself, not by a QEMU machine (vm.machine openvmm-linux /
// openvmm-uefi, vmm/layout.ts openvmmLayout). What its VFIO code does:
// - every guest RAM sub-mapping goes through VfioType1DmaTarget::map_dma
//   (vm/devices/pci/vfio_assigned_device/src/manager.rs); a RAM map error is
//   returned ("IOMMU mapping failures are fatal", openvmm/membacking/src/
//   region_manager.rs MappingType::Ram), so registering the container
//   (add_dma_mapper) fails and the device is not created: at VM creation the
//   VM does not start; a PCIe hot-add (openvmm_core/src/worker/dispatch.rs,
//   add_dyn_device(...).await?) returns the error and the VM runs on;
// - a BAR (MappingType::Device) map error is only warned about
//   (warn_ratelimited "P2P DMA to this region will not work");
// - no VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE / IOMMU_IOAS_IOVA_RANGES query
//   anywhere in vfio_sys or vfio_assigned_device: it avoids the SW_MSI window
//   by its fixed layout (commit 5a26d4458, PR #3559), not by asking.
// Assumptions (the source does not say): no memory hot-add beside an
// assigned device, and no migration of a VM with one (neither path exists in
// vfio_assigned_device).
import type { Userspace } from './types.js';

export const openvmm: Userspace = {
  id: 'openvmm',
  title: 'OpenVMM (vm/devices/pci/vfio_assigned_device/src/manager.rs)',
  kind: 'vmm',
  iova: 'gpa',
  readsValidRanges: '',
  onRefusal: (phase) => (phase === 'start' ? 'no-start' : 'fail-clean'),
  remapsAfterLastUnplug: true,
  memoryHotplug: false,
  migratesWithVfio: false,
  machines: ['openvmm-linux', 'openvmm-uefi'],
};
