// ACPI memory hot-remove: QEMU ejects a whole pc-dimm (qemu/qemu:
// hw/acpi/memory_hotplug.c acpi_memory_unplug_request_cb); the guest must
// offline every memory block of it first (torvalds/linux:
// drivers/acpi/acpi_memhotplug.c acpi_memory_device_remove, then
// mm/memory_hotplug.c offline_pages), 128 MiB each by default on x86 and
// arm64 (drivers/base/memory.c memory_block_size_bytes,
// MIN_MEMORY_BLOCK_SIZE), and offline_pages fails with -EBUSY on a block
// holding unmovable pages. Boot RAM is no DIMM: QEMU cannot eject it.
import type { Range } from '../../model/addr.js';
import { IntervalSet } from '../../model/intervals.js';
import type { HintChannel } from './channel.js';

export const MEMORY_BLOCK = 128n << 20n;
/**
 * Assumption, not a measurement: hotplugged memory onlined to ZONE_NORMAL
 * (the kernel's online policy "contig-zones" without movable_node) holds an
 * unmovable page in a given 128 MiB block with probability 1/2.
 */
export const UNMOVABLE_BLOCK_CHANCE = 0.5;

export const acpiHotRemove: HintChannel = {
  name: 'acpi-hot-remove',
  status: 'exists',
  sources: ['qemu/qemu:hw/acpi/memory_hotplug.c (acpi_memory_unplug_request_cb)', 'torvalds/linux:mm/memory_hotplug.c (offline_pages)', 'torvalds/linux:drivers/base/memory.c (memory_block_size_bytes)'],
  assumption: `ejects whole pc-dimms only; fails if any 128 MiB block of one holds an unmovable page (assumed ${UNMOVABLE_BLOCK_CHANCE} per block, ZONE_NORMAL)`,
  offer: (req) => {
    const hit: Range[] = req.dimms.filter((d) => req.ranges.overlaps(d));
    const dimms = IntervalSet.from(hit);
    if (hit.length === 0 || !dimms.intersect(req.ranges).equals(req.ranges)) return 'only a plugged pc-dimm can be ejected; this RAM is boot RAM or the device being added';
    const blocks = hit.reduce((n, d) => n + Number((d.last + 1n - d.start + MEMORY_BLOCK - 1n) / MEMORY_BLOCK), 0);
    return { taken: dimms, failChance: 1 - (1 - UNMOVABLE_BLOCK_CHANCE) ** blocks, failure: `a block of the pc-dimm holds unmovable pages: offline_pages -EBUSY, the eject fails` };
  },
};
