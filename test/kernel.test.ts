// Each rule of domain.md §4, with its errno.
import { describe, expect, it } from 'vitest';
import { kernelFor } from '../src/kernel/index.js';
import type { KernelEra, KernelResult } from '../src/kernel/types.js';
import { IntervalSet } from '../src/model/intervals.js';
import { AMD_HT, HW_MSI_D05, SW_MSI, X86_MSI, group, host } from './helpers/hosts.js';

const errno = (r: KernelResult) => (r.status === 'ok' ? 'ok' : r.errno);
const GiB = 1n << 30n;
const virtRam = (size: bigint) => ({ start: 0x40000000n, last: 0x40000000n + size - 1n });

describe('≤ 5.3 (v4.9, v4.11): VFIO checks shape and overlap only', () => {
  for (const era of ['v4.9', 'v4.11'] as KernelEra[]) {
    it(`${era}: maps guest RAM straight over a HW MSI doorbell and a SW_MSI window`, () => {
      const h = host([group(1, SW_MSI, HW_MSI_D05)]);
      const c = kernelFor(era, h).newContainer();
      expect(errno(c.attach(h.groups[0]!))).toBe('ok');
      expect(errno(c.map({ start: 0n, last: 4n * GiB - 1n }))).toBe('ok');
      expect(c.validRanges()).toBeUndefined();
    });
    it(`${era}: EEXIST on overlap with an existing mapping, EINVAL on misalignment`, () => {
      const h = host([group(1)]);
      const c = kernelFor(era, h).newContainer();
      c.attach(h.groups[0]!);
      expect(errno(c.map({ start: 0x40000000n, last: 0x7fffffffn }))).toBe('ok');
      expect(errno(c.map({ start: 0x7ffff000n, last: 0x80000fffn }))).toBe('EEXIST');
      expect(errno(c.map({ start: 0x90000800n, last: 0x90001fffn }))).toBe('EINVAL');
    });
  }
  it('sysfs reserved_regions exist from v4.11, not in v4.9', () => {
    const h = host([group(1)]);
    expect(kernelFor('v4.9', h).regionsVisible).toBe(false);
    expect(kernelFor('v4.11', h).regionsVisible).toBe(true);
  });
  it('Intel refuses an RMRR (DIRECT) device with EPERM in every era before 6.6', () => {
    const h = host([group(1, [0x0n, 0xffffffn, 'direct'])], { iommu: 'intel', arch: 'x86_64', kernel: '5.4' });
    for (const era of ['v4.9', 'v4.11', 'type1', 'iommufd'] as KernelEra[]) {
      expect(errno(kernelFor(era, h).newContainer().attach(h.groups[0]!))).toBe('EPERM');
    }
  });
  it('a DIRECT_RELAXABLE region (ISA bridge, 5.5+) is not refused', () => {
    const h = host([group(1, [0x0n, 0xffffffn, 'direct-relaxable'])], { iommu: 'intel', arch: 'x86_64', kernel: '5.5' });
    const c = kernelFor('type1', h).newContainer();
    expect(errno(c.attach(h.groups[0]!))).toBe('ok');
    expect(errno(c.map({ start: 0n, last: 0x7fffffffn }))).toBe('ok');
  });
});

describe('VFIO type1 ≥ 5.4', () => {
  it('valid list = aperture − every non-relaxable region, SW_MSI included', () => {
    const h = host([group(1, SW_MSI, HW_MSI_D05, [0x1000n, 0x1fffn, 'direct-relaxable'])]);
    const c = kernelFor('type1', h).newContainer();
    c.attach(h.groups[0]!);
    const expected = IntervalSet.of({ start: 0n, last: (1n << 48n) - 1n }).subtract(IntervalSet.from([{ start: SW_MSI[0], last: SW_MSI[1] }, { start: HW_MSI_D05[0], last: HW_MSI_D05[1] }]));
    expect(c.validRanges()!.equals(expected)).toBe(true);
  });

  it('a map must fit inside ONE valid range: straddling a hole is EINVAL even if the rest is valid', () => {
    const h = host([group(1, SW_MSI, HW_MSI_D05)]);
    const c = kernelFor('type1', h).newContainer();
    c.attach(h.groups[0]!);
    const r = c.map(virtRam(4n * GiB));
    expect(errno(r)).toBe('EINVAL');
    expect(r.status === 'refused' && r.culprit).toMatchObject({ start: 0xc6010000n, type: 'msi' });
    // 2 GiB ends below the doorbell: fine. (domain.md: a guest larger than ~2.09 GiB covers it.)
    expect(errno(c.map(virtRam(2n * GiB)))).toBe('ok');
  });

  it('check order: shape EINVAL, then EEXIST, then the valid-list EINVAL', () => {
    const h = host([group(1, HW_MSI_D05)]);
    const c = kernelFor('type1', h).newContainer();
    c.attach(h.groups[0]!);
    expect(errno(c.map({ start: 0x40000000n, last: 0x7fffffffn }))).toBe('ok');
    // Overlaps the mapping AND the doorbell: EEXIST wins because vfio_find_dma runs first.
    const both = c.map({ start: 0x7ffff000n, last: 0xc601ffffn });
    expect(errno(both)).toBe('EEXIST');
    expect(errno(c.map({ start: 0x80000000n, last: 0x80000ffen }))).toBe('EINVAL');
  });

  it('aperture: IOVA at or above 2^bits is outside the valid list (EINVAL)', () => {
    const h = host([group(1)], { apertureBits: 39 });
    const c = kernelFor('type1', h).newContainer();
    c.attach(h.groups[0]!);
    expect(errno(c.map({ start: (1n << 39n) - 0x1000n, last: (1n << 39n) + 0xfffn }))).toBe('EINVAL');
    expect(errno(c.map({ start: 0xffff_ffff_ffff_f000n, last: 0xffff_ffff_ffff_ffffn }))).toBe('EINVAL');
  });

  it('attaching a group whose region overlaps an existing mapping is EINVAL (vfio_iommu_resv_conflict)', () => {
    const h = host([group(1, SW_MSI), group(2, SW_MSI, HW_MSI_D05)]);
    const c = kernelFor('type1', h).newContainer();
    expect(errno(c.attach(h.groups[0]!))).toBe('ok');
    expect(errno(c.map(virtRam(4n * GiB)))).toBe('ok');
    const r = c.attach(h.groups[1]!);
    expect(errno(r)).toBe('EINVAL');
    expect(c.attachedGroups()).toEqual([1]);
  });

  it('detach widens the valid list again', () => {
    const h = host([group(1, SW_MSI), group(2, HW_MSI_D05)]);
    const c = kernelFor('type1', h).newContainer();
    c.attach(h.groups[0]!);
    c.attach(h.groups[1]!);
    expect(c.validRanges()!.has(0xc6010000n)).toBe(false);
    c.detach(2);
    expect(c.validRanges()!.has(0xc6010000n)).toBe(true);
  });

  it('AMD HT hole: mapping 4 GiB..1 TiB+ fails EINVAL on the reserved range (Joao Martins, 2021)', () => {
    const h = host([group(40, X86_MSI, AMD_HT)], { arch: 'x86_64', iommu: 'amd' });
    const c = kernelFor('type1', h).newContainer();
    c.attach(h.groups[0]!);
    expect(errno(c.map({ start: 0xc0000n, last: 0x7fffffffn }))).toBe('ok');
    const r = c.map({ start: 0x100000000n, last: 0x100000000n + 0xff30000000n - 1n });
    expect(errno(r)).toBe('EINVAL');
    expect(r.status === 'refused' && r.culprit).toMatchObject({ start: 0xfd00000000n, type: 'reserved' });
  });

  it('≥ 6.6: a device with a non-relaxable DIRECT region cannot be claimed (EINVAL), on any vendor', () => {
    for (const iommu of ['intel', 'arm-smmu-v3'] as const) {
      const h = host([group(1, [0x0n, 0xffffffn, 'direct'])], { iommu, kernel: '6.6' });
      const r = kernelFor('type1', h).newContainer().attach(h.groups[0]!);
      expect(errno(r)).toBe('EINVAL');
      expect(r.status === 'refused' && r.reason).toMatch(/1:1 IOMMU mapping/);
    }
    const old = host([group(1, [0x0n, 0xffffffn, 'direct'])], { kernel: '6.5' });
    expect(errno(kernelFor('type1', old).newContainer().attach(old.groups[0]!))).toBe('ok');
  });

  it('Comet Lake, 5.4: the ISA bridge [0, 0xffffff] `direct` region is no RMRR: attach succeeds, the low-RAM map fails EINVAL', () => {
    // iommu list <20191211082304.2d4fab45@x1.home>: vfio_dma_map(..., 0xc0000, 0x7ff40000, ...) = -22
    const isa = (type: 'direct' | 'direct-relaxable') => host([{ id: 1, devices: ['audio'], regions: [{ start: 0n, last: 0xffffffn, type, rmrr: false }, { start: X86_MSI[0], last: X86_MSI[1], type: 'msi' }] }], { arch: 'x86_64', iommu: 'intel', kernel: type === 'direct' ? '5.4' : '5.5' });
    const h54 = isa('direct');
    const c = kernelFor('type1', h54).newContainer();
    expect(errno(c.attach(h54.groups[0]!))).toBe('ok');
    expect(errno(c.map({ start: 0xc0000n, last: 0x7fffffffn }))).toBe('EINVAL');
    // 5.5 made it DIRECT_RELAXABLE: the same map succeeds.
    const h55 = isa('direct-relaxable');
    const d = kernelFor('type1', h55).newContainer();
    d.attach(h55.groups[0]!);
    expect(errno(d.map({ start: 0xc0000n, last: 0x7fffffffn }))).toBe('ok');
  });
});

describe('iommufd ≥ 6.2', () => {
  it('attach over an existing area is EADDRINUSE and rolled back', () => {
    const h = host([group(1, SW_MSI), group(2, HW_MSI_D05)]);
    const c = kernelFor('iommufd', h).newContainer();
    c.attach(h.groups[0]!);
    expect(errno(c.map(virtRam(4n * GiB)))).toBe('ok');
    expect(errno(c.attach(h.groups[1]!))).toBe('EADDRINUSE');
    expect(c.attachedGroups()).toEqual([1]);
    expect(c.validRanges()!.has(0xc6010000n)).toBe(true);
  });
  it('a fixed-IOVA map touching a reservation is EINVAL; touching an area is EEXIST; reserved is checked first', () => {
    const h = host([group(1, HW_MSI_D05)]);
    const c = kernelFor('iommufd', h).newContainer();
    c.attach(h.groups[0]!);
    expect(errno(c.map({ start: 0x40000000n, last: 0x7fffffffn }))).toBe('ok');
    expect(errno(c.map({ start: 0xc6000000n, last: 0xc6ffffffn }))).toBe('EINVAL');
    expect(errno(c.map({ start: 0x7ffff000n, last: 0x80000fffn }))).toBe('EEXIST');
    expect(errno(c.map({ start: 0x7ffff000n, last: 0xc601ffffn }))).toBe('EINVAL');
  });
  it('IOVA_RANGES reports the holes, including beyond the aperture', () => {
    const h = host([group(1, SW_MSI)], { apertureBits: 39 });
    const c = kernelFor('iommufd', h).newContainer();
    c.attach(h.groups[0]!);
    const v = c.validRanges()!;
    expect(v.has(0x8000000n)).toBe(false);
    expect(v.has(1n << 39n)).toBe(false);
    expect(v.has(0x40000000n)).toBe(true);
  });
});
