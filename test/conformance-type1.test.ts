// VFIO type1 has no selftest: these cases come from the code
// (torvalds/linux:drivers/vfio/vfio_iommu_type1.c), each citing its function.
// Then one request sequence under every era.
import { describe, expect, it } from 'vitest';
import { DMA_ENTRY_LIMIT } from '../src/kernel/common.js';
import { kernelFor } from '../src/kernel/index.js';
import type { KernelEra, KernelResult } from '../src/kernel/types.js';
import { HW_MSI_D05, SW_MSI, group, host } from './helpers/hosts.js';

const errno = (r: KernelResult) => (r.status === 'ok' ? 'ok' : r.errno);
const P = 0x1000n;

describe('vfio_iommu_type1.c', () => {
  it('vfio_iommu_iova_dma_valid: an empty valid list (mdev-only container) allows any map', () => {
    const c = kernelFor('type1', host([])).newContainer();
    expect(c.validRanges()!.isEmpty).toBe(true);
    expect(errno(c.map({ start: 0xc6010000n, last: 0xc601ffffn }))).toBe('ok');
  });

  it('vfio_dma_do_map: dma_avail exhausted → ENOSPC, before the valid-list check', () => {
    const h = host([group(1, HW_MSI_D05)]);
    const c = kernelFor('type1', h).newContainer();
    c.attach(h.groups[0]!);
    for (let i = 0n; i < BigInt(DMA_ENTRY_LIMIT); i++) expect(errno(c.map({ start: (1n << 33n) + i * P, last: (1n << 33n) + i * P + P - 1n }))).toBe('ok');
    expect(errno(c.map({ start: 0xc6010000n, last: 0xc6010fffn }))).toBe('ENOSPC');
  });

  it('vfio_iommu_resv_exclude: a group whose regions cover the whole aperture cannot attach (EINVAL)', () => {
    const h = host([group(1, [0n, (1n << 48n) - 1n, 'reserved'])]);
    expect(errno(kernelFor('type1', h).newContainer().attach(h.groups[0]!))).toBe('EINVAL');
  });

  it('vfio_iommu_resv_conflict ignores DIRECT_RELAXABLE regions', () => {
    const h = host([group(1, SW_MSI), group(2, [0x40000000n, 0x400fffffn, 'direct-relaxable'])]);
    const c = kernelFor('type1', h).newContainer();
    c.attach(h.groups[0]!);
    expect(errno(c.map({ start: 0x40000000n, last: 0x7fffffffn }))).toBe('ok');
    expect(errno(c.attach(h.groups[1]!))).toBe('ok');
  });

  it('vfio_iommu_type1_detach_group: the valid list widens; a map refused before now succeeds', () => {
    const h = host([group(1, SW_MSI), group(2, HW_MSI_D05)]);
    const c = kernelFor('type1', h).newContainer();
    c.attach(h.groups[0]!);
    c.attach(h.groups[1]!);
    const ram = { start: 0x40000000n, last: 0x13fffffffn };
    expect(errno(c.map(ram))).toBe('EINVAL');
    c.detach(2);
    expect(errno(c.map(ram))).toBe('ok');
  });

  it('vfio_dma_do_map: wrap and size zero are EINVAL (shape), whatever else', () => {
    const c = kernelFor('type1', host([group(1)])).newContainer();
    c.attach(host([group(1)]).groups[0]!);
    expect(errno(c.map({ start: 0x1000n, last: 0xfffn }))).toBe('EINVAL');
  });
});

describe('one request sequence under every era', () => {
  // Attach a D05 group, map 4 GiB of virt RAM over its doorbell, then attach a
  // second group with a direct region on a 6.6 host.
  const h = host([group(3, SW_MSI, HW_MSI_D05), group(9, [0x2000000000n, 0x2000000fffn, 'direct'])], { kernel: '6.6' });
  const run = (era: KernelEra) => {
    const c = kernelFor(era, h).newContainer();
    return [errno(c.attach(h.groups[0]!)), errno(c.map({ start: 0x40000000n, last: 0x13fffffffn })), errno(c.attach(h.groups[1]!))];
  };
  const expected: Record<KernelEra, string[]> = {
    'v4.9': ['ok', 'ok', 'ok'], // nothing enforced; no Intel RMRR rule on arm
    'v4.11': ['ok', 'ok', 'ok'],
    type1: ['ok', 'EINVAL', 'EINVAL'], // one valid range; ≥ 6.6 DIRECT claim rule
    // SW_MSI beside a HW MSI region: attach refused (iopt_table_enforce_dev_resv_regions);
    // an IOAS with no device then maps anything.
    iommufd: ['EINVAL', 'ok', 'EINVAL'],
  };
  for (const era of Object.keys(expected) as KernelEra[]) {
    it(`${era}: ${expected[era].join(', ')}`, () => expect(run(era)).toEqual(expected[era]));
  }
});
