// The mappings of one container: what every era keeps the same way.
import type { Range } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';

export class Mappings {
  private list: Range[] = [];

  get count(): number {
    return this.list.length;
  }

  /** The first mapping sharing an IOVA with `r` (vfio_find_dma / iopt_area_iter_first). */
  overlapping(r: Range): Range | undefined {
    return this.list.find((m) => m.start <= r.last && r.start <= m.last);
  }

  find(pred: (m: Range) => boolean): Range | undefined {
    return this.list.find(pred);
  }

  add(r: Range): void {
    this.list.push(r);
  }

  /** Removes every mapping entirely inside `r`. */
  removeWithin(r: Range): void {
    this.list = this.list.filter((m) => !(r.start <= m.start && m.last <= r.last));
  }

  set(): IntervalSet {
    return IntervalSet.from(this.list);
  }
}
