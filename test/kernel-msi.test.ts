// The MSI rules of the kernel model, each against the source it ports:
// iommufd's "sane combinations" refusal, per-device regions, the MSI cookie
// (vfio_iommu_has_sw_msi), MSI isolation, and the kernel page size.
import { describe, expect, it } from 'vitest';
import { swMsiDoorbellPages } from '../src/dma/danger-map.js';
import { kernelFor } from '../src/kernel/index.js';
import type { KernelEra, KernelResult } from '../src/kernel/types.js';
import { type IommuGroup, type ReservedRegion, groupResvRegions } from '../src/model/host.js';
import { parseScenario } from '../src/scenario/load.js';
import { HW_MSI_D05, SW_MSI, X86_MSI, group, host } from './helpers/hosts.js';
import { scenarioYaml, trial } from './helpers/scenarios.js';
import { IntervalSet } from '../src/model/intervals.js';
import { resolveScenario } from '../src/scenario/builtin.js';

const errno = (r: KernelResult) => (r.status === 'ok' ? 'ok' : r.errno);
const reason = (r: KernelResult) => (r.status === 'ok' ? '' : r.reason);
const region = ([start, last, type]: typeof SW_MSI): ReservedRegion => ({ start, last, type });
const GiB = 1n << 30n;

/** A group whose devices report their own lists (iommu_get_resv_regions per device). */
function perDevice(id: number, ...lists: ReservedRegion[][]): IommuGroup {
  return { id, devices: lists.map((_, i) => `dev${id}.${i}`), regions: groupResvRegions(lists), deviceRegions: lists };
}

describe('iommufd: iopt_table_enforce_dev_resv_regions (drivers/iommu/iommufd/io_pagetable.c)', () => {
  it('a D05 device (SW_MSI beside the HiSilicon HW MSI frame) is refused with EINVAL and the WARN text, and rolled back', () => {
    const h = host([group(3, SW_MSI, HW_MSI_D05)], { kernel: '6.8' });
    const c = kernelFor('iommufd', h).newContainer();
    const r = c.attach(h.groups[0]!);
    expect(errno(r)).toBe('EINVAL');
    expect(reason(r)).toMatch(/WARN_ON: "Drivers must offer sane combinations of regions": a SW_MSI window beside a hardware MSI region/);
    expect(r.status === 'refused' && r.culprit).toMatchObject({ start: 0xc6010000n, type: 'msi' });
    expect(c.attachedGroups()).toEqual([]);
    // Nothing stays reserved: IOVA_RANGES reports the whole space again.
    expect(c.validRanges()!.has(0x8000000n)).toBe(true);
  });

  it('two SW_MSI windows on one device are refused too', () => {
    const h = host([group(3, SW_MSI, [0x9000000n, 0x90fffffn, 'sw-msi'])], { kernel: '6.8' });
    const r = kernelFor('iommufd', h).newContainer().attach(h.groups[0]!);
    expect(errno(r)).toBe('EINVAL');
    expect(reason(r)).toMatch(/two SW_MSI windows/);
  });

  it('the reservations come first: over an existing area EADDRINUSE wins over the WARN', () => {
    const h = host([group(1, SW_MSI), group(3, SW_MSI, HW_MSI_D05)], { kernel: '6.8' });
    const c = kernelFor('iommufd', h).newContainer();
    c.attach(h.groups[0]!);
    expect(errno(c.map({ start: 0x40000000n, last: 0x13fffffffn }))).toBe('ok');
    expect(errno(c.attach(h.groups[1]!))).toBe('EADDRINUSE');
  });

  it('VFIO type1 attaches the same D05 group (it has no such check)', () => {
    const h = host([group(3, SW_MSI, HW_MSI_D05)], { kernel: '6.8' });
    expect(errno(kernelFor('type1', h).newContainer().attach(h.groups[0]!))).toBe('ok');
  });
});

describe('regions per device (iommufd from 6.6: "Keep track of each device\'s reserved regions instead of groups")', () => {
  // One device behind the translated ITS, one behind the HiSilicon frame, in one group.
  const g = perDevice(5, [region(SW_MSI)], [region(HW_MSI_D05)]);

  it('≥ 6.6: each device alone is sane, the group attaches and both devices\' regions are reserved', () => {
    const h = host([g], { kernel: '6.6' });
    const c = kernelFor('iommufd', h).newContainer();
    expect(errno(c.attach(g))).toBe('ok');
    expect(c.validRanges()!.has(0x8000000n)).toBe(false);
    expect(c.validRanges()!.has(0xc6010000n)).toBe(false);
  });

  it('6.2–6.5: every device reserved the group\'s list (iopt_table_enforce_group_resv_regions): refused', () => {
    const h = host([g], { kernel: '6.5' });
    expect(errno(kernelFor('iommufd', h).newContainer().attach(g))).toBe('EINVAL');
  });

  it('type1 and sysfs see the group\'s merged list (iommu_get_group_resv_regions)', () => {
    expect(g.regions.map((r) => r.type)).toEqual(['sw-msi', 'msi']);
    const h = host([g], { kernel: '6.8' });
    const c = kernelFor('type1', h).newContainer();
    c.attach(g);
    expect(c.validRanges()!.has(0x8000000n)).toBe(false);
    expect(c.validRanges()!.has(0xc6010000n)).toBe(false);
  });

  it('iommu_insert_resv_region: same-type regions that overlap or touch merge; other types never; sorted by (start, type)', () => {
    const merged = groupResvRegions([
      [{ start: 0x2000n, last: 0x2fffn, type: 'reserved' }, { start: 0x1000n, last: 0x1fffn, type: 'msi' }],
      [{ start: 0x3000n, last: 0x3fffn, type: 'reserved' }, { start: 0x1000n, last: 0x1fffn, type: 'direct' }, { start: 0x1800n, last: 0x27ffn, type: 'msi' }],
    ]);
    expect(merged).toEqual([
      { start: 0x1000n, last: 0x1fffn, type: 'direct' },
      { start: 0x1000n, last: 0x27ffn, type: 'msi' },
      { start: 0x2000n, last: 0x3fffn, type: 'reserved' },
    ]);
  });
});

describe('the MSI cookie (vfio_iommu_has_sw_msi, drivers/vfio/vfio_iommu_type1.c)', () => {
  for (const era of ['v4.11', 'type1'] as KernelEra[]) {
    it(`${era}: a HW MSI region takes precedence: no cookie, no doorbell page in the SW_MSI window`, () => {
      const h = host([group(3, SW_MSI, HW_MSI_D05)]);
      const c = kernelFor(era, h).newContainer();
      c.attach(h.groups[0]!);
      expect(c.msi(3)).toEqual({ kind: 'untranslated' });
      expect(swMsiDoorbellPages(c.msi(3), 1).isEmpty).toBe(true);
    });
    it(`${era}: a SW_MSI-only group gets a cookie: one PAGE_SIZE doorbell page at the window base`, () => {
      const h = host([group(3, SW_MSI)]);
      const c = kernelFor(era, h).newContainer();
      c.attach(h.groups[0]!);
      expect(c.msi(3)).toMatchObject({ kind: 'doorbell', window: { start: 0x8000000n }, granule: 0x1000n });
      expect(swMsiDoorbellPages(c.msi(3), 2).ranges).toEqual([{ start: 0x8000000n, last: 0x8001fffn }]);
    });
  }

  it('the cookie is the domain creator\'s: a SW_MSI-only group joining a domain without one has no working MSIs', () => {
    const h = host([group(3, SW_MSI, HW_MSI_D05), group(4, SW_MSI)]);
    const c = kernelFor('type1', h).newContainer();
    c.attach(h.groups[0]!);
    expect(errno(c.attach(h.groups[1]!))).toBe('ok');
    expect(c.msi(4)).toMatchObject({ kind: 'no-cookie' });
  });

  it('…and a HW MSI group joining a domain with a cookie gets its page there (iommu_dma_prepare_msi)', () => {
    const h = host([group(4, SW_MSI), group(3, SW_MSI, HW_MSI_D05)]);
    const c = kernelFor('v4.11', h).newContainer();
    c.attach(h.groups[0]!);
    c.attach(h.groups[1]!);
    expect(c.msi(3)).toMatchObject({ kind: 'doorbell' });
  });

  it('x86: no SW_MSI window, no doorbell page', () => {
    const h = host([group(1, X86_MSI)], { arch: 'x86_64', iommu: 'intel' });
    const c = kernelFor('type1', h).newContainer();
    c.attach(h.groups[0]!);
    expect(c.msi(1)).toEqual({ kind: 'untranslated' });
  });

  it('iommufd: the group\'s SW_MSI window; from 6.15 each group its own (iommufd_sw_msi)', () => {
    const other: [bigint, bigint, 'sw-msi'] = [0x9000000n, 0x90fffffn, 'sw-msi'];
    for (const [kernel, base] of [['6.14', 0x8000000n], ['6.15', 0x9000000n]] as const) {
      const h = host([group(1, SW_MSI), group(2, other)], { kernel });
      const c = kernelFor('iommufd', h).newContainer();
      c.attach(h.groups[0]!);
      c.attach(h.groups[1]!);
      expect(c.msi(2)).toMatchObject({ kind: 'doorbell', window: { start: base } });
    }
  });
});

describe('MSI isolation is a precondition (vfio_iommu_type1_attach_group; iommufd_device_bind)', () => {
  const gicv2m = { msiIsolation: false, kernel: '6.8' };

  it('type1 without isolated MSI: EPERM with the kernel\'s warning', () => {
    const h = host([group(3, SW_MSI)], gicv2m);
    const r = kernelFor('type1', h).newContainer().attach(h.groups[0]!);
    expect(errno(r)).toBe('EPERM');
    expect(reason(r)).toBe('No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform');
  });

  it('allow_unsafe_interrupts lets every era attach', () => {
    const h = host([group(3, SW_MSI)], { ...gicv2m, allowUnsafeInterrupts: true });
    for (const era of ['v4.9', 'v4.11', 'type1', 'iommufd'] as KernelEra[]) expect(errno(kernelFor(era, h).newContainer().attach(h.groups[0]!))).toBe('ok');
  });

  it('before 4.11 arm-smmu advertised IOMMU_CAP_INTR_REMAP: v4.9 attaches on arm64, not on x86 without IR', () => {
    const arm = host([group(3, SW_MSI)], gicv2m);
    expect(errno(kernelFor('v4.9', arm).newContainer().attach(arm.groups[0]!))).toBe('ok');
    expect(errno(kernelFor('v4.11', arm).newContainer().attach(arm.groups[0]!))).toBe('EPERM');
    const x86 = host([group(1, X86_MSI)], { ...gicv2m, arch: 'x86_64', iommu: 'intel' });
    expect(errno(kernelFor('v4.9', x86).newContainer().attach(x86.groups[0]!))).toBe('EPERM');
  });

  /** Attach group 1 with the module parameter on, map 4 GiB of virt RAM, then turn it off. */
  const mappedThenUnsafeOff = (era: KernelEra, kernel: string) => {
    const h = host([group(1, SW_MSI), group(3, HW_MSI_D05)], { kernel, msiIsolation: false, allowUnsafeInterrupts: true });
    const c = kernelFor(era, h).newContainer();
    c.attach(h.groups[0]!);
    expect(errno(c.map({ start: 0x40000000n, last: 0x13fffffffn }))).toBe('ok');
    (h as { allowUnsafeInterrupts?: boolean }).allowUnsafeInterrupts = false;
    return { c, g3: h.groups[1]! };
  };

  it('type1 checks it after the reserved-region conflict (EINVAL first)', () => {
    const { c, g3 } = mappedThenUnsafeOff('type1', '6.8');
    expect(errno(c.attach(g3))).toBe('EINVAL');
  });

  it('iommufd: EPERM at bind from 6.3, before any reservation; 6.2 reserved first (EADDRINUSE wins)', () => {
    for (const [kernel, expected] of [['6.3', 'EPERM'], ['6.2', 'EADDRINUSE']] as const) {
      const { c, g3 } = mappedThenUnsafeOff('iommufd', kernel);
      expect(errno(c.attach(g3))).toBe(expected);
    }
  });
});

describe('the kernel page size', () => {
  const h64 = host([group(3, SW_MSI)], { pageSize: 0x10000n });

  it('the MSI doorbell page is PAGE_SIZE (cookie_msi_granule): 64 KiB on a 64K-page kernel', () => {
    const c = kernelFor('type1', h64).newContainer();
    c.attach(h64.groups[0]!);
    expect(swMsiDoorbellPages(c.msi(3), 1).ranges).toEqual([{ start: 0x8000000n, last: 0x800ffffn }]);
  });

  for (const era of ['v4.11', 'type1', 'iommufd'] as KernelEra[]) {
    it(`${era}: maps must be PAGE_SIZE aligned (vfio_update_pgsize_bitmap / iopt iova_alignment)`, () => {
      const c = kernelFor(era, h64).newContainer();
      c.attach(h64.groups[0]!);
      expect(errno(c.map({ start: 0x40001000n, last: 0x40010fffn }))).toBe('EINVAL');
      expect(errno(c.map({ start: 0x40000000n, last: 0x40000000n + GiB - 1n }))).toBe('ok');
    });
  }
});

describe('the guest side consumes the kernel\'s MSI decision (engine/guest.ts probe, dma/danger-map.ts)', () => {
  /** RAM from 0 covers the SW_MSI window; the 2016 kernel maps it. */
  const atZero = (regions: string, kernel = '5.10') => parseScenario(scenarioYaml({ kernel, groups: [`{ id: 3, regions: [${regions}] }`], body: `vm: { machine: explicit, ranges: [{ start: 0x0, size: 4GiB }] }
devices: [{ name: nic0, group: 3 }]
timeline:
  - start: { devices: [nic0] }
  - dma: {}
` }), 't.yaml');
  const SW = '{ start: 0x8000000, last: 0x80fffff, type: sw-msi }';
  const HW = '{ start: 0x400c6010000, last: 0x400c601ffff, type: msi }';

  it('SW_MSI only: the doorbell IOVA is already mapped by userspace, MSI setup fails (iommu_dma_get_msi_page)', () => {
    const trace: string[] = [];
    // A permissive kernel with a cookie (4.11-5.3; v4.9 had none): Will's QEMU, told to tolerate, maps RAM at 0 anyway.
    expect(trial(atZero(SW), 'qemu-aborts:tolerate=true', 0, trace).msiSetupFailures).toBe(1);
    expect(trace.join('\n')).toMatch(/SW_MSI doorbell IOVA already mapped by userspace/);
  });

  it('beside a HW MSI region there is no cookie and no doorbell page: nothing fails (vfio_iommu_has_sw_msi)', () => {
    expect(trial(atZero(`${SW}, ${HW}`), 'no-checks-2016').msiSetupFailures).toBe(0);
  });

  it('a SW_MSI-only group in a domain created without a cookie has no working MSIs', () => {
    const s = parseScenario(scenarioYaml({ kernel: '5.10', groups: [`{ id: 1, regions: [${SW}, ${HW}] }`, `{ id: 2, regions: [${SW}] }`], body: `vm: { machine: virt, ram: 1GiB }
devices: [{ name: a, group: 1 }, { name: b, group: 2 }]
timeline:
  - start: { devices: [a, b] }
` }), 't.yaml');
    const trace: string[] = [];
    expect(trial(s, 'qemu-aborts:tolerate=true', 0, trace).msiSetupFailures).toBe(1);
    expect(trace.join('\n')).toMatch(/b: MSIs are translated but the domain has no MSI cookie.*its MSIs fault/);
  });
});

describe('4.11-5.3: who maps the SW_MSI doorbell IOVA first keeps it (dma-iommu.c iommu_dma_get_msi_page, io-pgtable-arm.c arm_lpae_init_pte)', () => {
  const h = host([group(3, SW_MSI)], { kernel: '5.3' });
  const doorbell = { start: 0x8000000n, last: 0x8000fffn };
  const heap = { start: 0x8000000n, last: 0xbffffffn };

  it('doorbell first (the MSIs were set up): a MAP_DMA over its page fails with EEXIST and nothing of it stays mapped', () => {
    const c = kernelFor('v4.11', h).newContainer();
    expect(errno(c.attach(h.groups[0]!))).toBe('ok');
    c.mapDoorbells!(IntervalSet.of(doorbell));
    const r = c.map(heap);
    expect(errno(r)).toBe('EEXIST');
    expect(reason(r)).toMatch(/arm_lpae_init_pte/);
    expect(c.mapped().isEmpty).toBe(true);
    // Beside the page the map goes through: vfio_find_dma knows only the user's mappings.
    expect(errno(c.map({ start: 0x8001000n, last: 0xbffffffn }))).toBe('ok');
  });

  it('the domain freed with its last group takes the doorbell page with it (iommu_put_dma_cookie)', () => {
    const c = kernelFor('v4.11', h).newContainer();
    c.attach(h.groups[0]!);
    c.mapDoorbells!(IntervalSet.of(doorbell));
    c.detach(3);
    c.attach(h.groups[0]!);
    expect(errno(c.map(heap))).toBe('ok');
  });

  it('in a trial: DPDK\'s heap grows over the doorbell after the device probed; the map fails with EEXIST, which the EAL takes for "already mapped"', () => {
    const trace: string[] = [];
    const m = trial(resolveScenario('dpdk-iova-va-sw-msi'), 'qemu-aborts', 0, trace);
    expect(trace.join('\n')).toMatch(/vfio_dma_map\(iova=0x8000000, size=0x4000000\) = -EEXIST/);
    expect(m).toMatchObject({ memHotplugOk: 1, msiSetupFailures: 0 });
    expect(m.faultOps).toBeGreaterThan(0);
  });
});
