// A root complex that carries fewer address bits than the IOMMU translates
// (IORT "Memory address size limit", ACPI/IORT 5ac65e8c8941): VFIO maps above
// it, the device's DMA there never arrives, and no kernel reports it (Eric
// Auger's RFC <20200928195037.22654-1-eric.auger@redhat.com> was not merged).
import { describe, expect, it } from 'vitest';
import { buildDangerMap } from '../src/dma/danger-map.js';
import { Outcome, Visibility } from '../src/dma/outcome.js';
import { allPolicies, resolvePolicy } from '../src/engine/policies.js';
import { findGroup } from '../src/model/host.js';
import { IntervalSet } from '../src/model/intervals.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import type { Scenario } from '../src/scenario/types.js';
import { SW_MSI, group, host } from './helpers/hosts.js';
import { hostWithDmaLimitReported } from '../src/kernel/dma-limit.js';
import { trial } from './helpers/scenarios.js';

const LIMIT = 1n << 42n;
const U64_MAX = (1n << 64n) - 1n;

describe('the danger map beyond a root complex DMA limit', () => {
  const limited = host([{ ...group(3, SW_MSI), dmaLimitBits: 42 }], { apertureBits: 48 });
  const g = findGroup(limited, 3);
  const map = buildDangerMap({ host: limited, group: g, mapped: IntervalSet.of({ start: 0x40000000n, last: U64_MAX }), swMsiDoorbells: IntervalSet.EMPTY });
  const of = (o: Outcome) => map.classes.find((c) => c.outcome === o);

  it('everything at or above 2^42 is lost there, unlogged (an assumption: no source names a log)', () => {
    expect(of(Outcome.rcLimit)?.set.ranges).toEqual([{ start: LIMIT, last: U64_MAX }]);
    expect(of(Outcome.rcLimit)?.visibility).toBe(Visibility.unlogged);
  });
  it('the write never reaches the IOMMU: nothing of it counts as an aperture fault, and below the limit the map delivers', () => {
    expect(of(Outcome.faultAperture)).toBeUndefined();
    expect(map.classes.every((c) => c.set.intersect(IntervalSet.of({ start: 0x40000000n, last: LIMIT - 1n })).isEmpty)).toBe(true);
  });
  it('without the field (or at 64 bits) nothing changes', () => {
    const plain = host([group(3, SW_MSI)], { apertureBits: 48 });
    const m = buildDangerMap({ host: plain, group: findGroup(plain, 3), mapped: IntervalSet.of({ start: 0x40000000n, last: (1n << 48n) - 1n }), swMsiDoorbells: IntervalSet.EMPTY });
    expect(m.classes.some((c) => c.outcome === Outcome.rcLimit)).toBe(false);
    const wide = host([{ ...group(3, SW_MSI), dmaLimitBits: 64 }]);
    const w = buildDangerMap({ host: wide, group: findGroup(wide, 3), mapped: IntervalSet.of({ start: 0x40000000n, last: (1n << 48n) - 1n }), swMsiDoorbells: IntervalSet.EMPTY });
    expect(w.classes.some((c) => c.outcome === Outcome.rcLimit)).toBe(false);
  });
});

describe('spdk-iova-va-rc-dma-limit: SPDK hugepages at 0x200000000000 above a 42-bit root complex', () => {
  const s = resolveScenario('spdk-iova-va-rc-dma-limit');

  it('the host file carries the limit and names no reserved region for it (what sysfs and VFIO show)', () => {
    const g = findGroup(s.host, 3);
    expect(g.dmaLimitBits).toBe(42);
    expect(g.regions).toEqual([{ start: 0x8000000n, last: 0x80fffffn, type: 'sw-msi' }]);
    expect(s.counterfactual).toMatch(/constructed/);
  });

  it('under every built-in policy the map is accepted and every DMA is lost, unlogged, beyond the root complex limit', () => {
    for (const p of allPolicies()) {
      const m = trial(s, p.id);
      expect(m.vmStarted, p.id).toBe(true);
      expect(m.refusedCalls, p.id).toBe(0);
      expect(m.lostOps, p.id).toBeGreaterThan(0);
      expect(m.lostBytesBy.rc_limit, p.id).toBe(m.lostBytes);
      expect(m.lostBytesByVisibility.unlogged, p.id).toBe(m.lostBytes);
      expect(m.silentOps, p.id).toBe(m.lostOps);
      expect(m.faultOps, p.id).toBe(0);
    }
  });

  it('the trace shows type1 mapping 0x200000000000 (= 0) and the writes lost beyond the limit', () => {
    const lines: string[] = [];
    trial(s, 'kernel-rejects', 0, lines);
    const text = lines.join('\n');
    expect(text).toMatch(/vfio_dma_map\(iova=0x200000000000, size=0x40000000\) = 0/);
    expect(text).toMatch(/beyond the root complex DMA limit, unlogged/);
  });

  it('at DPDK\'s own default base (4 GiB, dpdk 1df2170287) the same host loses nothing', () => {
    const low: Scenario = { ...s, vm: { ...s.vm, ranges: [{ start: 0x100000000n, last: 0x13fffffffn }] } };
    const m = trial(low, 'kernel-rejects');
    expect(m).toMatchObject({ vmStarted: true, lostOps: 0 });
  });

  it('kernel-rejects:dma-limit=reported (Eric Auger\'s RFC, the range above the limit as a RESERVED region): type1 and iommufd refuse the map and SPDK does not start', () => {
    for (const policy of ['kernel-rejects:dma-limit=reported', 'kernel-rejects:backend=iommufd,dma-limit=reported']) {
      const lines: string[] = [];
      expect(trial(s, policy, 0, lines), policy).toMatchObject({ vmStarted: false, startFailure: 'kernel', lostOps: 0 });
      expect(lines.join('\n')).toMatch(/vfio_dma_map\(iova=0x200000000000, size=0x40000000\) = -EINVAL: \[0x40000000000-0xffffffffffffffff\] reserved/);
      expect(resolvePolicy(policy).instance.counterfactual).toMatch(/no kernel reports a root complex DMA limit/);
    }
  });
  it('the RFC form (hostWithDmaLimitReported) adds the region per device and leaves unlimited groups alone', () => {
    const two = { ...s.host, groups: [{ ...findGroup(s.host, 3), devices: ['a', 'b'], deviceRegions: [[], [{ start: 0x9000000n, last: 0x90fffffn, type: 'msi' as const }]] }, { id: 4, devices: ['c'], regions: [] }] };
    const out = hostWithDmaLimitReported(two);
    expect(out.groups[0]!.deviceRegions!.map((l) => l.filter((r) => r.type === 'reserved'))).toEqual([[{ start: LIMIT, last: U64_MAX, type: 'reserved' }], [{ start: LIMIT, last: U64_MAX, type: 'reserved' }]]);
    expect(out.groups[1]).toBe(two.groups[1]);
    expect(hostWithDmaLimitReported(host([group(3, SW_MSI)]))).toEqual(host([group(3, SW_MSI)]));
  });
  it('on a host without a limit the parameter changes nothing', () => {
    const d = resolveScenario('arm64-smmuv3-control');
    expect(trial(d, 'kernel-rejects:dma-limit=reported')).toMatchObject({ vmStarted: trial(d, 'kernel-rejects').vmStarted, lostOps: trial(d, 'kernel-rejects').lostOps });
  });
});
