// ≤ v5.3 (the 2016 kernel, v4.9, and 4.11–5.3): VFIO_IOMMU_MAP_DMA checks
// only shape and overlap with an existing mapping; reserved regions are not
// enforced (torvalds/linux v4.9:drivers/vfio/vfio_iommu_type1.c, vfio_dma_do_map).
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
