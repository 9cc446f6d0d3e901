// Firmware tables at boot: the VMM writes the ranges as reserved into the
// E820 map (x86: qemu/qemu:hw/i386/pc.c pc_memory_init, e820_add_entry, as
// QEMU 7.1 does for AMD's HyperTransport hole) or the device tree's
// /reserved-memory and the UEFI memory map (arm64), which Linux reads once,
// at boot (torvalds/linux:arch/x86/kernel/e820.c e820__memblock_setup;
// drivers/of/of_reserved_mem.c fdt_scan_reserved_mem). Only ranges known at
// VM creation; a later range waits for the next boot.
import { roundOut } from '../../vmm/layout.js';
import type { HintChannel } from './channel.js';

export const firmwareTables: HintChannel = {
  name: 'firmware-tables',
  status: 'exists',
  sources: ['qemu/qemu:hw/i386/pc.c (e820_add_entry)', 'torvalds/linux:arch/x86/kernel/e820.c (e820__memblock_setup)', 'torvalds/linux:drivers/of/of_reserved_mem.c (fdt_scan_reserved_mem)'],
  assumption: 'a Linux guest never allocates from RAM its boot firmware tables reserve; whole 4 KiB pages',
  guestHonours: 'firmware',
  offer: (req) => (req.phase === 'start' ? { taken: roundOut(req.ranges), failChance: 0 } : 'firmware tables are read once, at boot'),
};
