// Only combinations that existed, unless labelled: kernel eras against the
// host's kernel, what a host shows at a kernel version, the migration uAPI,
// and the counterfactual label on every row (model/kernel-versions.ts,
// engine/counterfactual.ts).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Host } from '../src/model/host.js';
import { effectiveKernel, hostAtKernel, msiUnavailableAt, sysfsRegionsAt, vfioMigrationBlocker } from '../src/model/kernel-versions.js';
import { counterfactualReasons } from '../src/engine/counterfactual.js';
import { resolvePolicy } from '../src/engine/policies.js';
import { definePolicy, PROCEED, UNDECLARED_STATUS } from '../src/policy.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { over, trial } from './helpers/scenarios.js';

const BIN = resolve(__dirname, '../dist/src/cli/main.js');
const doorbell = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: resolve(__dirname, '..') });

const arm: Host = {
  platform: 'arm', arch: 'aarch64', iommu: 'arm-smmu-v3', apertureBits: 48, kernel: '6.8', physBits: 48,
  groups: [
    { id: 1, devices: [], regions: [{ start: 0x8000000n, last: 0x80fffffn, type: 'sw-msi' }] },
    { id: 3, devices: [], regions: [{ start: 0x8000000n, last: 0x80fffffn, type: 'sw-msi' }, { start: 0xc6010000n, last: 0xc601ffffn, type: 'msi' }] },
  ],
  bridges: [{ name: 'sw', start: 0x60000000n, last: 0x6fffffffn, acs: false, groups: [1] }],
};
const intel: Host = {
  platform: 'intel', arch: 'x86_64', iommu: 'intel', apertureBits: 39, kernel: '5.4', physBits: 39,
  groups: [{ id: 11, devices: [], regions: [{ start: 0n, last: 0xffffffn, type: 'direct', rmrr: false }, { start: 0xfee00000n, last: 0xfeefffffn, type: 'msi' }] }],
  bridges: [{ name: 'sw', start: 0x92000000n, last: 0x93ffffffn, acs: false, groups: [11] }],
};
const types = (h: Host, id: number) => h.groups.find((g) => g.id === id)!.regions.map((r) => r.type);

describe('a kernel era runs as the nearest release it spans (model/kernel-versions.ts effectiveKernel)', () => {
  it('inside its span an era runs as the host kernel, with no label', () => {
    expect(effectiveKernel('v4.11', '4.14')).toEqual({ version: '4.14' });
    expect(effectiveKernel('type1', '6.8')).toEqual({ version: '6.8' });
    expect(effectiveKernel('v4.9', '4.9')).toEqual({ version: '4.9' });
  });
  it('outside it, the nearest release and why: no released kernel >= 5.4 lets VFIO map over a reserved region', () => {
    expect(effectiveKernel('v4.9', '6.8')).toMatchObject({ version: '4.10' });
    expect(effectiveKernel('v4.11', '6.8')).toEqual({ version: '5.3', whatIf: expect.stringContaining('no released kernel >= 5.4 lets VFIO map over a non-relaxable reserved region') });
    expect(effectiveKernel('v4.11', '5.4').version).toBe('5.3');
    expect(effectiveKernel('type1', '4.14')).toEqual({ version: '5.4', whatIf: expect.stringContaining('only from 5.4') });
    expect(effectiveKernel('type1', '5.3').version).toBe('5.4');
    expect(effectiveKernel('iommufd', '5.10')).toMatchObject({ version: '6.2' });
  });
});

describe('what a host shows depends on the kernel version (model/kernel-versions.ts hostAtKernel)', () => {
  it('SW_MSI exists from 4.11 (f3ebee80b313, Eric Auger\'s series); the HW doorbell is hardware and stays', () => {
    expect(types(hostAtKernel(arm, '4.10'), 3)).toEqual(['msi']);
    expect(types(hostAtKernel(arm, '4.11'), 3)).toEqual(['sw-msi', 'msi']);
    expect(hostAtKernel(arm, '4.10').kernel).toBe('4.10');
  });
  it('arm64 exported host-bridge windows as reserved from 4.12 (273df9635385) until cd2c9fcf5c66 (4.18), never with enforcement', () => {
    const windows = (v: string) => hostAtKernel(arm, v).groups[0]!.regions.filter((r) => r.type === 'reserved');
    expect(windows('4.11')).toEqual([]);
    expect(windows('4.12')).toEqual([{ start: 0x60000000n, last: 0x6fffffffn, type: 'reserved' }]);
    expect(windows('4.17')).toHaveLength(1);
    expect(windows('4.18')).toEqual([]);
    expect(windows('5.4')).toEqual([]);
    expect(hostAtKernel(arm, '4.14').groups[1]!.regions.some((r) => r.type === 'reserved')).toBe(false); // not below the bridge
    expect(hostAtKernel(intel, '4.14').groups[0]!.regions.some((r) => r.type === 'reserved')).toBe(false); // Intel never did
  });
  it('Intel\'s ISA range: none before 5.3, `direct` in 5.3-5.4.6, `direct-relaxable` from 5.4.7 and 5.5 (d8018a0e9195)', () => {
    const isa = (v: string) => hostAtKernel(intel, v).groups[0]!.regions.find((r) => r.start === 0n);
    expect(isa('5.2')).toBeUndefined();
    expect(isa('5.3')).toEqual({ start: 0n, last: 0xffffffn, type: 'direct', rmrr: false });
    expect(isa('5.4.6')?.type).toBe('direct');
    expect(isa('5.4.7')?.type).toBe('direct-relaxable');
    expect(isa('5.5')?.type).toBe('direct-relaxable');
    expect(types(hostAtKernel(intel, '4.9'), 11)).toEqual(['msi']); // the MSI window is hardware
  });
  it('sysfs reserved_regions exists from 4.11; the HiSilicon HW MSI frame appears in it with the IORT erratum code (4.15)', () => {
    expect(sysfsRegionsAt(arm, hostAtKernel(arm, '4.10').groups[1]!, '4.10')).toBeUndefined();
    expect(sysfsRegionsAt(arm, hostAtKernel(arm, '4.14').groups[1]!, '4.14')!.map((r) => r.type)).toEqual(['sw-msi']);
    expect(sysfsRegionsAt(arm, hostAtKernel(arm, '4.15').groups[1]!, '4.15')!.map((r) => r.type)).toEqual(['sw-msi', 'msi']);
  });
  it('the derived host is memoized per version (danger maps are cached by host)', () => {
    expect(hostAtKernel(arm, '5.3')).toBe(hostAtKernel(arm, '5.3'));
  });
});

describe('MSIs of an assigned device by kernel version (model/kernel-versions.ts msiUnavailableAt)', () => {
  it('before 4.11 there is no MSI cookie: behind an SMMU that translates MSIs the device has none', () => {
    expect(msiUnavailableAt(arm, arm.groups[0]!, '4.10')).toMatch(/no MSI cookie/);
    expect(msiUnavailableAt(arm, arm.groups[0]!, '4.11')).toBeUndefined();
  });
  it('an ITS the SMMU bypasses (HiSilicon) works untranslated before 4.11, breaks while only SW_MSI is reported, works from 4.15', () => {
    expect(msiUnavailableAt(arm, arm.groups[1]!, '4.10')).toBeUndefined();
    expect(msiUnavailableAt(arm, arm.groups[1]!, '4.14')).toMatch(/bypasses the SMMU/);
    expect(msiUnavailableAt(arm, arm.groups[1]!, '5.10')).toBeUndefined();
  });
  it('x86 never translates its MSI window', () => {
    expect(msiUnavailableAt(intel, intel.groups[0]!, '4.9')).toBeUndefined();
  });
  it('the 2016 baseline on an SMMUv3 server: both NICs come up without MSIs (loud); from 4.11 they have them', () => {
    const lines: string[] = [];
    expect(trial(resolveScenario('arm64-smmuv3-control'), 'no-checks-2016', 0, lines)).toMatchObject({ msiSetupFailures: 2, lostOps: 0 });
    expect(lines.join('\n')).toMatch(/nic0: kernel 4\.10 has no MSI cookie .*: the device gets no MSIs/);
    expect(trial(resolveScenario('arm64-smmuv3-control'), 'qemu-aborts').msiSetupFailures).toBe(0);
    expect(trial(resolveScenario('arm64-smmuv3-control'), 'kernel-rejects').msiSetupFailures).toBe(0);
    // The D05 NIC's ITS bypasses the SMMU: the seed case had MSIs, and lost DMA into the doorbell.
    expect(trial(resolveScenario('d05-hw-msi-hotplug'), 'no-checks-2016').msiSetupFailures).toBe(0);
    expect(over(resolveScenario('d05-hw-msi-hotplug'), 'no-checks-2016', 400, (m) => m.lostBytesBy.msi)).toBeGreaterThan(0);
  });
});

describe('migrating an assigned device needs the VFIO migration uAPI (model/kernel-versions.ts vfioMigrationBlocker)', () => {
  it('QEMU < 5.2 cannot, 5.2-8.0 only with the experimental x-enable-migration, >= 8.1 when both kernels have uAPI v2 (5.18)', () => {
    expect(vfioMigrationBlocker('2.8', '6.8', '6.8')).toMatch(/unmigratable/);
    expect(vfioMigrationBlocker('7.2', '6.8', '6.8')).toMatch(/experimental/);
    expect(vfioMigrationBlocker('8.0', '6.8', '6.8')).toMatch(/experimental/);
    expect(vfioMigrationBlocker('9.2', '5.17', '6.8')).toMatch(/^VFIO migration is not supported in kernel/); // hw/vfio/migration.c
    expect(vfioMigrationBlocker('9.2', '6.8', '5.10')).toMatch(/destination kernel \(5\.10\)/);
    expect(vfioMigrationBlocker('9.2', '5.18', '6.8')).toBeUndefined();
  });
  it('a 4.x era never migrates: the VM stays on the source, counted as the VMM\'s refusal', () => {
    const lines: string[] = [];
    expect(trial(resolveScenario('migrate-to-d05'), 'no-checks-2016', 0, lines)).toMatchObject({ migrations: 1, migrationsOk: 0, migrationsAbortedVmm: 1, refusedCalls: 0 });
    expect(lines.join('\n')).toMatch(/blocked by QEMU: VFIO migration is not supported in kernel \(4\.10.*the VM stays on the source/);
    expect(trial(resolveScenario('migrate-to-d05'), 'firmware-reserved-hotplug')).toMatchObject({ migrationsOk: 1 });
  });
});

describe('every row says whether it is history (engine/counterfactual.ts)', () => {
  const reasons = (scenario: string, policy: string) => counterfactualReasons(resolveScenario(scenario), resolvePolicy(policy));
  it('a shipped position on a kernel its era spans is history', () => {
    expect(reasons('d05-hw-msi-hotplug', 'kernel-rejects')).toEqual([]);
    expect(reasons('amd-ht-qemu70', 'kernel-rejects')).toEqual([]);
  });
  it('a 4.9 kernel on a newer host is labelled, with the reason', () => {
    expect(reasons('d05-hw-msi-hotplug', 'no-checks-2016')).toEqual([expect.stringMatching(/^kernel v4\.9 \(4\.9-4\.10\) run as 4\.10 on a host with a newer kernel/)]);
  });
  it('a position that never shipped carries its own status first; Will\'s check on 4.14 is history in everything else', () => {
    expect(reasons('arm64-bridge-windows-reserved', 'qemu-aborts')).toEqual(['no released QEMU checks reserved_regions before mapping: QEMU stops only when the kernel refuses']);
    expect(reasons('d05-hw-msi-hotplug', 'guest-avoids-range')).toHaveLength(2);
    expect(reasons('d05-hw-msi-hotplug', 'firmware-reserved-hotplug')[0]).toMatch(/^shipped only in part \(QEMU 7\.1/);
  });
  it('type1 on the 4.14 host, a constructed scenario, and migration destinations are labelled', () => {
    expect(reasons('arm64-bridge-windows-reserved', 'kernel-rejects')).toEqual([expect.stringMatching(/^kernel type1 \(>= 5\.4\) run as 5\.4 on a host with an older kernel/)]);
    expect(reasons('arm64-ram-at-zero', 'kernel-rejects')).toEqual([expect.stringMatching(/^constructed layout/)]);
    expect(reasons('d05-hw-msi-hotplug', 'kernel-rejects:backend=iommufd')).toEqual([expect.stringMatching(/run as 6\.2 .*iommufd arrived in 6\.2/)]);
    expect(reasons('migrate-to-d05', 'kernel-rejects:backend=iommufd')).toEqual([expect.stringMatching(/^constructed/)]);
  });
  it('a policy module that does not declare its status is labelled as such', () => {
    const def = definePolicy({ name: 'mine', position: 'p', heldBy: 'h', source: 's', params: {}, create: () => ({ kernel: () => 'type1' as const, decide: () => PROCEED }) });
    const policy = { definition: def, instance: { ...def.create({}), id: 'mine', name: 'mine' } };
    expect(counterfactualReasons(resolveScenario('d05-hw-msi-hotplug'), policy)).toEqual([UNDECLARED_STATUS]);
    expect(counterfactualReasons(resolveScenario('d05-hw-msi-hotplug'), { ...policy, definition: { ...def, counterfactual: '' } })).toEqual([]);
  });
});

describe('the label on the command line', () => {
  it('list policies gives each position\'s status', () => {
    const r = doorbell('list', 'policies');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kernel-rejects\n(?:.*\n){3} {4}status: shipped\n/);
    expect(r.stdout).toMatch(/guest-avoids-range\n(?:.*\n){3} {4}status: counterfactual: never implemented/);
    const json = JSON.parse(doorbell('list', 'policies', '--json').stdout) as Array<{ name: string; counterfactual: string }>;
    expect(json.find((p) => p.name === 'no-checks-2016')!.counterfactual).toBe('');
  });
  it('list scenarios names the constructed ones', () => {
    const json = JSON.parse(doorbell('list', 'scenarios', '--json').stdout) as Array<{ name: string; counterfactual: string }>;
    expect(json.find((s) => s.name === 'arm64-ram-at-zero')!.counterfactual).toMatch(/^constructed layout/);
    expect(json.find((s) => s.name === 'd05-hw-msi-hotplug')!.counterfactual).toBe('');
  });
  it('explain names the row\'s label first', () => {
    const cf = doorbell('explain', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'no-checks-2016');
    expect(cf.stdout.split('\n')[1]).toMatch(/^policy {2}counterfactual: kernel v4\.9 .* run as 4\.10/);
    const history = doorbell('explain', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'kernel-rejects');
    expect(history.stdout.split('\n')[1]).toMatch(/^policy {2}history: /);
  });
});
