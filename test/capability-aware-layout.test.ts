// AMD HTRangeIgnore: from Linux 6.16 (94a9921e2c25, drivers/iommu/amd/iommu.c
// amd_iommu_get_resv_regions) an IOMMU with EFR2 bit 11 reports no HT region;
// QEMU >= 7.1 relocates an AMD guest's above-4G RAM to 1 TiB regardless
// (hw/i386/pc.c pc_memory_init, 8504f129450b). capability-aware-layout is the
// QEMU that would skip the relocation where the host reports no hole, as
// <20251029100152.4807-1-sarunkod@amd.com> asks (posted, counterfactual).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostAtKernel } from '../src/model/kernel-versions.js';
import { resolvePolicy } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { parseScenario } from '../src/scenario/load.js';
import { applyPoint } from '../src/scenario/params.js';
import { AMD_HT, layoutFor } from '../src/vmm/layout.js';
import { POLICIES } from '../policies/registry.js';

const GiB = 1n << 30n;
const FILE = join(resolve(__dirname, '..'), 'scenarios/amd-ht-range-ignore.yaml');
const scenario = resolveScenario('amd-ht-range-ignore');
const run = async (s: typeof scenario, policy: string) => (await runStudy({ scenarios: [s], policies: [resolvePolicy(policy)], trials: 10, seed: '1' }))[0]!.row;
const htListed = (h: typeof scenario.host, version: string) => hostAtKernel(h, version).groups[0]!.regions.some((r) => r.start === AMD_HT.start);

describe('HTRangeIgnore (Linux 94a9921e2c25, 6.16)', () => {
  it('the kernel stops reporting the HT region from 6.16, and only on an IOMMU with the bit', () => {
    expect(scenario.host.htRangeIgnore).toBe(true);
    expect(htListed(scenario.host, '6.15')).toBe(true);
    expect(htListed(scenario.host, '6.16')).toBe(false);
    expect(htListed({ ...scenario.host, htRangeIgnore: false }, '6.16')).toBe(true);
  });

  it('layoutFor skipAmdHtRelocation: above-4G RAM from 4 GiB and no E820 HT entry (pc_memory_init without enforce_amd_1tb_hole)', () => {
    const req = { machine: 'q35' as const, ram: 1023n * GiB, qemu: '9.2', cpuVendor: 'amd' as const, physBits: 48 };
    const released = layoutFor(req);
    const skipped = layoutFor({ ...req, skipAmdHtRelocation: true });
    expect(released.status === 'ok' && released.ram[1]!.start).toBe(1n << 40n);
    expect(released.status === 'ok' && released.firmwareReserved.some((r) => r.start === AMD_HT.start)).toBe(true);
    expect(skipped.status === 'ok' && skipped.ram[1]!.start).toBe(4n * GiB);
    expect(skipped.status === 'ok' && skipped.firmwareReserved.some((r) => r.start === AMD_HT.start)).toBe(false);
  });
});

describe('capability-aware-layout on amd-ht-range-ignore', () => {
  it('is registered as posted and counterfactual, with its Message-ID', () => {
    const def = POLICIES.find((p) => p.name === 'capability-aware-layout')!;
    expect(def.status).toMatch(/<20251029100152\.4807-1-sarunkod@amd\.com>/);
    expect(def.counterfactual).toMatch(/never implemented/);
  });

  it('QEMU as released relocates RAM to 1 TiB for no safety gain; capability-aware-layout keeps it above 4 GiB, over the HT range, and loses nothing', async () => {
    const released = await run(scenario, 'kernel-rejects');
    const aware = await run(scenario, 'capability-aware-layout');
    expect(released.vmStart.k).toBe(10);
    expect(released.maxGpa).toBe(0x1ff3fffffffn);
    expect(aware.vmStart.k).toBe(10);
    expect(aware.maxGpa).toBe(0x1003fffffffn);
    expect(aware.dataLoss.k).toBe(0);
    // phys_bits_needed is what QEMU checks (pc_max_used_gpa, 1caab5cf86bd): the q35 32 GiB PCI hole above RAM,
    // 0x2013fffffff (42 bits) as released, 0x1083fffffff (41 bits) without the relocation; max_gpa stays RAM (41 bits both).
    expect(released.physBitsNeeded).toBe(42);
    expect(aware.physBitsNeeded).toBe(41);
  });

  it('phys_bits_needed follows what QEMU >= 7.1 checks: a 41-bit guest whose PCI hole ends above 2^41 does not start', async () => {
    const at41 = parseScenario(readFileSync(FILE, 'utf8').replace('cpu_model: host', 'cpu_model: host\n  phys_bits: 41'), FILE);
    // RAM ends at 0x1ff3fffffff (below 2^41), the hole at 0x2013fffffff (above): QEMU exits, as the metric said.
    expect((await run(at41, 'kernel-rejects')).startFailedLayout).toBe(10);
    expect((await run(at41, 'capability-aware-layout')).vmStart.k).toBe(10);
  });

  it('on a 6.15 kernel the HT region is still reported: capability-aware-layout relocates like QEMU as released', async () => {
    const row = await run(applyPoint(scenario, { 'host.kernel': '6.15' }), 'capability-aware-layout');
    expect(row.maxGpa).toBe(0x1ff3fffffffn);
  });

  it('the phys-bits cost: a 980 GiB guest with a named CPU (40 phys-bits) fails to start under QEMU as released, starts without the relocation', async () => {
    const named = parseScenario(readFileSync(FILE, 'utf8').replace('ram: 1023GiB', 'ram: 980GiB').replace('cpu_model: host', 'cpu_model: named'), FILE);
    const released = await run(named, 'kernel-rejects');
    expect(released.vmStart.k).toBe(0);
    expect(released.startFailedLayout).toBe(10);
    const aware = await run(named, 'capability-aware-layout');
    expect(aware.vmStart.k).toBe(10);
    expect(aware.physBitsNeeded).toBe(40);
  });
});
