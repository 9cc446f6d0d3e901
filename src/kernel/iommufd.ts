// iommufd ≥ v6.2 (torvalds/linux:drivers/iommu/iommufd/device.c,
// io_pagetable.c): attaching a device reserves its regions (all but
// DIRECT_RELAXABLE) and everything outside the aperture in the IOAS; a
// reservation over an existing area fails with EADDRINUSE and is rolled back.
import type { Range } from '../model/addr.js';
import { type Host, type IommuGroup, apertureOf } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { claimCheck, shapeCheck } from './common.js';
import { IoPagetable } from './io-pagetable.js';
import { type Container, type KernelModel, type KernelResult, OK, refused } from './types.js';

class IoasContainer implements Container {
  readonly era = 'iommufd' as const;
  readonly iopt = new IoPagetable();
  private groups: IommuGroup[] = [];

  constructor(private readonly host: Host) {}

  attach(group: IommuGroup): KernelResult {
    const claim = claimCheck(this.host, group, true);
    if (claim.status !== 'ok') return claim;
    // iopt_table_enforce_dev_resv_regions, then the aperture (iopt_table_add_domain).
    const wanted = [
      ...group.regions.filter((r) => r.type !== 'direct-relaxable'),
      ...apertureOf(this.host).complement().ranges,
    ];
    for (const r of wanted) {
      if (!this.iopt.reserve(r.start, r.last, group).ok) {
        this.iopt.removeReserved(group);
        const clash = this.iopt.areasTouching(r);
        return refused('EADDRINUSE', 'reserved IOVA overlaps an existing area (iopt_reserve_iova)', 'type' in r ? r : (clash ?? r));
      }
    }
    this.iopt.iovaAlignment = 4096n;
    this.groups.push(group);
    return OK;
  }

  detach(groupId: number): void {
    const g = this.groups.find((x) => x.id === groupId);
    if (g) this.iopt.removeReserved(g);
    this.groups = this.groups.filter((x) => x.id !== groupId);
  }

  map(iova: Range): KernelResult {
    const shape = shapeCheck(iova);
    if (shape.status !== 'ok') return shape;
    const r = this.iopt.mapFixed(iova.start, iova.last - iova.start + 1n);
    if (r.ok) return OK;
    const region = this.groups.flatMap((g) => g.regions).find((x) => x.type !== 'direct-relaxable' && x.start <= iova.last && iova.start <= x.last);
    if (r.errno === 'EINVAL') return refused('EINVAL', 'IOVA touches a reserved range (iopt_check_iova)', region ?? iova);
    if (r.errno === 'EEXIST') return refused('EEXIST', 'IOVA touches an existing area (iopt_check_iova)', this.iopt.areasTouching(iova) ?? iova);
    return refused('EOVERFLOW', 'IOVA range wraps');
  }

  unmap(iova: Range): void {
    // QEMU unmaps whole areas it mapped; partial ranges are not asked for.
    this.iopt.unmap(iova.start, iova.last - iova.start + 1n);
  }

  mapped(): IntervalSet {
    return this.iopt.mapped();
  }

  /** IOMMU_IOAS_IOVA_RANGES. */
  validRanges(): IntervalSet {
    return IntervalSet.from(this.iopt.iovaRanges(Number.MAX_SAFE_INTEGER).ranges);
  }

  attachedGroups(): readonly number[] {
    return this.groups.map((g) => g.id);
  }
}

export function iommufdKernel(host: Host): KernelModel {
  return { era: 'iommufd', regionsVisible: true, newContainer: () => new IoasContainer(host) };
}
