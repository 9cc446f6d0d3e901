// virtio-mem: the device plugs memory block by block at the guest's request
// and may refuse a block (qemu/qemu:hw/virtio/virtio-mem.c
// virtio_mem_plug_request answers VIRTIO_MEM_RESP_NACK or _BUSY); a block
// never plugged is RAM the guest never has. So while a virtio-mem device is
// being plugged the VMM can keep its guest off any range of it, a whole
// block (VIRTIO_MEM_BLOCK, 2 MiB) at a time. Once plugged, the VMM can only
// lower the requested size: the guest driver picks which blocks it unplugs
// (torvalds/linux:drivers/virtio/virtio_mem.c virtio_mem_sbm_unplug_request:
// offline blocks, then ZONE_MOVABLE, then kernel ones, last block first)
// and skips sub-blocks it cannot unplug (-EBUSY, unmovable pages), so no
// range of already plugged RAM can be named.
import { IntervalSet } from '../../model/intervals.js';
import { VIRTIO_MEM_BLOCK } from '../../vmm/device-memory.js';
import type { HintChannel } from './channel.js';

/** The ranges widened to whole blocks of the device starting at `base`. */
export function wholeBlocks(ranges: IntervalSet, base: bigint, block = VIRTIO_MEM_BLOCK): IntervalSet {
  return IntervalSet.from(ranges.ranges.map((r) => ({ start: base + ((r.start - base) / block) * block, last: base + ((r.last - base) / block + 1n) * block - 1n })));
}

export const virtioMem: HintChannel = {
  name: 'virtio-mem',
  status: 'exists',
  sources: ['qemu/qemu:hw/virtio/virtio-mem.c (virtio_mem_plug_request)', 'torvalds/linux:drivers/virtio/virtio_mem.c (virtio_mem_sbm_unplug_request)'],
  assumption: 'only RAM of a virtio-mem device being plugged, whole 2 MiB blocks left unplugged; plugged RAM cannot be named',
  offer: (req) => {
    const a = req.added;
    if (a?.kind !== 'virtio-mem' || !IntervalSet.of(a.range).intersect(req.ranges).equals(req.ranges)) {
      return 'virtio-mem can withhold blocks only while plugging; the guest picks which plugged blocks to unplug';
    }
    return { taken: wholeBlocks(req.ranges, a.range.start).intersect(IntervalSet.of(a.range)), failChance: 0 };
  },
};
