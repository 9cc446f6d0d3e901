// ≤ v5.3 (the 2016 kernel, v4.9, and 4.11–5.3): VFIO_IOMMU_MAP_DMA checks
// only shape and overlap with an existing mapping; reserved regions are not
// enforced (torvalds/linux v4.9:drivers/vfio/vfio_iommu_type1.c, vfio_dma_do_map).
// From 4.11 the kernel maps an MSI doorbell page into the SW_MSI window when a
// device's MSIs are set up; whichever maps that IOVA first keeps it: user RAM
// first, the doorbell map fails (engine/guest.ts probe: no MSIs); doorbell
// first, the user's MAP_DMA fails with EEXIST (map below).
import type { Range } from '../model/addr.js';
import { type Host, type IommuGroup, pageSizeOf } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { ContainerBase } from './container-base.js';
import { claimCheck, shapeCheck } from './common.js';
import { isolationCheck } from './msi.js';
import { type Container, type KernelEra, type KernelModel, type KernelResult, OK, refused } from './types.js';

class PermissiveContainer extends ContainerBase implements Container {
  constructor(readonly era: KernelEra, host: Host) {
    super(host);
  }

  attach(group: IommuGroup): KernelResult {
    const claim = claimCheck(this.host, group, false);
    if (claim.status !== 'ok') return claim;
    const isolated = isolationCheck(this.host, this.era);
    if (isolated.status !== 'ok') return isolated;
    this.adopt(group);
    return OK;
  }

  map(iova: Range): KernelResult {
    const shape = shapeCheck(iova, pageSizeOf(this.host));
    if (shape.status !== 'ok') return shape;
    const clash = this.maps.overlapping(iova);
    if (clash) return refused('EEXIST', 'overlaps an existing mapping', clash);
    // vfio_find_dma knows only the user's mappings; the doorbell page the kernel
    // mapped for an MSI is a valid PTE, so iommu_map fails there
    // (io-pgtable-arm.c arm_lpae_init_pte: "We require an unmap first",
    // WARN, -EEXIST), and vfio_pin_map_dma undoes the whole call
    // (vfio_remove_dma): MAP_DMA returns EEXIST, nothing of it stays mapped.
    const doorbell = this.doorbells.intersect(IntervalSet.of(iova)).ranges[0];
    if (doorbell) return refused('EEXIST', 'iommu_map: the MSI doorbell page the kernel mapped there is a valid PTE (arm_lpae_init_pte, WARN)', doorbell);
    // No entry limit: dma_entry_limit (ENOSPC) arrived in v5.1, late in this era.
    this.maps.add(iova);
    return OK;
  }

  validRanges(): IntervalSet | undefined {
    return undefined; // VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE arrived in 5.4
  }
}

export function permissiveKernel(era: 'v4.9' | 'v4.11') {
  return (host: Host): KernelModel => ({
    era,
    // reserved_regions in sysfs since v4.11 (iommu.c, iommu_group_show_resv_regions).
    regionsVisible: era !== 'v4.9',
    newContainer: () => new PermissiveContainer(era, host),
  });
}
