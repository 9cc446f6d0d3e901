// Guest RAM layouts against QEMU (domain.md §5), the real QEMU 7.2/10.0 runs
// (shared/realstack logs/layout-q72.txt, layout-q10.txt, *-l2*.log) and the
// incidents of §6.
import { describe, expect, it } from 'vitest';
import { kernelFor } from '../src/kernel/index.js';
import { IntervalSet } from '../src/model/intervals.js';
import { type LayoutRequest, bootProblem, guestPhysBits, layoutFor } from '../src/vmm/layout.js';
import { listenerSections } from '../src/vmm/listener.js';
import { layOutAround, reserveAround } from '../src/vmm/reserve.js';
import { parseScenario } from '../src/scenario/load.js';
import { AMD_HT, X86_MSI, group, host } from './helpers/hosts.js';

const GiB = 1n << 30n;
const MiB = 1n << 20n;
const req = (over: Partial<LayoutRequest>): LayoutRequest => ({ machine: 'q35', ram: 4n * GiB, qemu: '9.2', cpuVendor: 'intel', physBits: 46, ...over });
const ok = (r: LayoutRequest) => {
  const l = layoutFor(r);
  if (l.status !== 'ok') throw new Error(l.message);
  return l;
};
const ram = (r: LayoutRequest) => ok(r).ram.map((s) => [s.start, s.last]);
const error = (r: LayoutRequest) => {
  const l = layoutFor(r);
  return l.status === 'error' ? l.message : undefined;
};

describe('machine layouts (RAM blocks)', () => {
  it('virt: RAM from 1 GiB, contiguous', () => {
    expect(ram(req({ machine: 'virt', ram: 4n * GiB }))).toEqual([[0x40000000n, 0x13fffffffn]]);
  });
  it('q35 with RAM >= 2.75 GiB: 2 GiB low, the rest from 4 GiB (layout-q72.txt q35-4G)', () => {
    expect(ram(req({ ram: 4n * GiB }))).toEqual([[0n, 0x7fffffffn], [0x100000000n, 0x17fffffffn]]);
  });
  it('q35 with less than 2.75 GiB: all low', () => {
    expect(ram(req({ ram: 2560n * MiB }))).toEqual([[0n, 0x9fffffffn]]);
  });
  it('pc (i440fx): 3 GiB low once RAM reaches 3.5 GiB (layout-q72.txt pc-4G)', () => {
    expect(ram(req({ machine: 'pc', ram: 8n * GiB }))).toEqual([[0n, 0xbfffffffn], [0x100000000n, 0x23fffffffn]]);
    expect(ram(req({ machine: 'pc', ram: 4n * GiB }))).toEqual([[0n, 0xbfffffffn], [0x100000000n, 0x13fffffffn]]);
  });
  it('AMD vCPU, QEMU 7.0: above-4G RAM runs through the HT hole', () => {
    expect(ram(req({ ram: 1023n * GiB, qemu: '7.0', cpuVendor: 'amd', physBits: 48 }))[1]).toEqual([0x100000000n, 0x100000000n + 1021n * GiB - 1n]);
  });
  it('AMD vCPU, QEMU 7.1: above-4G RAM starts at 1 TiB and the HT range is marked reserved (layout-q72.txt q35-epyc-1023G-pb48)', () => {
    const l = ok(req({ ram: 1023n * GiB, qemu: '7.1', cpuVendor: 'amd', physBits: 48 }));
    expect(l.ram[1]).toEqual({ start: 0x10000000000n, last: 0x1ff3fffffffn });
    expect(l.firmwareReserved).toEqual([{ start: 0xa0000n, last: 0xfffffn }, { start: 0xfd00000000n, last: 0xffffffffffn }]);
  });
  it('a pc-q35-7.0 machine type on a QEMU 7.2 binary is not relocated (layout-q72.txt q35-7.0-epyc-1023G-pb48)', () => {
    expect(ram(req({ ram: 1023n * GiB, qemu: '7.2', machineVersion: '7.0', cpuVendor: 'amd', physBits: 48 }))[1]![0]).toBe(0x100000000n);
  });
  it('x86: 640 KiB-1 MiB is RAM QEMU maps but never the guest OS\'s (SeaBIOS src/malloc.c malloc_preinit)', () => {
    expect(ok(req({ ram: GiB })).firmwareReserved).toEqual([{ start: 0xa0000n, last: 0xfffffn }]);
    expect(ok(req({ machine: 'virt' })).firmwareReserved).toEqual([]);
  });
  it('a small AMD guest is not relocated', () => {
    expect(ram(req({ ram: 16n * GiB, qemu: '8.0', cpuVendor: 'amd' }))[1]![0]).toBe(0x100000000n);
  });
});

describe('the phys-bits exit (hw/i386/pc.c pc_memory_init, 1caab5cf86bd, QEMU 7.1)', () => {
  const amd1023 = (over: Partial<LayoutRequest>) => req({ ram: 1023n * GiB, cpuVendor: 'amd', ...over });
  it('relocated to 1 TiB, the 1023 GiB guest needs 42 phys-bits: 41 exits, 42 starts', () => {
    expect(error(amd1023({ qemu: '7.1', physBits: 41 }))).toBe('Address space limit 0x1ffffffffff < 0x2073fffffff phys-bits too low (41)');
    expect(error(amd1023({ qemu: '7.1', physBits: 42 }))).toBeUndefined();
  });
  it('a named CPU model gets 40 and QEMU 7.2 exits with the message the real one printed', () => {
    expect(error(amd1023({ qemu: '7.2', physBits: guestPhysBits('named', undefined, 48) }))).toBe('Address space limit 0xffffffffff < 0x2073fffffff phys-bits too low (40)');
  });
  it('the check applies to old machine types on a 7.1+ binary, not to QEMU before 7.1', () => {
    expect(error(amd1023({ qemu: '7.2', machineVersion: '7.0', physBits: 40 }))).toBe('Address space limit 0xffffffffff < 0x1083fffffff phys-bits too low (40)');
    // QEMU 5.2 with -cpu EPYC (40 bits) starts the same guest and fails only at the map (x86-6.1-amd-amd-l2-x86-old-q52.log).
    expect(error(amd1023({ qemu: '5.2', physBits: 40 }))).toBeUndefined();
    expect(error(amd1023({ qemu: '7.0', physBits: 40 }))).toBeUndefined();
  });
  it('an Intel vCPU with 40 bits exits too on 7.1+ (the check is for every vendor)', () => {
    expect(error(amd1023({ qemu: '7.2', cpuVendor: 'intel', physBits: 40 }))).toMatch(/phys-bits too low \(40\)/);
  });
});

describe('guest phys-bits (target/i386/cpu.c, host-cpu.c)', () => {
  it('named models get TCG_PHYS_ADDR_BITS (40); host and max the host\'s; an explicit value wins', () => {
    expect(guestPhysBits('named', undefined, 48)).toBe(40);
    expect(guestPhysBits('host', undefined, 48)).toBe(48);
    expect(guestPhysBits('max', undefined, 46)).toBe(46);
    expect(guestPhysBits('named', 48, 39)).toBe(48);
  });
});

describe('vm inputs: cpu_model, phys_bits, vga, machine_version', () => {
  const vm = (line: string) => parseScenario(`
name: t
title: t
source: s
description: d
host: { platform: p, arch: x86_64, iommu: amd, kernel: "6.1", phys_bits: 46, groups: [{ id: 1 }] }
vm: ${line}
devices: []
timeline: [{ start: {} }]
`, 't.yaml').vm;
  it('default -cpu host (the host\'s phys-bits, as before) and a VGA device; machine type = binary', () => {
    const v = vm('{ machine: q35, ram: 4GiB, qemu: "7.2" }');
    expect(v).toMatchObject({ cpuModel: 'host', vga: true, qemu: '7.2' });
    expect(v.physBits).toBeUndefined();
    expect(v.machineVersion).toBeUndefined();
    expect(guestPhysBits(v.cpuModel, v.physBits, 46)).toBe(46);
  });
  it('a named model and an explicit phys_bits are kept as given', () => {
    const v = vm('{ machine: q35, ram: 4GiB, qemu: "7.2", machine_version: "7.0", cpu_model: named, phys_bits: 48, vga: false }');
    expect(v).toMatchObject({ cpuModel: 'named', physBits: 48, vga: false, machineVersion: '7.0' });
  });
});

describe('listener sections (hw/vfio/listener.c, the real QEMU\'s -trace vfio_listener_region_add_ram)', () => {
  const q35 = (ramGiB: bigint) => ok(req({ ram: ramGiB * GiB })).ram;
  const pairs = (s: ReturnType<typeof listenerSections>) => s.map((x) => [x.start, x.last - x.start + 1n, x.rom ?? false]);
  it('cold plug without VGA: low RAM is one section, then the BIOS ROM (arm64-6.1-smmuv3-arm64-l2.log x86-q35-1G)', () => {
    expect(pairs(listenerSections('q35', q35(1n), 'cold', false))).toEqual([[0n, 0x40000000n, false], [0xfffc0000n, 0x40000n, true]]);
  });
  it('after reset without VGA: [0, 0xbffff], two ROMs, [0x100000, lowmem) (layout-q72.txt q35-1G; hotplug fails at 0x100000+0x3ff00000)', () => {
    expect(pairs(listenerSections('q35', q35(1n), 'runtime', false))).toEqual([
      [0n, 0xc0000n, false], [0xc0000n, 0x20000n, true], [0xe0000n, 0x20000n, true], [0x100000n, 0x3ff00000n, false], [0xfffc0000n, 0x40000n, true],
    ]);
  });
  it('cold plug with a VGA device: the legacy window splits low RAM, vfio_dma_map(..., 0xc0000, 0x7ff40000, ...) (<20191211082304.2d4fab45@x1.home>)', () => {
    expect(pairs(listenerSections('q35', q35(4n), 'cold', true))).toEqual([
      [0n, 0xa0000n, false], [0xc0000n, 0x7ff40000n, false], [0xfffc0000n, 0x40000n, true], [0x100000000n, 0x80000000n, false],
    ]);
  });
  it('after reset with VGA: [0, 0x9ffff], ROMs, [0x100000, lowmem)', () => {
    expect(pairs(listenerSections('pc', ok(req({ machine: 'pc', ram: 2n * GiB })).ram, 'runtime', true)).slice(0, 4)).toEqual([
      [0n, 0xa0000n, false], [0xc0000n, 0x20000n, true], [0xe0000n, 0x20000n, true], [0x100000n, 0x7ff00000n, false],
    ]);
  });
  it('virt: RAM as it is, no ROM (flash is romd, skipped)', () => {
    expect(pairs(listenerSections('virt', ok(req({ machine: 'virt', ram: 3055n * MiB })).ram, 'cold', true))).toEqual([[0x40000000n, 0xbef00000n, false]]);
  });
});

describe('incident: aarch64 virt guest (TCG) on an AMD host (QEMU Launchpad bug 1869006)', () => {
  const amd = host([group(1, X86_MSI, AMD_HT)], { arch: 'x86_64', iommu: 'amd', kernel: '5.4' });
  const starts = (ramMiB: bigint) => {
    const c = kernelFor('type1', amd).newContainer();
    c.attach(amd.groups[0]!);
    return listenerSections('virt', ok(req({ machine: 'virt', ram: ramMiB * MiB })).ram, 'cold', false).every((r) => c.map(r).status === 'ok');
  };
  it('works up to 3054 MiB and fails above: 0x40000000 + 3054 MiB = 0xfee00000', () => {
    expect(0x40000000n + 3054n * MiB).toBe(0xfee00000n);
    expect(starts(3054n)).toBe(true);
    expect(starts(3055n)).toBe(false);
  });
});

describe('layOutAround (Ben\'s firmware-reserved layout)', () => {
  it('keeps the RAM size, punches the holes, and moves the displaced bytes above', () => {
    const blocks = [{ start: 0x40000000n, last: 0x13fffffffn }];
    const out = layOutAround(blocks, IntervalSet.of({ start: 0xc6010000n, last: 0xc601ffffn }));
    expect(IntervalSet.from(out).measure()).toBe(4n * GiB);
    expect(IntervalSet.from(out).has(0xc6010000n)).toBe(false);
    expect(IntervalSet.from(out).max()).toBe(0x13fffffffn + 0x10000n);
  });
  it('skips a hole that lies above RAM too', () => {
    const blocks = [{ start: 0n, last: 0xfffffffn }];
    const out = layOutAround(blocks, IntervalSet.from([{ start: 0x8000000n, last: 0x80fffffn }, { start: 0x10000000n, last: 0x1000ffffn }]));
    expect(IntervalSet.from(out).measure()).toBe(0x10000000n);
    expect(IntervalSet.from(out).has(0x10000000n)).toBe(false);
    expect(IntervalSet.from(out).max()).toBe(0x1000ffffn + 0x100000n);
  });
});

describe('x86 guests need RAM below 1 MiB (arch/x86/realmode/init.c: "Real mode trampoline was not allocated")', () => {
  const isa = IntervalSet.of({ start: 0n, last: 0xffffffn });
  it('reserving the Intel ISA-bridge range [0, 16 MiB) leaves a q35 guest unable to boot', () => {
    const r = reserveAround('q35', ok(req({ ram: 4n * GiB })).ram, isa);
    expect(r.status).toBe('error');
    expect(r.status === 'error' && r.message).toBe('x86 guest without RAM at [0x0-0x9ffff]: the BIOS data area and the kernel\'s real-mode trampoline need RAM below 1 MiB');
  });
  it('a reservation above conventional memory, or any on virt, is fine', () => {
    expect(reserveAround('q35', ok(req({ ram: 1n * GiB })).ram, IntervalSet.of({ start: 0x8000000n, last: 0x80fffffn })).status).toBe('ok');
    expect(bootProblem('virt', [])).toBeUndefined();
  });
});
