// iommufd ≥ v6.2 (torvalds/linux:drivers/iommu/iommufd/io_pagetable.c,
// device.c): attaching a device reserves its regions (all but
// DIRECT_RELAXABLE) and everything outside the aperture in the IOAS.
import type { Range } from '../model/addr.js';
import { type Host, type IommuGroup, apertureOf, regionsOf } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { ContainerBase } from './container-base.js';
import { claimCheck, shapeCheck } from './common.js';
import { type Container, type KernelModel, type KernelResult, OK, refused } from './types.js';

class IoasContainer extends ContainerBase implements Container {
  readonly era = 'iommufd' as const;

  constructor(private readonly host: Host) {
    super();
  }

  attach(group: IommuGroup): KernelResult {
    const claim = claimCheck(this.host, group, true);
    if (claim.status !== 'ok') return claim;
    // iopt_table_enforce_dev_resv_regions / iopt_reserve_iova: a reservation
    // touching an existing area fails with EADDRINUSE and is rolled back.
    for (const r of this.reservationsOf(group).ranges) {
      const clash = this.maps.overlapping(r);
      if (clash) {
        const region = group.regions.find((x) => x.start <= clash.last && clash.start <= x.last);
        return refused('EADDRINUSE', 'reserved IOVA overlaps an existing area (iopt_reserve_iova)', region ?? r);
      }
    }
    this.groups.push(group);
    return OK;
  }

  map(iova: Range): KernelResult {
    // iopt_check_iova: alignment → EINVAL, reserved → EINVAL, then area → EEXIST.
    const shape = shapeCheck(iova);
    if (shape.status !== 'ok') return shape;
    for (const g of this.groups) {
      const hit = this.reservationsOf(g).firstOverlap(iova);
      if (hit) {
        const region = g.regions.find((x) => x.type !== 'direct-relaxable' && x.start <= iova.last && iova.start <= x.last);
        return refused('EINVAL', 'IOVA touches a reserved range (iopt_check_iova)', region ?? hit);
      }
    }
    const clash = this.maps.overlapping(iova);
    if (clash) return refused('EEXIST', 'IOVA touches an existing area (iopt_check_iova)', clash);
    this.maps.add(iova);
    return OK;
  }

  /** IOMMU_IOAS_IOVA_RANGES: the complement of every reservation. */
  validRanges(): IntervalSet {
    let reserved = IntervalSet.EMPTY;
    for (const g of this.groups) reserved = reserved.union(this.reservationsOf(g));
    return reserved.complement();
  }

  private reservationsOf(group: IommuGroup): IntervalSet {
    return regionsOf(group, (t) => t !== 'direct-relaxable').union(apertureOf(this.host).complement());
  }
}

export function iommufdKernel(host: Host): KernelModel {
  return { era: 'iommufd', regionsVisible: true, newContainer: () => new IoasContainer(host) };
}
