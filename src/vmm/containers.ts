// QEMU's side of VFIO: one or more containers (or IOASes), each mapping all
// guest RAM. A group joins the first container that accepts it, else a new
// one, which must then map all RAM itself
// (qemu/qemu:hw/vfio/container.c vfio_connect_container; listener.c).
import { type Range, formatRange, hex } from '../model/addr.js';
import type { IommuGroup } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import type { Container, KernelModel, KernelResult, MsiSetup } from '../kernel/types.js';
import type { Trace } from '../engine/trace.js';

export type CallOutcome =
  | { readonly status: 'ok' }
  | { readonly status: 'refused'; readonly call: string; readonly result: Extract<KernelResult, { status: 'refused' }> };

export class Containers {
  private list: Container[] = [];
  private home = new Map<number, Container>();
  refusals = 0;

  constructor(private readonly kernel: KernelModel, private readonly trace: Trace) {}

  attach(group: IommuGroup, ram: readonly Range[]): CallOutcome {
    let last: CallOutcome | undefined;
    for (const c of this.list) {
      last = this.call(`attach group ${group.id} to container ${this.list.indexOf(c)}`, () => c.attach(group));
      if (last.status === 'ok') {
        this.home.set(group.id, c);
        return last;
      }
    }
    // A conflicting group is retried in a new container, whose maps then decide.
    const fresh = this.kernel.newContainer();
    const attached = this.call(`attach group ${group.id} to new container ${this.list.length}`, () => fresh.attach(group));
    if (attached.status !== 'ok') return attached;
    for (const r of ram) {
      const m = this.mapOne(fresh, r);
      if (m.status !== 'ok') return m;
    }
    this.list.push(fresh);
    this.home.set(group.id, fresh);
    return { status: 'ok' };
  }

  detach(groupId: number): void {
    const c = this.home.get(groupId);
    if (!c) return;
    c.detach(groupId);
    this.home.delete(groupId);
    this.trace('kernel', `detach group ${groupId}`);
    if (c.attachedGroups().length === 0) this.list = this.list.filter((x) => x !== c);
  }

  /** Maps `ranges` in every container; on failure undoes what it mapped and reports. */
  mapEverywhere(ranges: readonly Range[]): CallOutcome {
    const done: Array<[Container, Range]> = [];
    for (const c of this.list) {
      for (const r of ranges) {
        const m = this.mapOne(c, r);
        if (m.status !== 'ok') {
          for (const [cc, rr] of done) cc.unmap(rr);
          return m;
        }
        done.push([c, r]);
      }
    }
    return { status: 'ok' };
  }

  /**
   * Leaves `avoid` unmapped in every container: a mapping that touches it is
   * unmapped whole (type1 will not bisect one) and its pieces mapped again.
   */
  remapAround(avoid: IntervalSet): void {
    for (const c of this.list) {
      const touched = c.mapped().ranges.filter((m) => avoid.overlaps(m));
      for (const m of touched) {
        c.unmap(m);
        this.trace('kernel', `VFIO_IOMMU_UNMAP_DMA iova=${hex(m.start)} size=${hex(m.last - m.start + 1n)}`);
        for (const piece of IntervalSet.of(m).subtract(avoid).ranges) this.mapOne(c, piece);
      }
    }
  }

  mappedFor(groupId: number): IntervalSet {
    return this.home.get(groupId)?.mapped() ?? IntervalSet.EMPTY;
  }

  attachedGroups(): number[] {
    return [...this.home.keys()];
  }

  /** How the group's MSIs reach their doorbell, as its container's kernel decided at attach. */
  msiFor(groupId: number): MsiSetup {
    return this.home.get(groupId)?.msi(groupId) ?? { kind: 'untranslated' };
  }

  private mapOne(c: Container, r: Range): CallOutcome {
    return this.call(`vfio_dma_map(iova=${hex(r.start)}, size=${hex(r.last - r.start + 1n)})`, () => c.map(r));
  }

  private call(what: string, fn: () => KernelResult): CallOutcome {
    const result = fn();
    if (result.status === 'ok') {
      this.trace('kernel', `${what} = 0`, { call: what, result: 0 });
      return { status: 'ok' };
    }
    this.refusals++;
    const region = result.culprit ? `${formatRange(result.culprit)}${'type' in result.culprit ? ` ${result.culprit.type}` : ''}` : '';
    this.trace('kernel', `${what} = -${result.errno}${region ? `: ${region}` : ''} (${result.reason})`, {
      call: what, result: `-${result.errno}`, reason: result.reason, ...(region ? { region } : {}),
    });
    return { status: 'refused', call: what, result };
  }
}
