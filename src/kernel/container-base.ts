// The mappings of one container: what every era keeps the same way.
import type { Range } from '../model/addr.js';
import type { IommuGroup } from '../model/host.js';
import { IntervalSet, firstEndingAtOrAfter } from '../model/intervals.js';

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

/** What every era's container shares: attached groups and the mapping table. */
export abstract class ContainerBase {
  protected maps = new Mappings();
  protected groups: IommuGroup[] = [];

  detach(groupId: number): void {
    this.groups = this.groups.filter((g) => g.id !== groupId);
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
