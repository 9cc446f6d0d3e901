// The guest's memory as QEMU holds it: the machine's RAM blocks, the memory
// devices plugged since and the device-memory region they go in; and what
// the VFIO listener maps of it in each phase.
import { type Range, U64_MAX } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';
import { MEMORY_DEVICE_ALIGN, VIRTIO_MEM_BLOCK, freeAddress } from './device-memory.js';
import type { MachineType } from './layout.js';
import { type Phase, type Section, listenerSections } from './listener.js';

export class MemoryMap {
  private devices: Section[] = [];
  private boot: Partial<Record<Phase, readonly Section[]>> = {};

  constructor(
    private readonly machine: MachineType,
    private readonly vga: boolean,
    /** The machine's RAM blocks (laid out around reservations, if any). */
    readonly bootRam: readonly Range[],
    readonly deviceMemory: Range | undefined,
    /** What a VMM that plans from boot reserved (Ben's what-if): it sizes device memory around it. */
    private readonly planned = IntervalSet.EMPTY,
  ) {}

  /**
   * The first free address of the device-memory region for a device of
   * `size` (virtio-mem aligned to its block size), clear of `avoid` too.
   */
  place(size: bigint, kind: 'pc-dimm' | 'virtio-mem', avoid: IntervalSet): bigint | undefined {
    if (!this.deviceMemory) return undefined;
    const taken = avoid.union(this.planned).union(IntervalSet.from(this.devices));
    const region = this.planned.isEmpty ? this.deviceMemory : { start: this.deviceMemory.start, last: U64_MAX };
    return freeAddress(region, taken, size, kind === 'virtio-mem' ? VIRTIO_MEM_BLOCK : MEMORY_DEVICE_ALIGN);
  }

  /** Plugged memory: each range its own section, mapped block by block if `granularity`. */
  add(ranges: readonly Range[], granularity?: bigint): void {
    for (const r of ranges) this.devices.push(granularity === undefined ? { start: r.start, last: r.last } : { start: r.start, last: r.last, granularity });
  }

  /** The sections the listener maps in `phase`, split around `skip` (what the VMM keeps unmapped). */
  sections(phase: Phase, skip: IntervalSet): Section[] {
    const all = [...(this.boot[phase] ??= listenerSections(this.machine, this.bootRam, phase, this.vga)), ...this.devices];
    if (skip.isEmpty) return all;
    return all.flatMap((s) => (skip.overlaps(s) ? IntervalSet.of(s).subtract(skip).ranges.map((p) => ({ ...s, start: p.start, last: p.last })) : [s]));
  }
}
