// QEMU's side of VFIO: one or more containers (or IOASes), each mapping all
// guest RAM. A group joins the first container that accepts it, else a new
// one, which must then map all RAM itself
// (qemu/qemu:hw/vfio/container.c vfio_connect_container; listener.c).
import { type Range, formatRange, hex } from '../model/addr.js';
import type { IommuGroup } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import type { Container, KernelModel, KernelResult, MsiSetup } from '../kernel/types.js';
import type { Trace } from '../engine/trace.js';
import type { Section } from './listener.js';

export type CallOutcome =
  | { readonly status: 'ok' }
  | { readonly status: 'refused'; readonly call: string; readonly result: Extract<KernelResult, { status: 'refused' }> };

export class Containers {
  private list: Container[] = [];
  private home = new Map<number, Container>();
  refusals = 0;

  constructor(private readonly kernel: KernelModel, private readonly trace: Trace) {}

  /**
   * `keep`: the userspace carries on after this refused map (DPDK's EEXIST,
   * dpdk/dpdk:lib/eal/linux/eal_vfio.c): the container stays with what it mapped.
   * `oneContainer`: a refused attach to the existing container is final.
   */
  attach(group: IommuGroup, sections: readonly Section[], keep: (r: CallOutcome) => boolean = () => false, oneContainer = false): CallOutcome {
    let last: CallOutcome | undefined;
    for (const c of this.list) {
      last = this.call(`attach group ${group.id} to container ${this.list.indexOf(c)}`, () => c.attach(group));
      if (last.status === 'ok') {
        this.home.set(group.id, c);
        return last;
      }
    }
    // A userspace with one container for every group does not try another (userspace/crosvm.ts).
    if (last && oneContainer) return last;
    // A conflicting group is retried in a new container, whose maps then decide.
    const fresh = this.kernel.newContainer();
    const attached = this.call(`attach group ${group.id} to new container ${this.list.length}`, () => fresh.attach(group));
    if (attached.status !== 'ok') return attached;
    // The listener maps every section even after one fails; the first failure
    // is the error QEMU reports, and the container is released with all its
    // mappings (hw/vfio/listener.c: "store the first error in the container").
    let first: CallOutcome | undefined;
    for (const s of sections) {
      const m = this.mapSection(fresh, s);
      if (m.status !== 'ok') first ??= m;
    }
    if (first && !keep(first)) return first;
    this.list.push(fresh);
    this.home.set(group.id, fresh);
    return first ?? { status: 'ok' };
  }

  /**
   * The first system reset after cold plug: the listener removes the sections
   * that went away and maps the new ones (region_del / region_add).
   */
  follow(from: readonly Section[], to: readonly Section[]): void {
    // By key, not pairwise: a VMM that maps around many regions has as many sections.
    const key = (s: Section) => `${s.start}:${s.last}:${s.rom ? 1 : 0}`;
    const before = new Set(from.map(key));
    const after = new Set(to.map(key));
    const gone = from.filter((s) => !after.has(key(s)));
    const added = to.filter((t) => !before.has(key(t)));
    if (this.list.length === 0 || (gone.length === 0 && added.length === 0)) return;
    this.trace('vmm', 'machine reset: the flat view changes below 1 MiB; the listener unmaps and maps to follow');
    for (const c of this.list) {
      for (const s of gone) {
        c.unmap(s);
        this.trace('kernel', `VFIO_IOMMU_UNMAP_DMA iova=${hex(s.start)} size=${hex(s.last - s.start + 1n)}`);
      }
      for (const s of added) this.mapSection(c, s);
    }
  }

  /**
   * A virtio-mem plug request: every container maps its pieces block by
   * block; a failure unmaps the whole request everywhere (hw/vfio/listener.c
   * vfio_ram_discard_notify_populate "Rollback"; hw/virtio/virtio-mem.c
   * virtio_mem_notify_plug undoes the listeners already notified).
   */
  populate(request: Range, pieces: readonly Section[]): CallOutcome {
    for (const c of this.list) {
      for (const p of pieces) {
        const m = this.mapSection(c, p);
        if (m.status === 'ok') continue;
        for (const cc of this.list) cc.unmap(request);
        this.trace('kernel', `VFIO_IOMMU_UNMAP_DMA iova=${hex(request.start)} size=${hex(request.last - request.start + 1n)} (rollback)`);
        return m;
      }
    }
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

  /**
   * Maps `ranges` in every container; on failure undoes what it mapped and
   * reports, unless `keep` says the userspace carries on (then it maps the rest).
   */
  mapEverywhere(ranges: readonly Section[], keep: (r: CallOutcome) => boolean = () => false): CallOutcome {
    const done: Array<[Container, Range]> = [];
    let kept: CallOutcome | undefined;
    for (const c of this.list) {
      for (const r of ranges) {
        const m = this.mapSection(c, r);
        if (m.status !== 'ok') {
          if (keep(m)) {
            kept ??= m;
            continue;
          }
          for (const [cc, rr] of done) cc.unmap(rr);
          return m;
        }
        done.push([c, r]);
      }
    }
    return kept ?? { status: 'ok' };
  }

  /** The valid IOVA list as the kernel reports it for every container (undefined where none is reported). */
  validRanges(): IntervalSet | undefined {
    let out: IntervalSet | undefined;
    for (const c of this.list) {
      const v = c.validRanges();
      if (v === undefined) return undefined;
      out = out ? out.intersect(v) : v;
    }
    return out;
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

  /** The kernel maps the group's doorbell pages in its container's domain. */
  mapDoorbells(groupId: number, pages: IntervalSet): void {
    this.home.get(groupId)?.mapDoorbells?.(pages);
  }

  /** How the group's MSIs reach their doorbell, as its container's kernel decided at attach. */
  msiFor(groupId: number): MsiSetup {
    return this.home.get(groupId)?.msi(groupId) ?? { kind: 'untranslated' };
  }

  private mapOne(c: Container, r: Range): CallOutcome {
    return this.call(`vfio_dma_map(iova=${hex(r.start)}, size=${hex(r.last - r.start + 1n)})`, () => c.map(r));
  }

  /** One section: one map, or one per block for a block-granular one (traced as one line unless a block fails). */
  private mapSection(c: Container, s: Section): CallOutcome {
    const block = s.granularity;
    if (block === undefined) return this.mapOne(c, s);
    let n = 0;
    for (let at = s.start; at <= s.last; at += block) {
      const r = { start: at, last: at + block - 1n < s.last ? at + block - 1n : s.last };
      const res = c.map(r);
      if (res.status !== 'ok') return this.call(`vfio_dma_map(iova=${hex(r.start)}, size=${hex(r.last - r.start + 1n)})`, () => res);
      n++;
    }
    this.trace('kernel', `vfio_dma_map(size=${hex(block)}) x ${n} over ${formatRange(s)} = 0`);
    return { status: 'ok' };
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
