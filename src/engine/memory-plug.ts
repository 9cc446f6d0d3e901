// A memory device: where it goes, its maps once the VMM has decided to add
// it, and what the trial's userspace does when the kernel refuses: a
// pc-dimm's refused map ends in hw_error under QEMU (qemu/qemu:hw/vfio/
// listener.c); virtio-mem is plugged per request and rolls a refused one
// back (vmm/device-memory.ts). The trial (trial-run.ts) owns the RAM and
// the counters; this only places and maps.
import { type Range, formatRange } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';
import type { Containers } from '../vmm/containers.js';
import type { MemoryMap } from '../vmm/memory-map.js';
import type { TimelineEvent } from '../scenario/types.js';
import { VIRTIO_MEM_BLOCK, plugRequests, plugVirtioMem } from '../vmm/device-memory.js';
import type { Trace } from './trace.js';
import type { UserspaceSide } from './userspace-side.js';

/** Where the memory device goes: `at`, or the machine's first free place in its device-memory region. */
export function placeMemory(ev: Extract<TimelineEvent, { kind: 'memory-hotplug' }>, mem: MemoryMap, ram: IntervalSet, firmwareReserved: IntervalSet, trace: Trace): Range | undefined {
  const at = ev.at ?? mem.place(ev.size, ev.memKind, ram.union(firmwareReserved));
  if (at === undefined) {
    trace('vmm', `${ev.memKind}: could not find position in guest address space for memory device; device_add fails, the VM keeps running`);
    return undefined;
  }
  const added = { start: at, last: at + ev.size - 1n };
  if (ram.overlaps(added)) throw new Error(`memory-hotplug at ${formatRange(added)} overlaps guest RAM`);
  return added;
}

export interface MemoryPlug {
  readonly kind: 'pc-dimm' | 'virtio-mem';
  readonly added: Range;
  /** What the VMM keeps unmapped inside `added` (the policy's mapAround, whole pages). */
  readonly around: IntervalSet;
  readonly vfio: Containers;
  readonly side: UserspaceSide;
  readonly trace: Trace;
  /** The plugged ranges become guest RAM (virtio-mem: block-granular sections). */
  add(ranges: readonly Range[], granularity?: bigint): void;
}

/** `plugged`: the memory device is in; `not-added`: refused, the program runs on; `crash`: it aborts. */
export function plugMemory(p: MemoryPlug): 'plugged' | 'not-added' | 'crash' {
  const { kind, added, around, vfio, side, trace } = p;
  if (kind === 'virtio-mem') {
    const { plugged, busy } = plugVirtioMem(vfio, added, around);
    if (plugged.length > 0) p.add(plugged, VIRTIO_MEM_BLOCK);
    if (!busy) return 'plugged';
    trace('vmm', `virtio-mem ${formatRange(added)}: request ${formatRange(busy)} rolled back, VIRTIO_MEM_RESP_BUSY; ${plugged.length} of ${plugRequests(added).length} requests plugged stay; the guest retries that block, the VM keeps running`);
    return 'not-added';
  }
  const mapped = vfio.mapEverywhere(IntervalSet.of(added).subtract(around).ranges, side.keeps('memory-hotplug'));
  const reaction = mapped.status === 'ok' ? undefined : side.reaction('memory-hotplug', mapped);
  if (reaction === 'crash') {
    trace('vmm', `${side.us.id}: hw_error("vfio: DMA mapping failed, unable to continue"): the VM aborts`);
    return 'crash';
  }
  if (reaction === 'fail-clean' || reaction === 'no-start') {
    trace('vmm', `${side.us.id}: ${kind} ${formatRange(added)} not added: its map was refused; it keeps running`);
    return 'not-added';
  }
  p.add([added]);
  return 'plugged';
}
