// viommu-guest-avoids: QEMU passes the host's reserved ranges to a guest
// behind a virtio-iommu as RESV_MEM probe entries (qemu/qemu
// hw/virtio/virtio-iommu.c: 30d40e39bdcb in 8.2; cf2647a76e in 9.1, from
// set_iommu_device, so also for a hotplugged device), and Linux keeps its
// IOVA allocator off them (drivers/iommu/virtio-iommu.c viommu_add_resv_mem).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { parseScenario } from '../src/scenario/load.js';
import { routeHint } from '../src/engine/hint-route.js';
import { IntervalSet } from '../src/model/intervals.js';
import { POLICIES } from '../policies/registry.js';
import { applyPoint } from '../src/scenario/params.js';
import { nestedSmmuv3 } from '../src/vmm/nested-smmuv3.js';
import { TrialRun } from '../src/engine/trial-run.js';

const FILE = join(resolve(__dirname, '..'), 'scenarios/viommu-d05-hotplug.yaml');
const variant = (from: string, to: string) => parseScenario(readFileSync(FILE, 'utf8').replace(from, to), FILE);
const policy = resolvePolicy('viommu-guest-avoids');
const run = async (s: ReturnType<typeof resolveScenario>) => (await runStudy({ scenarios: [s], policies: [policy], trials: 20, seed: '1' }))[0]!.row;

describe('viommu-guest-avoids (virtio-iommu RESV_MEM, QEMU 8.2 / 9.1)', () => {
  it('is registered with its status and sources, and has shipped', () => {
    const def = POLICIES.find((p) => p.name === 'viommu-guest-avoids')!;
    expect(def.status).toMatch(/QEMU 8\.2.*9\.1/);
    expect(def.source).toMatch(/30d40e39bdcb.*cf2647a76e/);
    expect(def.counterfactual).toBe('');
  });

  it('viommu-d05-hotplug (QEMU 9.1): the hotplugged NIC is told through virtio-iommu, plugs, and no RAM is lost', async () => {
    const row = await run(resolveScenario('viommu-d05-hotplug'));
    expect(row.hotplug.k).toBe(20);
    expect(row.hintChannels).toBe('virtio-iommu-resv-mem 20');
    // the guest's RAM over the HW MSI region stays usable through other IOVAs
    expect(row.ramUnusableBytes).toBe(0n);
    expect(row.dataLoss.k).toBe(0);
  });

  it('QEMU 9.0 sends no entries for a hotplugged device: QEMU maps as always and the kernel (type1) refuses', async () => {
    const row = await run(variant('qemu: "9.1"', 'qemu: "9.0"'));
    expect(row.hotplug.k).toBe(0);
    expect(row.hotplugRejectedKernel).toBe(20);
    expect(row.hintChannels).toBe('');
  });

  it('a guest without a virtio-iommu (vm.viommu false, the default) is told nothing: the kernel refuses', async () => {
    const row = await run(variant('viommu: true', 'viommu: false'));
    expect(row.hotplug.k).toBe(0);
    expect(row.hotplugRejectedKernel).toBe(20);
  });

  it('a decision naming one channel uses it alone; where it cannot reach the guest the VMM proceeds untold', () => {
    const ranges = IntervalSet.of({ start: 0xc6010000n, last: 0xc601ffffn });
    const r = routeHint({ action: 'proceed', mapAround: ranges, tellGuest: ranges, tellVia: 'virtio-iommu-resv-mem' }, { phase: 'start', dimms: [], vIommu: false, qemu: '9.2' }, () => false);
    expect(r.decision).toEqual({ action: 'proceed' });
    expect(r.unreached).toMatch(/no virtio-iommu/);
  });
});

// iommu=smmuv3-nested: QEMU 11.0's accelerated SMMUv3 describes the MSI window
// as IORT RMR nodes built at boot for every RID (06c0c8fde786,
// hw/arm/virt-acpi-build.c build_iort_rmr_nodes) and blocks migration
// (be0cf3c8f121); it needs iommufd and a host with arm-smmu-v3 nesting.
const RMR_DECISION = { action: 'proceed', tellVia: 'iort-rmr' } as const;

describe('viommu-guest-avoids:iommu=smmuv3-nested (IORT RMR, QEMU 11.0)', () => {
  const nested = resolvePolicy('viommu-guest-avoids:iommu=smmuv3-nested');
  const runNested = async (s: ReturnType<typeof resolveScenario>, n = 20) => (await runStudy({ scenarios: [s], policies: [nested], trials: n, seed: '1' }))[0]!.row;
  const at11 = (name: string, extra: Record<string, string> = {}) => applyPoint(resolveScenario(name), { 'vm.qemu': '11.0', 'host.kernel': '6.15', ...extra });

  it('exists only on an arm64 SMMUv3 host with QEMU >= 11.0 and a kernel with nesting (6.13) and nested MSIs (6.15)', () => {
    const arm = { arch: 'aarch64', iommu: 'arm-smmu-v3' } as const;
    expect(nestedSmmuv3(arm, '6.15', { machine: 'virt', qemu: '11.0' }, 'qemu')).toEqual({});
    expect(nestedSmmuv3(arm, '6.15', { machine: 'virt', qemu: '10.2' }, 'qemu').missing).toMatch(/QEMU 10\.2 has no arm-smmuv3 accel=on/);
    expect(nestedSmmuv3(arm, '6.8', { machine: 'virt', qemu: '11.0' }, 'qemu').missing).toMatch(/no arm-smmu-v3 nesting/);
    expect(nestedSmmuv3(arm, '6.14', { machine: 'virt', qemu: '11.0' }, 'qemu').missing).toMatch(/no MSI doorbell for a nested domain/);
    expect(nestedSmmuv3({ arch: 'x86_64', iommu: 'intel' }, '6.15', { machine: 'q35', qemu: '11.0' }, 'qemu').missing).toMatch(/arm64 SMMUv3/);
    expect(nestedSmmuv3(arm, '6.15', { machine: 'virt', qemu: '11.0' }, 'cloud-hypervisor').missing).toMatch(/cloud-hypervisor has no accelerated SMMUv3/);
  });

  it('viommu-d05-hotplug as written (QEMU 9.1, Linux 6.8): no accelerated SMMUv3, the guest is told nothing, iommufd refuses the D05 NIC', async () => {
    const row = await runNested(resolveScenario('viommu-d05-hotplug'));
    expect(row.hotplug.k).toBe(0);
    expect(row.hotplugRejectedKernel).toBe(20);
    expect(row.hintChannels).toBe('');
  });

  it('viommu-d05-hotplug on QEMU 11.0 and Linux 6.15: the RMR reaches the hotplugged NIC, but says only the SW_MSI window; iommufd still refuses the D05 group (SW_MSI beside HW MSI)', async () => {
    const row = await runNested(at11('viommu-d05-hotplug'));
    expect(row.hintChannels).toBe('iort-rmr 20');
    expect(row.hotplug.k).toBe(0);
    expect(row.hotplugRejectedKernel).toBe(20);
    // the virtio-iommu form, same versions: the entries reach the guest and the NIC plugs
    const virtio = (await runStudy({ scenarios: [at11('viommu-d05-hotplug')], policies: [policy], trials: 20, seed: '1' }))[0]!.row;
    expect(virtio.hotplug.k).toBe(20);
  });

  it('migrate-to-d05 with an accelerated SMMUv3: QEMU blocks the migration (be0cf3c8f121); without a vIOMMU the destination kernel refuses instead', async () => {
    const blocked = await runNested(at11('migrate-to-d05', { 'vm.viommu': 'true' }));
    expect(blocked.vmStart.k).toBe(20);
    expect(blocked.hintChannels).toBe('iort-rmr 20');
    expect([blocked.migrations, blocked.migrationsOk, blocked.refusedVmm, blocked.refusedKernel]).toEqual([20, 0, 20, 0]);
    const plain = await runNested(at11('migrate-to-d05', { 'vm.viommu': 'false' }));
    expect([plain.migrations, plain.migrationsOk, plain.refusedVmm, plain.refusedKernel]).toEqual([20, 0, 0, 20]);
    const lines: string[] = [];
    new TrialRun({ scenario: at11('migrate-to-d05', { 'vm.viommu': 'true' }), policy: nested.instance, seed: '1', trial: 0, trace: (_k, text) => lines.push(text) }).run();
    expect(lines.join('\n')).toContain('blocked by QEMU: Migration not supported with SMMUv3 accelerator mode enabled');
  });

  it('uses iommufd, and names its channel alone: another policy never reaches the RMR', () => {
    expect(nested.instance.kernel({ platform: 'x', arch: 'aarch64', kernel: '6.15', regions: () => [] })).toBe('iommufd');
    const ranges = IntervalSet.of({ start: 0xc6010000n, last: 0xc601ffffn });
    // QEMU 9.0: virtio-iommu cannot tell a hotplugged device; the RMR could, but only a decision naming it uses it.
    const r = routeHint({ action: 'proceed', tellGuest: ranges, tellVia: 'existing' }, { phase: 'hotplug', dimms: [], vIommu: true, qemu: '9.0', nestedSmmuv3: {} }, () => false);
    expect(r.via).toBeUndefined();
    expect(r.decision.action).toBe('abort');
    const named = routeHint({ ...RMR_DECISION, tellGuest: ranges }, { phase: 'hotplug', dimms: [], vIommu: true, qemu: '11.0', nestedSmmuv3: {} }, () => false);
    expect(named.via?.channel.name).toBe('iort-rmr');
    expect(named.via?.iovaAvoided?.ranges).toEqual([{ start: 0x8000000n, last: 0x80fffffn }]);
  });
});
