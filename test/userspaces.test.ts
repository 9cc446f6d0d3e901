// Each userspace reacts to the kernel as its own source shows (src/userspace/).
import { describe, expect, it } from 'vitest';
import { d05, over, trial } from './helpers/scenarios.js';
import { resolveScenario as loadBuiltinScenario } from '../src/scenario/builtin.js';

const memOver = (vmm: string, kind = 'pc-dimm') => d05({
  start: ['nic0'], hotplug: false, ram: '2GiB', guests: `vmm: ${vmm}`,
  extra: `  - memory-hotplug: { kind: ${kind}, size: 1GiB, at: 0xc0000000 }\n  - dma: { rounds: 8, churn: 0.5 }`,
});

describe('QEMU (qemu/qemu:hw/vfio/listener.c)', () => {
  it('a refused runtime pc-dimm map is hw_error; kernel-rejects:qemu=reads-ranges refuses it cleanly from the valid IOVA list', () => {
    expect(trial(memOver('qemu'), 'kernel-rejects')).toMatchObject({ vmCrashed: true, memHotplugOk: 0 });
    const trace: string[] = [];
    const m = trial(memOver('qemu'), 'kernel-rejects:qemu=reads-ranges', 0, trace);
    expect(m).toMatchObject({ vmCrashed: false, memHotplugOk: 0, memHotplugAbortedVmm: 1 });
    expect(trace.join('\n')).toMatch(/not inside one valid IOVA range/);
  });
});

describe('QEMU >= 8.2 reads the valid IOVA ranges (hw/vfio/container.c vfio_get_info_iova_range) but does not shape RAM with them', () => {
  it('8.1 and 8.2 lay the guest out alike and both hit hw_error on the refused pc-dimm', () => {
    const s = loadBuiltinScenario('memory-hotplug-over-doorbell');
    const at = (qemu: string) => trial({ ...s, vm: { ...s.vm, qemu } }, 'kernel-rejects');
    expect(at('8.2')).toEqual(at('8.1'));
    expect(at('8.2')).toMatchObject({ vmCrashed: true });
  });
});

describe('cloud-hypervisor (vmm/src/device_manager.rs, issue #7328)', () => {
  it('update_memory fails the resize before notify_hotplug: no crash, the memory is not added', () => {
    const trace: string[] = [];
    expect(trial(memOver('cloud-hypervisor'), 'kernel-rejects', 0, trace)).toMatchObject({ vmCrashed: false, memHotplugAttempts: 1, memHotplugOk: 0, memHotplugAbortedVmm: 0 });
    expect(trace.join('\n')).not.toMatch(/hw_error/);
  });

  it('after every device is unplugged a hot-added device gets no RAM mapped: its DMA faults; QEMU maps again', () => {
    const s = (vmm: string) => d05({ start: ['nic0'], hotplug: false, ram: '2GiB', guests: `vmm: ${vmm}`, extra: '  - unplug: nic0\n  - hotplug: nic0\n  - dma: {}' });
    const ch = trial(s('cloud-hypervisor'), 'kernel-rejects');
    expect(ch).toMatchObject({ hotplugOk: 1 });
    expect(ch.lostOps).toBeGreaterThan(0);
    expect(ch.faultOps).toBe(ch.lostOps);
    expect(trial(s('qemu'), 'kernel-rejects')).toMatchObject({ hotplugOk: 1, lostOps: 0 });
  });

});

describe('OpenVMM (microsoft/openvmm 5a26d4458, vfio_assigned_device/src/manager.rs)', () => {
  const s = loadBuiltinScenario('openvmm-uefi-sw-msi');
  const linux = { ...s, vm: { ...s.vm, machine: 'openvmm-linux' as const } };

  it('lays aarch64 RAM out itself: from 1 GiB for Linux direct boot (ram_start_address), from 0 under UEFI, stopping at the 512 MiB low MMIO window', async () => {
    const { layoutFor } = await import('../src/vmm/layout.js');
    const at = (machine: 'openvmm-linux' | 'openvmm-uefi', ram: bigint) => layoutFor({ machine, ram, qemu: '9.2', cpuVendor: 'arm', physBits: 48 });
    expect(at('openvmm-linux', 2n << 30n)).toMatchObject({ status: 'ok', ram: [{ start: 0x40000000n, last: 0xbfffffffn }] });
    expect(at('openvmm-uefi', 2n << 30n)).toMatchObject({ status: 'ok', ram: [{ start: 0n, last: 0x7fffffffn }] });
    expect(at('openvmm-linux', 4n << 30n)).toMatchObject({ ram: [{ start: 0x40000000n, last: 0xdfffffffn }, { start: 0x100000000n, last: 0x15fffffffn }] });
  });

  it('UEFI: RAM over the SW_MSI window; the kernel refuses (5.4+) and the device is not created, the VM does not start', () => {
    expect(trial(s, 'kernel-rejects')).toMatchObject({ vmStarted: false, startFailure: 'kernel' });
  });

  it('UEFI under Will: OpenVMM reads no ranges and does not check; the window is mapped and the kernel cannot map its doorbell', () => {
    expect(trial(s, 'qemu-aborts')).toMatchObject({ vmStarted: true, msiSetupFailures: 1 });
    expect(trial(s, 'qemu-aborts:checkers=every')).toMatchObject({ vmStarted: false, startFailure: 'vmm' });
  });

  it('Linux direct boot avoids the window by construction: both positions start and lose nothing', () => {
    for (const p of ['kernel-rejects', 'qemu-aborts']) expect(trial(linux, p)).toMatchObject({ vmStarted: true, msiSetupFailures: 0, lostOps: 0 });
  });

  it('a refused hot-add fails the device (add_dyn_device(...).await?); no memory hotplug or migration beside a device (assumed)', async () => {
    const { openvmm } = await import('../src/userspace/openvmm.js');
    expect(openvmm.onRefusal('hotplug', 'EINVAL')).toBe('fail-clean');
    expect(openvmm.onRefusal('start', 'EINVAL')).toBe('no-start');
    expect(openvmm.readsValidRanges).toBe('');
    expect([openvmm.memoryHotplug, openvmm.migratesWithVfio]).toEqual([false, false]);
  });
});

describe('crosvm (google/crosvm:devices/src/vfio.rs VfioContainerManager::get_container)', () => {
  it('one container for every group: a hot-added group the kernel refuses to attach is not retried in a new container, as QEMU does', () => {
    const s = (vmm: string) => d05({ start: ['disk0'], guests: `vmm: ${vmm}` });
    const qt: string[] = [];
    const ct: string[] = [];
    const q = trial(s('qemu'), 'kernel-rejects', 0, qt);
    const c = trial(s('crosvm'), 'kernel-rejects', 0, ct);
    expect(q).toMatchObject({ hotplugOk: 0, hotplugRejectedKernel: 1 });
    expect(c).toMatchObject({ hotplugOk: 0, hotplugRejectedKernel: 1 });
    expect(qt.join('\n')).toMatch(/attach group 3 to new container 1/);
    expect(ct.join('\n')).not.toMatch(/new container 1/);
    expect(c.refusedCalls).toBeLessThan(q.refusedCalls);
  });
});

describe('DPDK EAL (dpdk/dpdk:lib/eal/linux/eal_vfio.c)', () => {
  it('vfio_mem_event_callback drops a refused map: the heap grows unmapped and the device loses data', () => {
    const s = loadBuiltinScenario('dpdk-iova-va-sw-msi');
    const m = trial(s, 'kernel-rejects');
    expect(m).toMatchObject({ vmStarted: true, vmCrashed: false, memHotplugOk: 1 });
    expect(over(s, 'kernel-rejects', 20, (x) => x.lostOps)).toBeGreaterThan(0);
  });

  it('EEXIST is "already mapped"; EINVAL at setup fails the device', async () => {
    const { dpdk } = await import('../src/userspace/eal-driver.js');
    expect(dpdk.onRefusal('hotplug', 'EEXIST')).toBe('treat-as-mapped');
    expect(dpdk.onRefusal('start', 'EINVAL')).toBe('no-start');
    expect(dpdk.onRefusal('memory-hotplug', 'EINVAL')).toBe('treat-as-mapped');
  });
});

describe("Will's check lives in each userspace (policies/qemu-aborts.ts)", () => {
  it('as proposed only QEMU checks: cloud-hypervisor maps over the doorbell; checkers=every stops it', () => {
    const blind = trial(memOver('cloud-hypervisor'), 'qemu-aborts');
    expect(blind).toMatchObject({ memHotplugOk: 1, memHotplugAbortedVmm: 0 });
    expect(trial(memOver('cloud-hypervisor'), 'qemu-aborts:checkers=every')).toMatchObject({ memHotplugOk: 0, memHotplugAbortedVmm: 1 });
    expect(trial(memOver('qemu'), 'qemu-aborts')).toMatchObject({ memHotplugOk: 0, memHotplugAbortedVmm: 1 });
  });

  it('qemu-tolerates tells the guest at start (firmware tables exist) and aborts a hotplug (no channel after boot)', () => {
    const atStart = trial(d05({ start: ['nic0'], hotplug: false }), 'qemu-tolerates');
    expect(atStart).toMatchObject({ vmStarted: true });
    expect(atStart.ramUnusableBytes).toBeGreaterThan(0n);
    expect(trial(d05({ start: [] }), 'qemu-tolerates')).toMatchObject({ hotplugOk: 0, hotplugAbortedVmm: 1 });
  });
});

describe('a fleet is drawn per trial with common random numbers', () => {
  it('trial k runs the same userspace under every policy, and the weights show', () => {
    const s = loadBuiltinScenario('mixed-fleet-d05');
    const who = (policy: string, t: number) => {
      const trace: string[] = [];
      trial(s, policy, t, trace);
      return /userspace (\S+)/.exec(trace.join('\n'))![1];
    };
    const a = Array.from({ length: 40 }, (_, t) => who('kernel-rejects', t));
    const b = Array.from({ length: 40 }, (_, t) => who('qemu-aborts', t));
    expect(a).toEqual(b);
    expect(new Set(a)).toEqual(new Set(['qemu', 'cloud-hypervisor', 'dpdk']));
    expect(a.filter((x) => x === 'qemu').length).toBeGreaterThan(10);
  });
});

describe('firmware-reserved-hotplug horizon', () => {
  it('horizon=creation reserves only what is there at creation: a later hotplug falls back to the kernel', () => {
    expect(trial(d05({ start: [] }), 'firmware-reserved-hotplug')).toMatchObject({ hotplugOk: 1 });
    expect(trial(d05({ start: [] }), 'firmware-reserved-hotplug:horizon=creation')).toMatchObject({ hotplugOk: 0, hotplugRejectedKernel: 1 });
  });

  it('horizon=creation also reserves for the declared_at_creation list: a declared later hotplug is protected, an undeclared one falls back', () => {
    const declared = (devices: string) => d05({ start: [], guests: `declared_at_creation: { devices: [${devices}] }` });
    expect(trial(declared('nic0'), 'firmware-reserved-hotplug:horizon=creation')).toMatchObject({ hotplugOk: 1, hotplugRejectedKernel: 0 });
    expect(trial(declared('disk0'), 'firmware-reserved-hotplug:horizon=creation')).toMatchObject({ hotplugOk: 0, hotplugRejectedKernel: 1 });
    // The oracle horizon ignores the list: it knows everything anyway.
    expect(trial(declared('disk0'), 'firmware-reserved-hotplug')).toMatchObject({ hotplugOk: 1 });
  });

  it('a declared destination is reserved for at creation; an undeclared one is not', () => {
    const s = loadBuiltinScenario('migrate-to-d05');
    const dest = s.timeline.flatMap((e) => (e.kind === 'migrate' ? e.pool.map((p) => p.file) : []))[0]!;
    const plain = trial(s, 'firmware-reserved-hotplug:horizon=creation');
    const told = trial({ ...s, declaredAtCreation: { devices: [], hosts: [dest] } }, 'firmware-reserved-hotplug:horizon=creation');
    expect(told.migrationsOk).toBeGreaterThan(plain.migrationsOk);
    expect(told).toMatchObject(trial(s, 'firmware-reserved-hotplug'));
  });
});
