// The positions of 2025 on where the SW_MSI window sits: the VMM picks it
// (Nicolin Chen's iommufd option), the kernel moves it (Will Deacon on Shyam
// Saini's v4), the VMM keeps guest RAM clear of it (OpenVMM 5a26d4458).
import { describe, expect, it } from 'vitest';
import { setSwMsiOption, kernelMovedList, optionForGroup } from '../src/kernel/sw-msi-option.js';
import type { ReservedRegion } from '../src/model/host.js';
import { findGroup } from '../src/model/host.js';
import { IntervalSet } from '../src/model/intervals.js';
import { msiUnavailableAt } from '../src/model/kernel-versions.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { pickWindow } from '../policies/vmm-picks-msi-window.js';
import type { HostView, SysfsRegion } from '../src/policy.js';
import { over, trial } from './helpers/scenarios.js';

const MiB = 1n << 20n;
const SW: ReservedRegion = { start: 0x8000000n, last: 0x80fffffn, type: 'sw-msi' };
const PLATFORM: ReservedRegion = { start: 0x8000000n, last: 0x80fffffn, type: 'reserved' };

describe('IOMMU_OPTION_SW_MSI_START/SIZE (Nicolin Chen v2 4/7, <6c36de14b00a3f06df3a602f18baf6b51fde429f.1760487869.git.nicolinc@nvidia.com>, iommufd_option_sw_msi_test)', () => {
  it('set after attach: EBUSY (iommufd_device_is_attached)', () => {
    expect(setSwMsiOption([SW], 0x10000000n, MiB, true)).toMatchObject({ status: 'refused', errno: 'EBUSY' });
  });
  it('start or size not 1 MiB aligned: EINVAL', () => {
    expect(setSwMsiOption([SW], 0x10080000n, MiB, false)).toMatchObject({ errno: 'EINVAL' });
    expect(setSwMsiOption([SW], 0x10000000n, MiB + 4096n, false)).toMatchObject({ errno: 'EINVAL' });
  });
  it('start + size - 1 wraps: EOVERFLOW (check_add_overflow)', () => {
    expect(setSwMsiOption([SW], (1n << 64n) - MiB, 2n * MiB, false)).toMatchObject({ errno: 'EOVERFLOW' });
    expect(setSwMsiOption([SW], (1n << 64n) - MiB, MiB, false)).toMatchObject({ status: 'ok' });
  });
  it('overlap with a non-relaxable region other than SW_MSI: EADDRINUSE; the replaced SW_MSI and DIRECT_RELAXABLE do not count', () => {
    expect(setSwMsiOption([SW, PLATFORM], 0x8000000n, MiB, false)).toMatchObject({ errno: 'EADDRINUSE' });
    expect(setSwMsiOption([SW], 0x8000000n, MiB, false)).toMatchObject({ status: 'ok' });
    expect(setSwMsiOption([SW, { start: 0x10000000n, last: 0x100fffffn, type: 'direct-relaxable' }], 0x10000000n, MiB, false)).toMatchObject({ status: 'ok' });
  });
  it('per device: one device of a group that refuses keeps the whole group on the kernel\'s window', () => {
    const group = { id: 1, devices: ['a', 'b'], regions: [SW, PLATFORM], deviceRegions: [[SW], [SW, PLATFORM]] };
    expect(optionForGroup(group, { start: 0x8000000n, last: 0x80fffffn })).toMatchObject({ errno: 'EADDRINUSE' });
  });
});

describe('the kernel moves the window ("arm-smmu: select suitable MSI IOVA" v4, iommu_set_sw_msi)', () => {
  it('MSI_IOVA_BASE 0x8000000 unless another region intersects it, then MSI_IOVA_BASE2 0xa0000000', () => {
    expect(kernelMovedList([SW])).toEqual([SW]);
    expect(kernelMovedList([PLATFORM, SW])).toEqual([PLATFORM, { start: 0xa0000000n, last: 0xa00fffffn, type: 'sw-msi' }]);
  });
  it('with both taken, no SW_MSI region at all ("Failed to reserve MSI IOVA")', () => {
    const both: ReservedRegion = { start: 0n, last: 0xffffffffn, type: 'reserved' };
    expect(kernelMovedList([both, SW])).toEqual([both]);
  });
});

describe('a SW_MSI window on a platform range never reaches the ITS (Mannam 2020, Saini 2025)', () => {
  it('msiUnavailableAt names the platform range; without it the same group has MSIs', () => {
    const host = resolveScenario('arm64-soc-msi-iova-taken').host;
    expect(msiUnavailableAt(host, findGroup(host, 3), '6.8')).toMatch(/lies on platform range 0x8000000-0x80fffff/);
    expect(msiUnavailableAt(host, { id: 3, devices: [], regions: [SW] }, '6.8')).toBeUndefined();
  });
});

describe('vmm-picks-msi-window: a hole of the VMM\'s own layout, the same for its whole pool', () => {
  const view = (regions: SysfsRegion[]): HostView => ({ platform: 'p', arch: 'aarch64', kernel: '6.8', regions: () => regions });
  const msi = (r: Range2): SysfsRegion => ({ ...r, type: 'msi' });
  type Range2 = { start: bigint; last: bigint };
  const ram = IntervalSet.of({ start: 0x40000000n, last: 0x13fffffffn });
  it('keeps the kernel\'s default when RAM and every host of the pool leave it free', () => {
    expect(pickWindow({ ram, plan: [{ view: view([msi(SW)]), groups: [3] }], coldGroups: [3], declared: [] })).toEqual({ start: 0x8000000n, last: 0x80fffffn });
  });
  it('moves to the nearest free MiB above it when a platform region of any host of the pool takes it', () => {
    const plan = [{ view: view([msi(SW)]), groups: [3] }, { view: view([{ ...PLATFORM, type: 'reserved' }, msi(SW)]), groups: [3] }];
    expect(pickWindow({ ram, plan, coldGroups: [3], declared: [] })).toEqual({ start: 0x8100000n, last: 0x81fffffn });
  });
  it('RAM from 0 over the default: the first free MiB above RAM', () => {
    const low = IntervalSet.of({ start: 0n, last: 0xffffffffn });
    expect(pickWindow({ ram: low, plan: [{ view: view([msi(SW)]), groups: [3] }], coldGroups: [3], declared: [] })).toEqual({ start: 0x100000000n, last: 0x1000fffffn });
  });
});

describe('the built-in scenarios of 2025', () => {
  const s = resolveScenario('arm64-soc-msi-iova-taken');
  it('arm64-soc-msi-iova-taken: today the VM starts but the NIC has no MSIs; the kernel-moved window 0xa0000000 lies in RAM and type1 refuses the start; the VMM\'s window works', () => {
    expect(trial(s, 'kernel-rejects')).toMatchObject({ vmStarted: true, msiSetupFailures: 1 });
    const lines: string[] = [];
    expect(trial(s, 'kernel-moves-msi-window', 0, lines)).toMatchObject({ vmStarted: false, startFailure: 'kernel' });
    expect(lines.join('\n')).toMatch(/-EINVAL: \[0xa0000000-0xa00fffff\] sw-msi/);
    const picked: string[] = [];
    expect(trial(s, 'vmm-picks-msi-window', 0, picked)).toMatchObject({ vmStarted: true, msiSetupFailures: 0, refusedCalls: 0 });
    expect(picked.join('\n')).toMatch(/sets the SW_MSI window \[0x8100000-0x81fffff\]/);
  });

  it('msi-window-pool: a window picked per host by the kernel changes under the migrating guest; the VMM\'s one window does not (Gunthorpe <20250918224322.GR1326709@ziepe.ca>)', () => {
    const pool = resolveScenario('msi-window-pool');
    expect(trial(pool, 'kernel-moves-msi-window')).toMatchObject({ vmStarted: true, migratable: false });
    expect(trial(pool, 'vmm-picks-msi-window')).toMatchObject({ vmStarted: true, migratable: true, migrationsOk: 1 });
    expect(trial(pool, 'kernel-rejects')).toMatchObject({ migratable: true });
  });

  it('apple-dart-msi-doorbell (constructed, 05dc551614a4): type1 refuses a 4 GiB virt guest over 0xffffc000; before 5.4 a DMA there is lost unlogged', () => {
    const dart = resolveScenario('apple-dart-msi-doorbell');
    expect(dart.counterfactual).toMatch(/no VFIO incident/);
    const lines: string[] = [];
    expect(trial(dart, 'kernel-rejects', 0, lines)).toMatchObject({ vmStarted: false, startFailure: 'kernel' });
    expect(lines.join('\n')).toMatch(/\[0xffffc000-0xffffffff\] msi/);
    expect(over(dart, 'no-checks-2016', 200, (m) => m.lostBytesBy.msi)).toBeGreaterThan(0);
    // 3 GiB minus that page is clear of it.
    expect(trial({ ...dart, vm: { ...dart.vm, ram: 0xbfffc000n } }, 'kernel-rejects')).toMatchObject({ vmStarted: true });
  });
});

describe('static-carve-out: what OpenVMM ships (RAM from 1 GiB, openvmm 5a26d4458), its cost a guest ABI change', () => {
  const uefi = resolveScenario('openvmm-uefi-sw-msi');
  it('an OpenVMM UEFI guest (RAM from 0) moves its low GiB above: the VM starts; 1 GiB of ABI change', () => {
    expect(trial(uefi, 'kernel-rejects')).toMatchObject({ vmStarted: false, guestAbiChangeBytes: 0n });
    expect(trial(uefi, 'static-carve-out')).toMatchObject({ vmStarted: true, guestAbiChangeBytes: 1n << 30n, lostOps: 0 });
  });
  it('form=hole carves only the 1 MiB window (never shipped)', () => {
    expect(trial(uefi, 'static-carve-out:form=hole')).toMatchObject({ vmStarted: true, guestAbiChangeBytes: MiB });
  });
  it('RAM moved out of the low GiB lands above it, not on the window just past the old RAM (layOutAround skips the whole reserved range)', () => {
    expect(trial(resolveScenario('dpdk-iova-va-sw-msi'), 'static-carve-out')).toMatchObject({ vmStarted: true, startFailure: undefined, guestAbiChangeBytes: 64n * MiB });
  });
  it('a QEMU virt guest already starts RAM at 1 GiB: no change', () => {
    expect(trial(resolveScenario('arm64-smmuv3-control'), 'static-carve-out')).toMatchObject({ vmStarted: true, guestAbiChangeBytes: 0n });
  });
});

describe('every policy says who proposed it, who argued against it, its status and its year', () => {
  it('run.json and the report\'s policy table carry status, year and source; list policies --json the year', async () => {
    const { runInfo } = await import('../src/cli/run-info-build.js');
    const { renderMarkdownReport } = await import('../src/render/markdown.js');
    const { allPolicies } = await import('../src/engine/policies.js');
    const { runStudy } = await import('../src/engine/study.js');
    const s = resolveScenario('msi-window-pool');
    const policies = allPolicies();
    const rows = (await runStudy({ scenarios: [s], policies, trials: 3, seed: '1' })).map((p) => p.row);
    const info = runInfo({ seed: '1', trials: 3, loaded: [{ ref: s.name, scenario: s }], policies, sweep: [], hostFlag: undefined, deviceFlags: [], rows, scenarioFlags: [], policyFlags: [] });
    const vmm = info.policies.find((p) => p.id === 'vmm-picks-msi-window')!;
    expect(vmm).toMatchObject({ year: 2025, status: expect.stringMatching(/posted, not merged: v2 <cover\.1760487869\.git\.nicolinc@nvidia\.com>/) });
    expect(info.policies.find((p) => p.id === 'kernel-moves-msi-window')!.arguedAgainstBy).toMatch(/20250918224322\.GR1326709@ziepe\.ca/);
    expect(info.policies.every((p) => typeof p.year === 'number')).toBe(true);
    const md = renderMarkdownReport(info, rows, []);
    expect(md).toMatch(/\| policy \| position \| held by \| argued against by \| status \| year \| source \| kernel \|/);
    expect(md).toMatch(/\| static-carve-out \|[^\n]*5a26d4458[^\n]*\| 2026 \|/);
    expect(md).toMatch(/guest ABI change \| migratable \|/);
  });
});
