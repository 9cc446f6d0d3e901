// Where hot-added memory goes: the first free, aligned address of the guest
// machine's device-memory region (qemu/qemu:hw/mem/memory-device.c
// memory_device_get_free_addr), whatever the host's architecture. The
// region's base is the machine's (layout.ts): x86 above the above-4G RAM,
// arm virt right after RAM, both 1 GiB aligned.
import type { Range } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';
import type { TimelineEvent } from '../scenario/types.js';
import type { Containers } from './containers.js';

const MiB = 1n << 20n;
/**
 * A memory device's alignment: its RAM backend's, QEMU_VMALLOC_ALIGN on
 * x86_64 and aarch64 Linux hosts (include/qemu/osdep.h), or the virtio-mem
 * block size (virtio_mem_get_min_alignment), both 2 MiB by default.
 */
export const MEMORY_DEVICE_ALIGN = 2n * MiB;
/** hw/virtio/virtio-mem.c virtio_mem_default_block_size: the THP size, 2 MiB on 4 KiB-page hosts. */
export const VIRTIO_MEM_BLOCK = 2n * MiB;
/**
 * What a Linux guest asks for in one VIRTIO_MEM_REQ_PLUG: the sub-blocks of
 * one Linux memory block (drivers/virtio/virtio_mem.c
 * virtio_mem_sbm_plug_and_add_mb), 128 MiB on x86_64 guests below 64 GiB and
 * on arm64 with 4 KiB pages (memory_block_size_bytes).
 */
export const GUEST_PLUG_REQUEST = 128n * MiB;

const alignUp = (v: bigint, a: bigint) => ((v + a - 1n) / a) * a;

/**
 * `-m maxmem` and `slots` as the scenario needs them: room for every memory
 * device its timeline may add, one slot per pc-dimm (virtio-mem needs none).
 */
export function hotplugMemoryOf(timeline: readonly TimelineEvent[]): { bytes: bigint; slots: number } {
  let bytes = 0n;
  let slots = 0;
  for (const e of timeline) {
    if (e.kind !== 'memory-hotplug') continue;
    bytes += e.size;
    if (e.memKind === 'pc-dimm') slots++;
  }
  return { bytes, slots };
}

/**
 * memory_device_get_free_addr: from the region's start, the first `align`ed
 * address where `size` bytes touch nothing in `taken` (plugged devices; for a
 * VMM that plans from boot, its reserved ranges too); undefined if that runs
 * past the region ("could not find position in guest address space for
 * memory device").
 */
export function freeAddress(region: Range, taken: IntervalSet, size: bigint, align = MEMORY_DEVICE_ALIGN): bigint | undefined {
  let at = alignUp(region.start, align);
  for (const t of taken.ranges) {
    if (t.last < at) continue;
    if (t.start > at + size - 1n) break;
    at = alignUp(t.last + 1n, align);
  }
  return at + size - 1n <= region.last ? at : undefined;
}

/**
 * A Linux guest's plug requests for a virtio-mem device at `region`: one per
 * Linux memory block, in address order, clipped to the device.
 */
export function plugRequests(region: Range, request = GUEST_PLUG_REQUEST): Range[] {
  const out: Range[] = [];
  for (let at = region.start; at <= region.last; ) {
    const end = (at / request + 1n) * request - 1n;
    const last = end < region.last ? end : region.last;
    out.push({ start: at, last });
    at = last + 1n;
  }
  return out;
}

/**
 * The guest plugs a virtio-mem device at `region` request by request. A
 * request the kernel refuses is rolled back alone and answered
 * VIRTIO_MEM_RESP_BUSY (hw/virtio/virtio-mem.c virtio_mem_state_change_request);
 * Linux retries that same memory block with back-off and gets no further
 * (drivers/virtio/virtio_mem.c virtio_mem_run_wq). What was plugged stays.
 * `around`: what the VMM leaves unmapped.
 */
export function plugVirtioMem(vfio: Containers, region: Range, around: IntervalSet): { plugged: Range[]; busy: Range | undefined } {
  const plugged: Range[] = [];
  for (const req of plugRequests(region)) {
    const pieces = IntervalSet.of(req).subtract(around).ranges.map((p) => ({ ...p, granularity: VIRTIO_MEM_BLOCK }));
    if (vfio.populate(req, pieces).status !== 'ok') return { plugged, busy: req };
    plugged.push(req);
  }
  return { plugged, busy: undefined };
}
