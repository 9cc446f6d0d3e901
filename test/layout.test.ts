// Guest RAM layouts against QEMU (domain.md §5) and the incidents of §6.
import { describe, expect, it } from 'vitest';
import { kernelFor } from '../src/kernel/index.js';
import { IntervalSet } from '../src/model/intervals.js';
import { type LayoutRequest, layOutAround, layoutFor } from '../src/vmm/layout.js';
import { AMD_HT, X86_MSI, group, host } from './helpers/hosts.js';

const GiB = 1n << 30n;
const MiB = 1n << 20n;
const req = (over: Partial<LayoutRequest>): LayoutRequest => ({ machine: 'q35', ram: 4n * GiB, qemu: '9.2', cpuVendor: 'intel', physBits: 46, ...over });
const sections = (r: LayoutRequest) => {
  const l = layoutFor(r);
  if (l.status !== 'ok') throw new Error(l.message);
  return l.sections.map((s) => [s.start, s.last]);
};

describe('machine layouts', () => {
  it('virt: RAM from 1 GiB, contiguous', () => {
    expect(sections(req({ machine: 'virt', ram: 4n * GiB }))).toEqual([[0x40000000n, 0x13fffffffn]]);
  });
  it('q35 with RAM >= 2.75 GiB: 2 GiB low (VGA hole excluded), the rest from 4 GiB', () => {
    expect(sections(req({ ram: 4n * GiB }))).toEqual([[0n, 0x9ffffn], [0xc0000n, 0x7fffffffn], [0x100000000n, 0x17fffffffn]]);
  });
  it('q35 with less than 2.75 GiB: all low', () => {
    expect(sections(req({ ram: 2560n * MiB }))).toEqual([[0n, 0x9ffffn], [0xc0000n, 0x9fffffffn]]);
  });
  it('pc (i440fx): 3 GiB low once RAM reaches 3.5 GiB', () => {
    expect(sections(req({ machine: 'pc', ram: 8n * GiB }))).toEqual([[0n, 0x9ffffn], [0xc0000n, 0xbfffffffn], [0x100000000n, 0x23fffffffn]]);
  });
  it('AMD vCPU, QEMU 7.0: above-4G RAM runs through the HT hole', () => {
    const s = sections(req({ ram: 1023n * GiB, qemu: '7.0', cpuVendor: 'amd', physBits: 48 }));
    expect(s[2]).toEqual([0x100000000n, 0x100000000n + 1021n * GiB - 1n]);
  });
  it('AMD vCPU, QEMU 7.1: above-4G RAM starts at 1 TiB and the HT range is marked reserved', () => {
    const l = layoutFor(req({ ram: 1023n * GiB, qemu: '7.1', cpuVendor: 'amd', physBits: 48 }));
    expect(l.status === 'ok' && l.sections[2]!.start).toBe(0x10000000000n);
    expect(l.status === 'ok' && l.firmwareReserved).toEqual([{ start: 0xfd00000000n, last: 0xffffffffffn }]);
  });
  it('AMD relocation needs phys-bits: with 40 QEMU exits "phys-bits too low"', () => {
    const l = layoutFor(req({ ram: 1023n * GiB, qemu: '7.1', cpuVendor: 'amd', physBits: 40 }));
    expect(l.status).toBe('error');
    expect(l.status === 'error' && l.message).toMatch(/phys-bits too low \(40\)/);
  });
  it('a small AMD guest is not relocated', () => {
    expect(sections(req({ ram: 16n * GiB, qemu: '8.0', cpuVendor: 'amd' }))[2]![0]).toBe(0x100000000n);
  });
});

describe('incident: aarch64 virt guest (TCG) on an AMD host (QEMU Launchpad bug 1869006)', () => {
  const amd = host([group(1, X86_MSI, AMD_HT)], { arch: 'x86_64', iommu: 'amd', kernel: '5.4' });
  const starts = (ramMiB: bigint) => {
    const c = kernelFor('type1', amd).newContainer();
    c.attach(amd.groups[0]!);
    const l = layoutFor(req({ machine: 'virt', ram: ramMiB * MiB }));
    return l.status === 'ok' && l.sections.every((r) => c.map(r).status === 'ok');
  };
  it('works up to 3054 MiB and fails above: 0x40000000 + 3054 MiB = 0xfee00000', () => {
    expect(0x40000000n + 3054n * MiB).toBe(0xfee00000n);
    expect(starts(3054n)).toBe(true);
    expect(starts(3055n)).toBe(false);
  });
});

describe('layOutAround (Ben\'s firmware-reserved layout)', () => {
  it('keeps the RAM size, punches the holes, and moves the displaced bytes above', () => {
    const ram = [{ start: 0x40000000n, last: 0x13fffffffn }];
    const out = layOutAround(ram, IntervalSet.of({ start: 0xc6010000n, last: 0xc601ffffn }));
    expect(IntervalSet.from(out).measure()).toBe(4n * GiB);
    expect(IntervalSet.from(out).has(0xc6010000n)).toBe(false);
    expect(IntervalSet.from(out).max()).toBe(0x13fffffffn + 0x10000n);
  });
  it('skips a hole that lies above RAM too', () => {
    const ram = [{ start: 0n, last: 0xfffffffn }];
    const out = layOutAround(ram, IntervalSet.from([{ start: 0x8000000n, last: 0x80fffffn }, { start: 0x10000000n, last: 0x1000ffffn }]));
    expect(IntervalSet.from(out).measure()).toBe(0x10000000n);
    expect(IntervalSet.from(out).has(0x10000000n)).toBe(false);
    expect(IntervalSet.from(out).max()).toBe(0x1000ffffn + 0x100000n);
  });
});
