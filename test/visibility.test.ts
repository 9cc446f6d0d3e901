// Who sees a lost write (dma/outcome.ts visibilityOf), and the guest RAM a
// firmware agent can overwrite (engine/guest.ts observeFirmwareExposure).
import { describe, expect, it } from 'vitest';
import { buildDangerMap } from '../src/dma/danger-map.js';
import { Outcome, Visibility, visibilityOf } from '../src/dma/outcome.js';
import { findGroup } from '../src/model/host.js';
import { IntervalSet } from '../src/model/intervals.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { parseScenario } from '../src/scenario/load.js';
import { AMD_HT, HW_MSI_D05, SW_MSI, X86_MSI, group, host } from './helpers/hosts.js';
import { over, scenarioYaml, trial } from './helpers/scenarios.js';
import { resolvePolicyList } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { compare } from '../src/results/comparisons.js';
import { buildRunFiles } from '../src/results/run-files.js';
import type { RunInfo } from '../src/results/run-info.js';

const intel = host([group(1, X86_MSI)], { arch: 'x86_64', iommu: 'intel' });
const amd = host([group(1, X86_MSI, AMD_HT)], { arch: 'x86_64', iommu: 'amd' });
const d05 = host([group(1, SW_MSI, HW_MSI_D05)]);

describe('visibility of a lost write, by outcome and host', () => {
  it('x86 MSI window: an interrupt-remapping fault in the host log (intel/dmar.c irq_remap_fault_reasons[]; amd/iommu.c IRTE indexed by MSI data)', () => {
    expect(visibilityOf(Outcome.interruptMsi, intel)).toBe(Visibility.hostLogged);
    expect(visibilityOf(Outcome.interruptMsi, amd)).toBe(Visibility.hostLogged);
  });

  it('x86 without interrupt remapping (allow_unsafe_interrupts): the write is a real interrupt, nothing logs it', () => {
    const unsafe = host([group(1, X86_MSI)], { arch: 'x86_64', iommu: 'intel', msiIsolation: false, allowUnsafeInterrupts: true });
    expect(visibilityOf(Outcome.interruptMsi, unsafe)).toBe(Visibility.unlogged);
  });

  it('arm64 ITS doorbells, HW frame and SW_MSI page: nothing logs a write with a bad EventID (hw/intc/arm_gicv3_its.c process_its_cmd)', () => {
    expect(visibilityOf(Outcome.interruptMsi, d05)).toBe(Visibility.unlogged);
    expect(visibilityOf(Outcome.interruptSwMsi, d05)).toBe(Visibility.unlogged);
  });

  it('AMD HyperTransport range: IOMMU events in the host log (<20210622154905.30858-1-joao.m.martins@oracle.com>)', () => {
    expect(visibilityOf(Outcome.reserved, amd)).toBe(Visibility.hostLogged);
    expect(visibilityOf(Outcome.reserved, d05)).toBe(Visibility.unlogged);
  });

  it('peer-to-peer: a peer BAR absorbs the write silently, a window hole answers Unsupported Request (AER)', () => {
    expect(visibilityOf(Outcome.peerBar, intel)).toBe(Visibility.unlogged);
    expect(visibilityOf(Outcome.peerHole, intel)).toBe(Visibility.guestVisible);
  });

  it('IOMMU translation faults (unmapped, beyond the aperture) are host-logged; a firmware collision is not logged', () => {
    for (const h of [intel, amd, d05]) {
      expect(visibilityOf(Outcome.faultUnmapped, h)).toBe(Visibility.hostLogged);
      expect(visibilityOf(Outcome.faultAperture, h)).toBe(Visibility.hostLogged);
      expect(visibilityOf(Outcome.firmware, h)).toBe(Visibility.unlogged);
    }
  });
});

describe('data loss and silent loss in trials', () => {
  it('aarch64 guest on an AMD host: RAM over 0xfee00000 loses data, all of it host-logged, none silently', () => {
    const s = resolveScenario('aarch64-guest-on-amd-host');
    const lost = over(s, 'no-checks-2016', 100, (m) => (m.lostOps > 0 ? 1 : 0));
    expect(lost).toBeGreaterThan(0);
    expect(over(s, 'no-checks-2016', 100, (m) => m.silentOps)).toBe(0);
    expect(over(s, 'no-checks-2016', 100, (m) => m.lostBytesByVisibility.host_logged)).toBe(over(s, 'no-checks-2016', 100, (m) => m.lostBytesBy.msi));
  });

  it('D05: the ITS frame swallows writes silently, every lost write is a silent one', () => {
    const s = resolveScenario('d05-hw-msi-hotplug');
    const lost = over(s, 'no-checks-2016', 300, (m) => m.lostOps);
    expect(lost).toBeGreaterThan(0);
    expect(over(s, 'no-checks-2016', 300, (m) => m.silentOps)).toBe(lost);
  });

  it('AMD HyperTransport before 5.4: every trial loses data into the hole, the host logs it', () => {
    const m = trial(resolveScenario('amd-ht-qemu70'), 'no-checks-2016');
    expect(m.lostBytesBy.reserved).toBeGreaterThan(0);
    expect(m.lostBytesByVisibility.host_logged).toBe(m.lostBytes);
    expect(m.silentOps).toBe(0);
  });

  it('an IOMMU fault is data loss too: faulted bytes count, host-logged', () => {
    const s = resolveScenario('second-group-other-msi');
    const faulted = over(s, 'guest-avoids-range', 400, (m) => m.lostBytesBy.iommu_fault);
    expect(faulted).toBeGreaterThan(0);
    expect(over(s, 'guest-avoids-range', 400, (m) => m.lostBytesByVisibility.host_logged)).toBe(faulted);
    expect(over(s, 'guest-avoids-range', 400, (m) => (m.faultOps > 0 && m.lostOps < m.faultOps ? 1 : 0))).toBe(0);
  });

  it('explain names who sees each lost write', () => {
    const amdLines: string[] = [];
    const s = resolveScenario('aarch64-guest-on-amd-host');
    for (let t = 0; t < 40 && !amdLines.some((l) => l.includes(' buffer ')); t++) trial(s, 'no-checks-2016', t, amdLines);
    expect(amdLines.join('\n')).toMatch(/buffer \d+ at .*: \d+ bytes interrupt \(hw msi\), host-logged/);
    const d05Lines: string[] = [];
    const d = resolveScenario('d05-hw-msi-hotplug');
    for (let t = 0; t < 300 && !d05Lines.some((l) => l.includes(' buffer ')); t++) trial(d, 'no-checks-2016', t, d05Lines);
    expect(d05Lines.join('\n')).toMatch(/buffer \d+ at .*: \d+ bytes interrupt \(hw msi\), unlogged/);
  });
});

/** A q35 guest whose RAM covers a switch window 0x92000000-0x93ffffff; `bars` optional. */
function switchScenario(bars: string): ReturnType<typeof parseScenario> {
  return parseScenario(scenarioYaml({
    name: 'switch', arch: 'x86_64', iommu: 'intel', kernel: '4.9',
    groups: ['{ id: 20, regions: [{ start: 0xfee00000, last: 0xfeefffff, type: msi }] }'],
    bridges: [`{ start: 0x92000000, last: 0x93ffffff, acs: false, groups: [20]${bars} }`],
    body: `vm: { machine: q35, ram: 2560MiB }
devices: [{ name: nic0, group: 20, workload: { buffers: 1024 } }]
timeline:
  - start: { devices: [nic0] }
  - dma: {}
` }), 'switch.yaml');
}

describe('peer-to-peer: implemented BARs against holes of the window', () => {
  it('with bars listed, the BAR is absorbed (unlogged) and the rest of the window is Unsupported Request (guest-visible)', () => {
    const s = switchScenario(', bars: [{ start: 0x92000000, size: 16MiB }]');
    const map = buildDangerMap({ host: s.host, group: findGroup(s.host, 20), mapped: IntervalSet.of({ start: 0n, last: 0x9fffffffn }), swMsiDoorbells: IntervalSet.EMPTY });
    const of = (o: Outcome) => map.classes.find((c) => c.outcome === o);
    expect(of(Outcome.peerBar)?.set.ranges).toEqual([{ start: 0x92000000n, last: 0x92ffffffn }]);
    expect(of(Outcome.peerHole)?.set.ranges).toEqual([{ start: 0x93000000n, last: 0x93ffffffn }]);
    expect(of(Outcome.peerHole)?.visibility).toBe(Visibility.guestVisible);
    const m = trial(s, 'no-checks-2016');
    expect(m.lostBytesBy.p2p).toBeGreaterThan(0);
    expect(m.lostBytesBy.p2p_hole).toBeGreaterThan(0);
    expect(m.lostBytesByVisibility.guest_visible).toBe(m.lostBytesBy.p2p_hole);
    expect(m.lostBytesByVisibility.unlogged).toBe(m.lostBytesBy.p2p);
  });

  it('without bars the whole window is taken as BARs: all of it silent', () => {
    const m = trial(switchScenario(''), 'no-checks-2016');
    expect(m.lostBytesBy.p2p).toBeGreaterThan(0);
    expect(m.lostBytesBy.p2p_hole).toBe(0);
    expect(m.silentOps).toBe(m.lostOps);
  });
});

/** An arm64 virt guest (RAM from 1 GiB) over a 1 MiB DIRECT range at 0x90000000; 4 buffers rarely touch it. */
function rmrScenario(rmrr: string, buffers = 4): ReturnType<typeof parseScenario> {
  return parseScenario(scenarioYaml({
    name: 'rmr', kernel: '4.9', groups: [`{ id: 7, regions: [{ start: 0x90000000, last: 0x900fffff, type: direct${rmrr} }] }`],
    body: `vm: { machine: virt, ram: 4GiB }
devices: [{ name: nic0, group: 7, workload: { buffers: ${buffers} } }]
timeline:
  - start: { devices: [nic0] }
  - dma: {}
` }), 'rmr.yaml');
}

describe('firmware DIRECT ranges', () => {
  it('a firmware agent range mapped to guest RAM exposes those pages in every trial, wherever the buffers are (intel/iommu.c, device_is_rmrr_locked)', () => {
    const s = rmrScenario('');
    let quiet = 0;
    for (let t = 0; t < 40; t++) {
      const m = trial(s, 'no-checks-2016', t);
      expect(m.firmwareExposedBytes).toBe(0x100000n);
      if (m.lostOps === 0) quiet++;
    }
    expect(quiet).toBeGreaterThan(30); // exposure does not depend on where the buffers went
    // Buffers there lose what the device wrote, unlogged (the agent is assumed to write between rounds).
    const busy = rmrScenario('', 1024);
    expect(over(busy, 'no-checks-2016', 100, (m) => m.lostBytesBy.firmware)).toBeGreaterThan(0);
    expect(over(busy, 'no-checks-2016', 100, (m) => m.lostOps - m.silentOps)).toBe(0);
  });

  it('a software-imposed DIRECT range (rmrr: false, d8018a0e9195) has no agent: no exposure, no loss', () => {
    const s = rmrScenario(', rmrr: false', 1024);
    expect(over(s, 'no-checks-2016', 100, (m) => m.lostOps + Number(m.firmwareExposedBytes))).toBe(0);
  });

  it('a range the VMM leaves unmapped exposes nothing: guest-avoids-range maps around it while the VM runs', () => {
    expect(trial(rmrScenario(''), 'guest-avoids-range')).toMatchObject({ vmStarted: true, firmwareExposedBytes: 0n });
  });
});

describe('firmware exposure in the outputs', () => {
  it('summary.csv counts exposed trials and bytes; report.txt gets its table and says it is not loss', async () => {
    const s = rmrScenario('');
    const policies = await resolvePolicyList(['no-checks-2016', 'kernel-rejects']);
    const pairs = await runStudy({ scenarios: [s], policies, trials: 20, seed: '3' });
    const info: RunInfo = {
      doorbell: 't', gitCommit: 't', node: 'v0', argv: [], seed: '3', trials: 20, scenarioFlags: [], policyFlags: [], sweep: [],
      scenarios: [{ name: s.name, title: s.title, source: s.source, description: s.description, ref: s.name, file: s.file, sha256: s.sha256, files: s.files, hotplugs: 0 }],
      policies: policies.map((p) => ({ id: p.id, name: p.definition.name, position: p.definition.position, heldBy: p.definition.heldBy, source: p.definition.source, kernelEra: 'x' })),
      baseline: 'no-checks-2016', trialErrors: 0,
    };
    const files = await buildRunFiles(info, pairs.map((p) => p.row), compare(pairs, 'no-checks-2016'));
    const [header, base, rejects] = String(files.get('summary.csv')).trim().split('\n').map((l) => l.split(','));
    const col = (row: string[], c: string) => row[header!.indexOf(c)];
    expect([col(base!, 'firmware_exposed_trials'), col(base!, 'firmware_exposed_bytes_mean')]).toEqual(['20', '1048576.0']);
    expect(col(rejects!, 'firmware_exposed_trials')).toBe('0');
    const text = String(files.get('report-full.txt'));
    expect(text).toMatch(/^ {2}policy +exposed +4K pages +bytes\n.*\n {2}no-checks-2016 +20\/20 +256\.0 +1\.00 MiB$/m);
    expect(text.replace(/\s+/g, ' ')).toContain('How often a firmware agent (RMRR, IVMD, IORT RMR) writes its DIRECT range is not known');
  });
});
