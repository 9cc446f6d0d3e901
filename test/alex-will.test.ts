// The scenarios that separate Alex's and Will's positions, and the report
// section that compares them on every metric.
import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../src/scenario/builtin.js';
import { resolvePolicy } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { compare } from '../src/results/comparisons.js';
import { alexWillOverall, alexWillSection, alexWillSentence } from '../src/render/alex-will.js';
import { over } from './helpers/scenarios.js';

const N = 60;
const sum = (s: string, policy: string, f: Parameters<typeof over>[3]) => over(resolveScenario(s), policy, N, f);

describe('built-in scenarios that separate the positions', () => {
  it('mixed-fleet-d05: the kernel refuses for every userspace; only QEMU checks under Will, the others lose data silently', () => {
    // QEMU: hw_error under the kernel's refusal (qemu/qemu:hw/vfio/listener.c), a clean abort under its own check.
    expect(sum('mixed-fleet-d05', 'kernel-rejects', (m) => (m.vmCrashed ? 1 : 0))).toBeGreaterThan(0);
    expect(sum('mixed-fleet-d05', 'qemu-aborts', (m) => (m.vmCrashed ? 1 : 0))).toBe(0);
    // cloud-hypervisor and DPDK map blindly under Will's rule: writes into the untranslated HW MSI frame, unlogged.
    expect(sum('mixed-fleet-d05', 'qemu-aborts', (m) => (m.userspace !== 'qemu' && m.silentOps > 0 ? 1 : 0))).toBeGreaterThan(0);
    expect(sum('mixed-fleet-d05', 'qemu-aborts', (m) => (m.userspace === 'qemu' ? m.lostOps : 0))).toBe(0);
    // Each one grows the check: nobody loses data.
    expect(sum('mixed-fleet-d05', 'qemu-aborts:checkers=every', (m) => m.lostOps)).toBe(0);
    // The VM crash is QEMU's choice: a QEMU reading the valid ranges refuses cleanly.
    expect(sum('mixed-fleet-d05', 'kernel-rejects:qemu=reads-ranges', (m) => (m.vmCrashed ? 1 : 0))).toBe(0);
  });

  it('mixed-fleet-amd: under Will cloud-hypervisor and DPDK write into the HT hole (host-logged); under Alex only DPDK, which ignores the refusal', () => {
    const loss = (p: string, u: string) => sum('mixed-fleet-amd', p, (m) => (m.userspace === u && m.lostOps > 0 ? 1 : 0));
    expect(loss('qemu-aborts', 'cloud-hypervisor')).toBeGreaterThan(0);
    expect(loss('kernel-rejects', 'cloud-hypervisor')).toBe(0);
    expect(loss('kernel-rejects', 'dpdk')).toBeGreaterThan(0);
    expect(sum('mixed-fleet-amd', 'qemu-aborts', (m) => m.silentOps)).toBe(0);
  });

  it('dpdk-iova-va-sw-msi: the refused heap map is dropped by the EAL callback; the driver loses data under kernel-rejects', () => {
    expect(sum('dpdk-iova-va-sw-msi', 'kernel-rejects', (m) => (m.lostOps > 0 ? 1 : 0))).toBe(N);
    expect(sum('dpdk-iova-va-sw-msi', 'kernel-rejects', (m) => m.memHotplugOk)).toBe(N);
  });

  it('cloud-hypervisor-unplug-all: issue #7328 loses data under both positions alike', () => {
    for (const p of ['kernel-rejects', 'qemu-aborts']) expect(sum('cloud-hypervisor-unplug-all', p, (m) => (m.lostOps > 0 && m.faultOps === m.lostOps ? 1 : 0))).toBe(N);
  });
});

describe('the Alex-vs-Will comparison', () => {
  const study = async (names: string[]) => runStudy({
    scenarios: names.map(resolveScenario), policies: ['kernel-rejects', 'qemu-aborts'].map((p) => resolvePolicy(p)), trials: 40, seed: '1',
  });

  it('a scenario without any conflict is identical by construction; a fleet scenario gets intervals, per userspace too', async () => {
    const pairs = await study(['arm64-smmuv3-control', 'mixed-fleet-d05']);
    const cs = compare(pairs, 'no-checks-2016');
    const control = cs.filter((c) => c.scenario === 'arm64-smmuv3-control');
    expect(control.length).toBeGreaterThan(0);
    expect(control.every((c) => c.byConstruction)).toBe(true);
    const fleet = cs.filter((c) => c.scenario === 'mixed-fleet-d05');
    expect(fleet.some((c) => c.byConstruction)).toBe(false);
    expect(fleet.map((c) => c.metric)).toContain('silent_loss@cloud-hypervisor');
    expect(fleet.find((c) => c.metric === 'vm_crash')!.diff).toBeGreaterThan(0);
    const lines = [...alexWillSection(control, 72), ...alexWillSection(fleet, 72)];
    expect(lines.join('\n')).toMatch(/identical by construction/);
    expect(lines.join('\n')).toMatch(/VM crash/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(72);
    expect(alexWillOverall(cs)).toMatch(/across 2 scenarios: identical by construction in 1/);
    // Refused kernel calls are how the two differ (the kernel refuses, or QEMU does): shown, not scored.
    expect(alexWillSentence(fleet)).not.toMatch(/refused calls/);
    expect(lines.join('\n')).toMatch(/refused calls/);
  });
});
