// Rules shared by several eras.
import { type Range, U64_MAX, formatRange } from '../model/addr.js';
import { type Host, type IommuGroup, kernelAtLeast } from '../model/host.js';
import { type KernelResult, OK, refused } from './types.js';

/** Maximum number of VFIO type1 mappings (vfio_iommu_type1.c, dma_entry_limit = U16_MAX). */
export const DMA_ENTRY_LIMIT = 65535;

/**
 * Claiming a device for userspace DMA before any mapping exists:
 * - ≥ 6.6: a device with a non-relaxable DIRECT region cannot take a blocking
 *   domain (drivers/iommu/iommu.c, __iommu_device_set_domain, commit a48ce36e2786);
 * - Intel before that: RMRR devices refused with EPERM
 *   (drivers/iommu/intel/iommu.c, "Device is ineligible for IOMMU domain attach
 *   due to platform RMRR requirement").
 */
export function claimCheck(host: Host, group: IommuGroup, modern: boolean): KernelResult {
  const direct = group.regions.find((r) => r.type === 'direct');
  if (!direct) return OK;
  if (modern && kernelAtLeast(host.kernel, '6.6')) {
    return refused('EINVAL', 'Firmware has requested this device have a 1:1 IOMMU mapping', direct);
  }
  // device_is_rmrr_locked → device_has_rmrr walks the DMAR RMRR units only.
  const rmrr = group.regions.find((r) => r.type === 'direct' && r.rmrr !== false);
  if (host.iommu === 'intel' && rmrr) {
    return refused('EPERM', 'Device is ineligible for IOMMU domain attach due to platform RMRR requirement', rmrr);
  }
  return OK;
}

/**
 * vfio_dma_do_map: size zero, misalignment or wrap → EINVAL, before any
 * lookup. The alignment is the smallest page of vfio_pgsize_bitmap, which
 * vfio_update_pgsize_bitmap raises to PAGE_SIZE when the IOMMU offers smaller
 * pages: the kernel's page size (64 KiB on a 64K-page arm64 kernel).
 */
export function shapeCheck(iova: Range, pageSize: bigint): KernelResult {
  const size = iova.last - iova.start + 1n;
  if (size <= 0n || iova.start % pageSize !== 0n || size % pageSize !== 0n) {
    return refused('EINVAL', `${formatRange(iova)} is not aligned to the IOMMU page size`);
  }
  if (iova.last > U64_MAX) return refused('EINVAL', 'IOVA wraps');
  return OK;
}
