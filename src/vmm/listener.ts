// What QEMU's VFIO listener maps: one VFIO_IOMMU_MAP_DMA per RAM or ROM
// section of the flat view, in address order; ROM read-only
// (qemu/qemu:hw/vfio/listener.c vfio_listener_region_add,
// vfio_listener_valid_section; MMIO and romd flash are skipped).
//
// On q35/pc the sections below 1 MiB depend on when the container is set up
// (measured: shared/realstack logs/layout-q72.txt, layout-q10.txt, the
// nested-QEMU -trace vfio_listener_region_add_ram lines):
// - cold plug: -device is realized before the first system reset. The PAM
//   aliases are still disabled (hw/pci-host/pam.c init_pam), so low RAM is one
//   section [0, lowmem) — unless a VGA device claims the legacy window: the
//   SMRAM alias over it is enabled from realize (hw/pci-host/q35.c
//   mch_realize, i440fx.c: "if *disabled* show SMRAM to all CPUs"), and then
//   [0, 0x9ffff] and [0xc0000, lowmem), as in vfio_dma_map(..., 0xc0000,
//   0x7ff40000, ...) (iommu list <20191211082304.2d4fab45@x1.home>);
// - after reset (device_add, a destination's state loaded): PAM 0 routes
//   0xc0000-0xfffff to the PCI space, where pc.rom and the isa-bios alias
//   are ROM (hw/i386/pc.c pc_memory_init, hw/i386/x86-common.c
//   x86_isa_bios_init), so RAM is [0, 0xbffff] (or [0, 0x9ffff] with VGA)
//   and [0x100000, lowmem). SeaBIOS later shadows 0xc0000-0xfffff through
//   PAM; that changes the split inside that window only.
// - always: the 256 KiB SeaBIOS image, ROM at [0xfffc0000, 0xffffffff]
//   (QEMU's default firmware; OVMF is pflash, romd, not mapped).
import type { Range } from '../model/addr.js';
import type { MachineType } from './layout.js';

export interface Section extends Range {
  /** A ROM: mapped read-only. */
  readonly rom?: boolean;
  /** Mapped block by block (virtio-mem: vfio_ram_discard_notify_populate). */
  readonly granularity?: bigint;
}

/** `cold`: devices realized before the first reset (VM start, migration destination); `runtime`: after it. */
export type Phase = 'cold' | 'runtime';

/** hw/pci-host/q35.h MCH_HOST_BRIDGE_SMRAM_C_BASE/SIZE: the legacy VGA window. */
export const VGA_WINDOW: Range = { start: 0xa0000n, last: 0xbffffn };
/** hw/i386/pc.c PC_ROM_MIN_VGA..PC_ROM_MAX (pc.rom) and the isa-bios alias of the BIOS's last 128 KiB. */
const PC_ROM: Range = { start: 0xc0000n, last: 0xdffffn };
const ISA_BIOS: Range = { start: 0xe0000n, last: 0xfffffn };
/** pc.bios: SeaBIOS's 256 KiB image ends at 4 GiB (x86_bios_rom_init). */
export const BIOS_ROM: Range = { start: 0xfffc0000n, last: 0xffffffffn };

const COLD_ROMS: readonly Section[] = [{ ...BIOS_ROM, rom: true }];
const RUNTIME_ROMS: readonly Section[] = [{ ...PC_ROM, rom: true }, { ...ISA_BIOS, rom: true }, ...COLD_ROMS];
const LOW_ROM_AREA: Range = { start: PC_ROM.start, last: ISA_BIOS.last };

/** The sections the listener maps for `ram` (the machine's RAM blocks, in order) in `phase`, in address order. */
export function listenerSections(machine: MachineType, ram: readonly Range[], phase: Phase, vga: boolean): Section[] {
  if (machine !== 'q35' && machine !== 'pc') return ram.map((r) => ({ start: r.start, last: r.last }));
  const holes: Range[] = vga ? [VGA_WINDOW] : [];
  if (phase === 'runtime') holes.push(LOW_ROM_AREA);
  const roms = phase === 'runtime' ? RUNTIME_ROMS : COLD_ROMS;
  const out: Section[] = [];
  let next = 0;
  const push = (piece: Section) => {
    while (next < roms.length && roms[next]!.start < piece.start) out.push(roms[next++]!);
    out.push(piece);
  };
  // Each RAM block stays its own section (its own MemoryRegion alias), split by the holes.
  for (const r of ram) {
    let start = r.start;
    for (const h of holes) {
      if (h.last < start || h.start > r.last) continue;
      if (h.start > start) push({ start, last: h.start - 1n });
      start = h.last + 1n;
    }
    if (start <= r.last) push({ start, last: r.last });
  }
  while (next < roms.length) out.push(roms[next++]!);
  return out;
}
