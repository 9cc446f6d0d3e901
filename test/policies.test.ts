// Each policy's decisions on small scenarios, and what QEMU does with a refusal by phase.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../src/scenario/load.js';
import { d05, over, trial } from './helpers/scenarios.js';

describe('the seed case: a NIC hot-added over the D05 HW MSI doorbell', () => {
  const s = d05({ start: ['disk0'] });

  it('no-checks-2016 (v4.9): the hotplug succeeds and some trials lose data into the doorbell', () => {
    const m = trial(s, 'no-checks-2016');
    expect(m.hotplugOk).toBe(1);
    expect(m.refusedCalls).toBe(0);
    const lost = over(s, 'no-checks-2016', 200, (x) => (x.lostBytesBy.msi > 0 ? 1 : 0));
    expect(lost).toBeGreaterThan(0);
    expect(lost).toBeLessThan(200);
  });

  it('kernel-rejects (type1): attach conflicts, the retry container\'s map fails, device_add fails, VM keeps running', () => {
    const trace: string[] = [];
    const m = trial(s, 'kernel-rejects', 0, trace);
    expect(m).toMatchObject({ vmStarted: true, hotplugAttempts: 1, hotplugOk: 0, hotplugRejectedKernel: 1, vmCrashed: false, lostOps: 0 });
    expect(trace.join('\n')).toMatch(/attach group 3 to container 0 = -EINVAL.*vfio_iommu_resv_conflict/);
    expect(trace.join('\n')).toMatch(/vfio_dma_map\(iova=0x40000000, size=0x100000000\) = -EINVAL: \[0xc6010000-0xc601ffff\] msi/);
    expect(trace.join('\n')).toMatch(/device_add nic0 failed \(-EINVAL\); the VM keeps running/);
  });

  it('kernel-rejects:backend=iommufd refuses the attach with EADDRINUSE', () => {
    const trace: string[] = [];
    const m = trial(s, 'kernel-rejects:backend=iommufd', 0, trace);
    expect(m.hotplugRejectedKernel).toBe(1);
    expect(trace.join('\n')).toMatch(/-EADDRINUSE/);
  });

  it('qemu-aborts reads sysfs and aborts the hotplug itself; the kernel is never asked', () => {
    const m = trial(s, 'qemu-aborts');
    expect(m).toMatchObject({ hotplugAbortedVmm: 1, hotplugRejectedKernel: 0, refusedCalls: 0, lostOps: 0 });
  });

  it('qemu-aborts:tolerate=true proceeds and tells the guest; a guest that hears in time loses nothing', () => {
    const m = trial(s, 'qemu-aborts:tolerate=true');
    expect(m.hotplugOk).toBe(1);
    expect(over(s, 'qemu-aborts:tolerate=true', 100, (x) => x.lostOps)).toBe(0);
    expect(m.ramUnusableBytes).toBe(0x10000n);
  });

  it('guest-avoids-range loses data only with guests that ignore runtime hints', () => {
    const deaf = d05({ start: ['disk0'], guests: 'guests: [{ name: old, honours: [firmware] }]' });
    expect(over(s, 'guest-avoids-range', 100, (x) => x.lostOps)).toBe(0);
    expect(over(deaf, 'guest-avoids-range', 200, (x) => (x.lostOps > 0 ? 1 : 0))).toBeGreaterThan(0);
    expect(trial(s, 'guest-avoids-range').ramUnusableBytes).toBe(0x10000n);
  });

  it('firmware-reserved-hotplug lays RAM around the doorbell at creation: no loss, RAM moves up', () => {
    const m = trial(s, 'firmware-reserved-hotplug');
    expect(m).toMatchObject({ hotplugOk: 1, lostOps: 0, ramUnusableBytes: 0n });
    // 4 GiB of RAM from 1 GiB with a 64 KiB hole: the last byte moves up by 64 KiB.
    expect(m.maxGpa).toBe(0x13fffffffn + 0x10000n);
  });

  it('common random numbers: a guest that hears nothing places the same buffers under both policies', () => {
    const deaf = d05({ start: [], guests: 'guests: [{ name: deaf, honours: [] }]' });
    let lossy = 0;
    for (let t = 0; t < 100; t++) {
      const a = trial(deaf, 'no-checks-2016', t);
      const b = trial(deaf, 'guest-avoids-range', t);
      expect([b.dangerousPlacements, b.lostOps, b.lostBytesBy.msi]).toEqual([a.dangerousPlacements, a.lostOps, a.lostBytesBy.msi]);
      if (a.lostOps > 0) lossy++;
    }
    expect(lossy).toBeGreaterThan(0);
  });
});

describe('mapping around in a shared container', () => {
  it('guest-avoids-range unmaps the new doorbell range for every device: the other device\'s DMA there faults', () => {
    // 4096 disk buffers: about one trial in ten has one over the 64 KiB hole.
    const s = d05({ start: ['disk0'], diskBuffers: 4096, guests: 'guests: [{ name: deaf, honours: [] }]' });
    expect(over(s, 'no-checks-2016', 200, (m) => m.faultOps)).toBe(0);
    expect(over(s, 'guest-avoids-range', 200, (m) => (m.faultOps > 0 ? 1 : 0))).toBeGreaterThan(5);
  });
});

describe('QEMU reacts by phase (hw/vfio/listener.c)', () => {
  it('a cold-plugged device whose map fails: the VM never starts', () => {
    const m = trial(d05({ start: ['nic0'], hotplug: false }), 'kernel-rejects');
    expect(m).toMatchObject({ vmStarted: false, startFailure: 'kernel' });
  });

  it('a small guest below the doorbell starts and hotplugs under every policy', () => {
    const small = d05({ start: ['disk0'], ram: '2GiB' });
    for (const p of ['no-checks-2016', 'kernel-rejects', 'qemu-aborts', 'guest-avoids-range', 'firmware-reserved-hotplug']) {
      expect(trial(small, p)).toMatchObject({ vmStarted: true, hotplugOk: 1, lostOps: 0 });
    }
  });

  const memScenario = (kind: string) => d05({
    start: ['nic0'], hotplug: false, ram: '2GiB',
    extra: `  - memory-hotplug: { kind: ${kind}, size: 1GiB, at: 0xc0000000 }\n  - dma: {}`,
  });

  it('pc-dimm over the doorbell under kernel-rejects: hw_error, the whole VM aborts', () => {
    const trace: string[] = [];
    const m = trial(memScenario('pc-dimm'), 'kernel-rejects', 0, trace);
    expect(m).toMatchObject({ vmStarted: true, vmCrashed: true, memHotplugAttempts: 1, memHotplugOk: 0 });
    expect(trace.join('\n')).toMatch(/hw_error/);
  });

  it('virtio-mem over the doorbell under kernel-rejects: rolled back, the VM keeps running', () => {
    const m = trial(memScenario('virtio-mem'), 'kernel-rejects');
    expect(m).toMatchObject({ vmCrashed: false, memHotplugAttempts: 1, memHotplugOk: 0 });
  });

  it('qemu-aborts refuses the memory hotplug itself, guest-avoids maps around it', () => {
    expect(trial(memScenario('pc-dimm'), 'qemu-aborts')).toMatchObject({ vmCrashed: false, memHotplugOk: 0, refusedCalls: 0 });
    expect(trial(memScenario('pc-dimm'), 'guest-avoids-range')).toMatchObject({ vmCrashed: false, memHotplugOk: 1, ramUnusableBytes: 0x10000n });
  });

  it('v4.11 with RAM at 0 over the SW_MSI window: the doorbell map fails, the device gets no MSIs', () => {
    const s = parseScenario(`
name: ram-at-zero
title: t
source: t
description: t
host: { platform: t, arch: aarch64, iommu: arm-smmu-v3, kernel: "5.0", groups: [{ id: 1, regions: [{ start: 0x8000000, last: 0x80fffff, type: sw-msi }] }] }
vm: { machine: explicit, ranges: [{ start: 0, size: 1GiB }] }
devices: [{ name: nic0, group: 1 }]
timeline: [{ start: { devices: [nic0] } }, { dma: {} }]
`, 'ram-at-zero.yaml');
    // 4.11-5.3 (Will's kernel, told to tolerate): RAM over 0x8000000 is mapped, so the kernel's doorbell map fails.
    const lines: string[] = [];
    expect(trial(s, 'qemu-aborts:tolerate=true', 0, lines)).toMatchObject({ vmStarted: true, msiSetupFailures: 1, lostOps: 0 });
    expect(lines.join('\n')).toMatch(/SW_MSI doorbell IOVA already mapped by userspace/);
    // 4.9 had no doorbell mapping at all (model/kernel-versions.ts): no MSIs either, for another reason.
    const old: string[] = [];
    expect(trial(s, 'no-checks-2016', 0, old)).toMatchObject({ vmStarted: true, msiSetupFailures: 1, lostOps: 0 });
    expect(old.join('\n')).toMatch(/no MSI cookie/);
    expect(trial(s, 'kernel-rejects')).toMatchObject({ vmStarted: false, startFailure: 'kernel' });
    // Christoffer: map around the window, so the kernel's doorbell works; buffers the guest was told about stay clear.
    expect(trial(s, 'guest-avoids-range')).toMatchObject({ vmStarted: true, msiSetupFailures: 0, lostOps: 0, ramUnusableBytes: 0x100000n });
  });
});

describe('peer-to-peer through a bridge window without ACS', () => {
  const p2p = (acs: boolean) => parseScenario(`
name: p2p
title: t
source: t
description: t
host:
  platform: t
  arch: x86_64
  iommu: intel
  kernel: "6.8"
  groups: [{ id: 20, regions: [{ start: 0xfee00000, last: 0xfeefffff, type: msi }] }]
  bridges: [{ start: 0x92000000, last: 0x93ffffff, acs: ${acs}, groups: [20] }]
vm: { machine: q35, ram: 2560MiB }
devices: [{ name: nic0, group: 20 }]
timeline: [{ start: { devices: [nic0] } }, { dma: {} }]
`, 'p2p.yaml');

  it('no policy can see the window: every one loses data peer-to-peer', () => {
    for (const p of ['no-checks-2016', 'kernel-rejects', 'qemu-aborts', 'guest-avoids-range', 'firmware-reserved-hotplug']) {
      expect(over(p2p(false), p, 20, (m) => m.lostBytesBy.p2p) > 0).toBe(true);
    }
  });
  it('with ACS the write goes upstream to the IOMMU and lands', () => {
    expect(over(p2p(true), 'no-checks-2016', 20, (m) => m.lostOps)).toBe(0);
  });
});

describe('declared randomness and guest reboots', () => {
  const pool = d05({
    start: [], hotplug: false,
    extra: '  - hotplug: { pool: [{ device: nic0, weight: 3 }, { device: disk0, weight: 1 }] }',
  });
  it('a hotplug pool draws devices by weight, the same draw under every policy', () => {
    let nic = 0;
    for (let t = 0; t < 400; t++) {
      const a: string[] = [];
      const b: string[] = [];
      trial(pool, 'no-checks-2016', t, a);
      trial(pool, 'qemu-aborts', t, b);
      const pickA = a.find((l) => l.includes('probed'))?.split(' ')[1];
      const pickB = b.find((l) => l.startsWith('policy: hotplug'));
      expect(pickA).toBeDefined();
      if (pickA === 'nic0') {
        nic++;
        expect(pickB).toMatch(/abort/); // nic0's group has the doorbell: Will's QEMU aborts it
      } else expect(pickB).toMatch(/proceed/);
    }
    expect(nic).toBeGreaterThan(260);
    expect(nic).toBeLessThan(340);
  });

  it('a reboot re-reads firmware tables: a boot-only guest that missed a runtime hint avoids the range afterwards', () => {
    const guests = 'guests: [{ name: boot-only, honours: [firmware] }]';
    const before = d05({ start: [], guests });
    const after = d05({ start: [], guests, extra: '  - reboot: {}\n  - dma: {}' });
    expect(over(before, 'guest-avoids-range', 300, (m) => (m.lostOps > 0 ? 1 : 0))).toBeGreaterThan(0);
    // Loss can only come from the phase before the reboot; count trials that lose after it.
    let lostAfterReboot = 0;
    for (let t = 0; t < 300; t++) {
      const lines: string[] = [];
      trial(after, 'guest-avoids-range', t, lines);
      const last = lines.filter((l) => l.startsWith('dma: nic0')).at(-1)!;
      if (!/ops, 0 lost /.test(last)) lostAfterReboot++;
    }
    expect(lostAfterReboot).toBe(0);
  });
});
