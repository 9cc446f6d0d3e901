// VFIO type1 ≥ v5.4 (torvalds/linux:drivers/vfio/vfio_iommu_type1.c): the
// container keeps a valid IOVA list = ⋂ apertures − ⋃ non-relaxable regions
// of every attached group, and MAP_DMA must fit inside ONE range of it.
import { type Range, formatRange } from '../model/addr.js';
import { type Host, type IommuGroup, apertureOf, pageSizeOf, regionsOf } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { ContainerBase } from './container-base.js';
import { DMA_ENTRY_LIMIT, claimCheck, shapeCheck } from './common.js';
import { isolationCheck } from './msi.js';
import { type Container, type KernelModel, type KernelResult, OK, refused } from './types.js';

/** Every region type but DIRECT_RELAXABLE is excluded (vfio_iommu_resv_exclude). */
const excluded = (g: IommuGroup) => regionsOf(g, (t) => t !== 'direct-relaxable');

class Type1Container extends ContainerBase implements Container {
  readonly era = 'type1' as const;

  constructor(host: Host) {
    super(host);
  }

  /** The valid list, recomputed only when the attached groups change. */
  private valid: IntervalSet | undefined;

  attach(group: IommuGroup): KernelResult {
    // vfio_iommu_type1_attach_group: iommu_attach_group first, then the checks.
    const claim = claimCheck(this.host, group, true);
    if (claim.status !== 'ok') return claim;
    const aperture = apertureOf(this.host);
    const outside = this.maps.find((m) => !aperture.containsRange(m));
    if (outside) return refused('EINVAL', 'existing mapping outside the aperture (vfio_iommu_aper_conflict)', outside);
    for (const r of group.regions) {
      if (r.type === 'direct-relaxable') continue;
      const clash = this.maps.overlapping(r);
      // vfio_iommu_resv_conflict: a new reserved region over an existing mapping.
      if (clash) return refused('EINVAL', 'reserved region overlaps an existing mapping (vfio_iommu_resv_conflict)', r);
    }
    const next = this.computeValid([...this.groups, group]);
    if (next.isEmpty) return refused('EINVAL', 'valid IOVA list would be empty (vfio_iommu_resv_exclude)');
    // Then MSI isolation (EPERM), then the MSI cookie for a new domain.
    const isolated = isolationCheck(this.host, 'type1');
    if (isolated.status !== 'ok') return isolated;
    this.adopt(group);
    this.valid = next;
    return OK;
  }

  map(iova: Range): KernelResult {
    // vfio_dma_do_map order: shape → EINVAL, overlap → EEXIST, limit → ENOSPC, valid → EINVAL.
    const shape = shapeCheck(iova, pageSizeOf(this.host));
    if (shape.status !== 'ok') return shape;
    const clash = this.maps.overlapping(iova);
    if (clash) return refused('EEXIST', 'overlaps an existing mapping (vfio_find_dma)', clash);
    if (this.maps.count >= DMA_ENTRY_LIMIT) return refused('ENOSPC', 'dma_entry_limit reached');
    const valid = this.validRanges();
    // vfio_iommu_iova_dma_valid: an empty list (mdev-only container) allows everything.
    if (valid && !valid.isEmpty && !valid.containsRange(iova)) {
      return refused('EINVAL', `${formatRange(iova)} not inside one valid IOVA range`, this.culprit(iova));
    }
    this.maps.add(iova);
    return OK;
  }

  override detach(groupId: number): void {
    // vfio_iommu_type1_detach_group: aper_expand + resv_refresh widen the list.
    super.detach(groupId);
    this.valid = undefined;
  }

  validRanges(): IntervalSet {
    this.valid ??= this.computeValid(this.groups);
    return this.valid;
  }

  private computeValid(groups: readonly IommuGroup[]): IntervalSet {
    if (groups.length === 0) return IntervalSet.EMPTY;
    let valid = apertureOf(this.host);
    for (const g of groups) valid = valid.subtract(excluded(g));
    return valid;
  }

  /** The region (or aperture end) that keeps `iova` out of the valid list. */
  private culprit(iova: Range): Range | undefined {
    for (const g of this.groups) {
      const hit = g.regions.find((r) => r.type !== 'direct-relaxable' && r.start <= iova.last && iova.start <= r.last);
      if (hit) return hit;
    }
    const aperture = apertureOf(this.host).ranges[0]!;
    return iova.last > aperture.last ? { start: aperture.last + 1n, last: iova.last } : undefined;
  }
}

export function type1Kernel(host: Host): KernelModel {
  return { era: 'type1', regionsVisible: true, newContainer: () => new Type1Container(host) };
}
