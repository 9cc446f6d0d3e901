// Guest RAM layout, IOVA == GPA: the RAM blocks a QEMU machine creates, the
// device-memory region where hot-added memory goes, and the checks that make
// QEMU exit before the VM starts. What the VFIO listener maps of it, phase by
// phase, is listener.ts.
import { type Range, PAGE_SIZE, hex, rangeOfSize } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';

/** QEMU machines, explicit RAM ranges, and OpenVMM's own aarch64 layout (Linux direct boot / UEFI). */
export type MachineType = 'virt' | 'q35' | 'pc' | 'explicit' | 'openvmm-linux' | 'openvmm-uefi';

/**
 * `-cpu host` and `-cpu max` under KVM turn host-phys-bits on; a named model
 * (EPYC, Skylake-Server, qemu64, ...) gets 40 phys-bits unless given
 * phys-bits=N (qemu/qemu:target/i386/host-cpu.c host_cpu_max_instance_init;
 * target/i386/cpu.c x86_cpu_realizefn: phys_bits 0 → TCG_PHYS_ADDR_BITS).
 */
export type CpuModel = 'host' | 'max' | 'named';
/** target/i386/tcg/helper-tcg.h TCG_PHYS_ADDR_BITS (x86_64). */
export const NAMED_CPU_PHYS_BITS = 40;

export interface LayoutRequest {
  readonly machine: MachineType;
  readonly ram: bigint;
  /** QEMU binary version, e.g. "7.1": decides the phys-bits exit. */
  readonly qemu: string;
  /** Versioned machine type (pc-q35-X.Y), default `qemu`: decides the AMD 1 TiB relocation. */
  readonly machineVersion?: string;
  readonly cpuVendor: 'amd' | 'intel' | 'arm';
  /** Guest phys-bits (x86), as resolved by guestPhysBits. */
  readonly physBits: number;
  /** Size of the 64-bit PCI hole above RAM (x86); defaults per machine. */
  readonly pciHole64?: bigint;
  /** For machine `explicit`: the RAM ranges themselves. */
  readonly ranges?: readonly Range[];
  /** `-m ...,slots=S,maxmem=M`: M minus RAM, and S (sizes the device-memory region). */
  readonly hotplugMemory?: { readonly bytes: bigint; readonly slots: number };
  /**
   * Skip the AMD 1 TiB relocation and the E820 HT entry: what QEMU was asked
   * to do where the host reports no HT hole (<20251029100152.4807-1-sarunkod@amd.com>,
   * posted; capability-aware-layout). Default false: QEMU as released.
   */
  readonly skipAmdHtRelocation?: boolean;
}

export type Layout =
  | {
      readonly status: 'ok';
      /** The machine's RAM blocks (IOVA == GPA), in address order. */
      readonly ram: readonly Range[];
      /** Where memory devices (pc-dimm, virtio-mem) go; undefined without maxmem. */
      readonly deviceMemory: Range | undefined;
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
/** 640 KiB to 1 MiB on a PC. */
export const LEGACY_HOLE: Range = { start: 0xa0000n, last: 0xfffffn };

const roundUp = (v: bigint, a: bigint) => ((v + a - 1n) / a) * a;

export function versionAtLeast(v: string, min: string): boolean {
  const a = v.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** The guest's phys-bits: explicit phys-bits=N, else the host's with host-phys-bits, else 40. */
export function guestPhysBits(cpuModel: CpuModel, explicit: number | undefined, hostPhysBits: number): number {
  if (explicit !== undefined) return explicit;
  return cpuModel === 'named' ? NAMED_CPU_PHYS_BITS : hostPhysBits;
}

/** The device-memory region: `base`, sized maxmem - RAM + 1 GiB per slot (virt_set_memmap, pc_get_device_memory_range). */
function deviceRegion(req: LayoutRequest, base: bigint): Range | undefined {
  const hp = req.hotplugMemory;
  if (!hp || hp.bytes === 0n) return undefined;
  return rangeOfSize(base, hp.bytes + BigInt(hp.slots) * GiB);
}

export function layoutFor(req: LayoutRequest): Layout {
  switch (req.machine) {
    case 'virt': {
      const ram = rangeOfSize(VIRT_RAM_BASE, req.ram);
      // hw/arm/virt.c virt_set_memmap: device memory right after RAM, 1 GiB aligned.
      const deviceMemory = deviceRegion(req, roundUp(ram.last + 1n, GiB));
      return { status: 'ok', ram: [ram], deviceMemory, firmwareReserved: [], maxUsedGpa: ram.last };
    }
    case 'explicit': {
      const ram = [...(req.ranges ?? [])].sort((a, b) => (a.start < b.start ? -1 : 1));
      const top = ram.reduce((m, r) => (r.last > m ? r.last : m), 0n);
      // Not a QEMU machine: device memory above the highest range, 1 GiB aligned, as virt does.
      return { status: 'ok', ram, deviceMemory: deviceRegion(req, roundUp(top + 1n, GiB)), firmwareReserved: [], maxUsedGpa: top };
    }
    case 'q35':
    case 'pc':
      return x86Layout(req);
    case 'openvmm-linux':
    case 'openvmm-uefi':
      return openvmmLayout(req.machine, req.ram, (top) => deviceRegion(req, roundUp(top + 1n, GiB)));
  }
}

/**
 * OpenVMM's aarch64 layout (microsoft/openvmm openvmm_core/src/worker/
 * dispatch.rs ram_start_address, commit 5a26d4458 / PR #3559): Linux direct
 * boot reserves 0..1 GiB ("low-ram-gap") so RAM clears the 128-129 MiB SW_MSI
 * window; UEFI boot starts RAM at 0 ("UEFI cannot only boot from low
 * memory", a FUTURE note there), so RAM covers the window. RAM stops at the
 * chipset low MMIO window, 512 MiB below 4 GiB on aarch64
 * (vmm_core/vm_manifest_builder layout_config; memory_layout.rs
 * chipset-low-mmio pinned to end at 4 GiB). Assumption: the rest of RAM
 * continues at 4 GiB (the allocator may place high MMIO first).
 */
export const OPENVMM_LINUX_RAM_BASE = 0x40000000n;
export const OPENVMM_LOW_MMIO: Range = { start: FOUR_GiB - 512n * 1024n * 1024n, last: FOUR_GiB - 1n };
function openvmmLayout(machine: 'openvmm-linux' | 'openvmm-uefi', bytes: bigint, device: (top: bigint) => Range | undefined): Layout {
  const base = machine === 'openvmm-linux' ? OPENVMM_LINUX_RAM_BASE : 0n;
  const below = bytes < OPENVMM_LOW_MMIO.start - base ? bytes : OPENVMM_LOW_MMIO.start - base;
  const ram = [rangeOfSize(base, below)];
  if (bytes > below) ram.push(rangeOfSize(FOUR_GiB, bytes - below));
  const top = ram[ram.length - 1]!.last;
  return { status: 'ok', ram, deviceMemory: device(top), firmwareReserved: [], maxUsedGpa: top };
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
  const hp = req.hotplugMemory && req.hotplugMemory.bytes > 0n ? req.hotplugMemory : undefined;

  // hw/i386/pc.c pc_get_device_memory_range: ROUND_UP(pc_above_4g_end, 1 GiB);
  // pc_pci_hole64_start: the 64-bit hole after device memory; pc_max_used_gpa: its end.
  const deviceBase = (start: bigint) => roundUp(start + above, GiB);
  const maxUsed = (start: bigint) =>
    roundUp(deviceBase(start) + (hp ? hp.bytes + BigInt(hp.slots) * GiB : 0n), GiB) + hole64 - 1n;
  let aboveStart = FOUR_GiB;
  // SeaBIOS src/malloc.c malloc_preinit: "Don't declare any memory between
  // 0xa0000 and 0x100000" (VGA window, option ROMs, BIOS): mapped, never the OS's RAM.
  const firmwareReserved: Range[] = [LEGACY_HOLE];
  // hw/i386/pc.c pc_memory_init, commit 8504f129450b: machine types >= 7.1
  // (enforce_amd_1tb_hole), AMD vCPU.
  if (req.cpuVendor === 'amd' && versionAtLeast(req.machineVersion ?? req.qemu, '7.1') && !req.skipAmdHtRelocation) {
    if (maxUsed(aboveStart) >= AMD_HT.start) aboveStart = AMD_ABOVE_1TB_START;
    if (req.physBits >= 40) firmwareReserved.push(AMD_HT);
  }
  const maxUsedGpa = maxUsed(aboveStart);
  const limit = (1n << BigInt(req.physBits)) - 1n;
  // hw/i386/pc.c pc_memory_init, commit 1caab5cf86bd (QEMU 7.1, every machine
  // type and vendor): no such exit before, so QEMU 5.2 starts the same guest.
  if (versionAtLeast(req.qemu, '7.1') && limit < maxUsedGpa) {
    return { status: 'error', message: `Address space limit ${hex(limit)} < ${hex(maxUsedGpa)} phys-bits too low (${req.physBits})` };
  }
  const ram = [rangeOfSize(0n, below)];
  if (above > 0n) ram.push(rangeOfSize(aboveStart, above));
  return { status: 'ok', ram, deviceMemory: deviceRegion(req, deviceBase(aboveStart)), firmwareReserved, maxUsedGpa };
}

/**
 * x86 firmware and kernels need RAM at the bottom of the address space: the
 * real-mode IVT and BIOS data area at 0, the EBDA below 640 KiB, Linux's
 * real-mode trampoline below 1 MiB (torvalds/linux:arch/x86/realmode/init.c
 * reserve_real_mode: "Has to be under 1M"; init_real_mode: panic("Real mode
 * trampoline was not allocated")).
 */
export const X86_CONVENTIONAL_MEMORY: Range = { start: 0n, last: 0x9ffffn };

/** Why the guest cannot boot on `ram`, or undefined if it can. */
export function bootProblem(machine: MachineType, ram: readonly Range[]): string | undefined {
  if (machine !== 'q35' && machine !== 'pc') return undefined;
  if (IntervalSet.from(ram).containsRange(X86_CONVENTIONAL_MEMORY)) return undefined;
  return `x86 guest without RAM at [${hex(X86_CONVENTIONAL_MEMORY.start)}-${hex(X86_CONVENTIONAL_MEMORY.last)}]: the BIOS data area and the kernel's real-mode trampoline need RAM below 1 MiB`;
}

/** Widen every range to whole 4 KiB pages: the IOMMU maps no less than a page. */
export function roundOut(set: IntervalSet): IntervalSet {
  return IntervalSet.from(
    set.ranges.map((r) => ({ start: r.start - (r.start % PAGE_SIZE), last: r.last - (r.last % PAGE_SIZE) + PAGE_SIZE - 1n })),
  );
}
