// The mappings of one container: what every era keeps the same way.
import type { Range } from '../model/addr.js';
import type { Host, IommuGroup, ReservedRegion } from '../model/host.js';
import { IntervalSet, firstEndingAtOrAfter } from '../model/intervals.js';
import { UNTRANSLATED, domainMsi, swMsiWindow } from './msi.js';
import type { MsiSetup } from './types.js';

/** A container's mappings, sorted by start (so by last: they never overlap); lookups are a binary search. */
export class Mappings {
  private list: Range[] = [];

  get count(): number {
    return this.list.length;
  }

  /** The first mapping sharing an IOVA with `r` (vfio_find_dma / iopt_area_iter_first). */
  overlapping(r: Range): Range | undefined {
    const m = this.list[firstEndingAtOrAfter(this.list, r.start)];
    return m && m.start <= r.last ? m : undefined;
  }

  find(pred: (m: Range) => boolean): Range | undefined {
    return this.list.find(pred);
  }

  add(r: Range): void {
    this.list.splice(firstEndingAtOrAfter(this.list, r.start), 0, r);
  }

  /** Removes every mapping entirely inside `r`. */
  removeWithin(r: Range): void {
    this.list = this.list.filter((m) => !(r.start <= m.start && m.last <= r.last));
  }

  set(): IntervalSet {
    return IntervalSet.from(this.list);
  }

}

/**
 * What every VFIO type1 era shares: attached groups, the mapping table and
 * the domain's MSI cookie (one domain per container: every group of a host
 * has the same IOMMU).
 */
export abstract class ContainerBase {
  protected maps = new Mappings();
  protected groups: IommuGroup[] = [];
  /** The SW_MSI window of the domain's cookie, taken by the group that created the domain. */
  private cookie: ReservedRegion | undefined;
  /** Doorbell pages the kernel mapped in the cookie's window (the cookie's msi_page_list). */
  protected doorbells = IntervalSet.EMPTY;

  constructor(protected readonly host: Host) {}

  /** The group joins; the first one creates the domain and decides its cookie (vfio_iommu_has_sw_msi). */
  protected adopt(group: IommuGroup): void {
    if (this.groups.length === 0) this.cookie = swMsiWindow(group.regions);
    this.groups.push(group);
  }

  detach(groupId: number): void {
    this.groups = this.groups.filter((g) => g.id !== groupId);
    // The last group gone frees the domain, its cookie and its doorbell pages (iommu_put_dma_cookie).
    if (this.groups.length === 0) {
      this.cookie = undefined;
      this.doorbells = IntervalSet.EMPTY;
    }
  }

  mapDoorbells(pages: IntervalSet): void {
    this.doorbells = this.doorbells.union(pages);
  }

  msi(groupId: number): MsiSetup {
    const group = this.groups.find((g) => g.id === groupId);
    return group ? domainMsi(this.host, this.cookie, group) : UNTRANSLATED;
  }

  unmap(iova: Range): void {
    this.maps.removeWithin(iova);
  }

  mapped(): IntervalSet {
    return this.maps.set();
  }

  attachedGroups(): readonly number[] {
    return this.groups.map((g) => g.id);
  }
}
