// Guest RAM layout, IOVA == GPA: one entry per RAM section QEMU's VFIO
// listener maps with one VFIO_IOMMU_MAP_DMA (qemu/qemu:hw/vfio/listener.c).
import { type Range, PAGE_SIZE, hex, rangeOfSize } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';

export type MachineType = 'virt' | 'q35' | 'pc' | 'explicit';

export interface LayoutRequest {
  readonly machine: MachineType;
  readonly ram: bigint;
  /** QEMU version, e.g. "7.1": decides the AMD 1 TiB relocation. */
  readonly qemu: string;
  readonly cpuVendor: 'amd' | 'intel' | 'arm';
  /** Guest phys-bits (x86): QEMU exits if the highest used GPA does not fit. */
  readonly physBits: number;
  /** Size of the 64-bit PCI hole above RAM (x86); defaults per machine. */
  readonly pciHole64?: bigint;
  /** For machine `explicit`: the RAM ranges themselves. */
  readonly ranges?: readonly Range[];
}

export type Layout =
  | {
      readonly status: 'ok';
      readonly sections: readonly Range[];
      /** Ranges the guest firmware tables mark reserved (E820 / DT reserved-memory). */
      readonly firmwareReserved: readonly Range[];
      /** Highest GPA the machine uses, RAM or PCI hole (x86 pc_max_used_gpa). */
      readonly maxUsedGpa: bigint;
    }
  | { readonly status: 'error'; readonly message: string };

const GiB = 1n << 30n;
const FOUR_GiB = 4n * GiB;
/** hw/arm/virt.c base_memmap[VIRT_MEM]: RAM starts at 1 GiB. */
export const VIRT_RAM_BASE = 0x40000000n;
/** hw/i386/pc.c: AMD_HT_START / AMD_HT_END / AMD_ABOVE_1TB_START. */
export const AMD_HT = { start: 0xfd00000000n, last: 0xffffffffffn } as const;
const AMD_ABOVE_1TB_START = 0x10000000000n;

const roundUp = (v: bigint, a: bigint) => ((v + a - 1n) / a) * a;

function versionAtLeast(v: string, min: string): boolean {
  const a = v.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

export function layoutFor(req: LayoutRequest): Layout {
  switch (req.machine) {
    case 'virt': {
      const ram = rangeOfSize(VIRT_RAM_BASE, req.ram);
      return { status: 'ok', sections: [ram], firmwareReserved: [], maxUsedGpa: ram.last };
    }
    case 'explicit': {
      const sections = [...(req.ranges ?? [])].sort((a, b) => (a.start < b.start ? -1 : 1));
      const top = sections.reduce((m, r) => (r.last > m ? r.last : m), 0n);
      return { status: 'ok', sections, firmwareReserved: [], maxUsedGpa: top };
    }
    case 'q35':
    case 'pc':
      return x86Layout(req);
  }
}

function x86Layout(req: LayoutRequest): Layout {
  // hw/i386/pc_q35.c: low RAM is 2 GiB when RAM >= 0xb0000000, else up to 2.75 GiB.
  // hw/i386/pc_piix.c: max_ram_below_4g 0xe0000000, gigabyte-aligned to 3 GiB.
  let lowmem: bigint;
  if (req.machine === 'q35') lowmem = req.ram >= 0xb0000000n ? 0x80000000n : 0xb0000000n;
  else lowmem = req.ram >= 0xe0000000n ? 0xc0000000n : 0xe0000000n;
  const below = req.ram < lowmem ? req.ram : lowmem;
  const above = req.ram - below;
  const hole64 = req.pciHole64 ?? (req.machine === 'q35' ? 32n * GiB : 2n * GiB);

  let aboveStart = FOUR_GiB;
  const firmwareReserved: Range[] = [];
  const maxUsed = (start: bigint) => roundUp(start + above, GiB) + hole64 - 1n;
  // hw/i386/pc.c pc_memory_init: QEMU >= 7.1 (enforce_amd_1tb_hole), AMD vCPU.
  if (req.cpuVendor === 'amd' && versionAtLeast(req.qemu, '7.1')) {
    if (maxUsed(aboveStart) >= AMD_HT.start) aboveStart = AMD_ABOVE_1TB_START;
    if (req.physBits >= 40) firmwareReserved.push(AMD_HT);
  }
  const maxUsedGpa = maxUsed(aboveStart);
  const limit = (1n << BigInt(req.physBits)) - 1n;
  if (limit < maxUsedGpa) {
    return { status: 'error', message: `Address space limit ${hex(limit)} < ${hex(maxUsedGpa)} phys-bits too low (${req.physBits})` };
  }
  // The legacy VGA window 0xa0000-0xbffff is MMIO, so the listener maps low RAM
  // as [0, 0x9ffff] and [0xc0000, lowmem) (cf. vfio_dma_map(..., 0xc0000, 0x7ff40000)).
  const sections: Range[] = [];
  sections.push(rangeOfSize(0n, below < 0xa0000n ? below : 0xa0000n));
  if (below > 0xc0000n) sections.push({ start: 0xc0000n, last: below - 1n });
  if (above > 0n) sections.push(rangeOfSize(aboveStart, above));
  return { status: 'ok', sections, firmwareReserved, maxUsedGpa };
}

/**
 * Ben's layout: punch `avoid` out of every section and add the displaced
 * bytes above the highest section, skipping `avoid` again. RAM size is kept;
 * the cost is address space (a higher highest GPA).
 */
export function layOutAround(sections: readonly Range[], avoid: IntervalSet): Range[] {
  const holes = roundOut(avoid);
  const kept = IntervalSet.from(sections).subtract(holes);
  let displaced = IntervalSet.from(sections).measure() - kept.measure();
  const out = [...kept.ranges];
  let cursor = (IntervalSet.from(sections).max() ?? 0n) + 1n;
  while (displaced > 0n) {
    const blocker = holes.firstOverlap({ start: cursor, last: cursor + displaced - 1n });
    const end = blocker ? blocker.start - 1n : cursor + displaced - 1n;
    if (end >= cursor) {
      out.push({ start: cursor, last: end });
      displaced -= end - cursor + 1n;
    }
    if (blocker) cursor = blocker.last + 1n;
  }
  return IntervalSet.from(out).ranges.slice();
}

/** Widen every range to whole 4 KiB pages: the IOMMU maps no less than a page. */
export function roundOut(set: IntervalSet): IntervalSet {
  return IntervalSet.from(
    set.ranges.map((r) => ({ start: r.start - (r.start % PAGE_SIZE), last: r.last - (r.last % PAGE_SIZE) + PAGE_SIZE - 1n })),
  );
}

