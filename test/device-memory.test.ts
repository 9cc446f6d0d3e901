// Hot-added memory as QEMU places and maps it: the guest machine's
// device-memory region (hw/mem/memory-device.c memory_device_get_free_addr)
// and virtio-mem plug requests (hw/virtio/virtio-mem.c). Real-stack numbers:
// shared/realstack logs/x86-6.1-intel-memhp-q72.log.
import { describe, expect, it } from 'vitest';
import { IntervalSet } from '../src/model/intervals.js';
import { freeAddress, hotplugMemoryOf, plugRequests } from '../src/vmm/device-memory.js';
import { type LayoutRequest, layoutFor } from '../src/vmm/layout.js';
import { parseScenario } from '../src/scenario/load.js';
import { trial } from './helpers/scenarios.js';

const GiB = 1n << 30n;
const MiB = 1n << 20n;
const region = (over: Partial<LayoutRequest>, bytes = 2n * GiB, slots = 1) => {
  const l = layoutFor({ machine: 'q35', ram: GiB, qemu: '9.2', cpuVendor: 'intel', physBits: 48, hotplugMemory: { bytes, slots }, ...over });
  if (l.status !== 'ok') throw new Error(l.message);
  return l.deviceMemory;
};

describe('the device-memory region belongs to the guest machine, not the host', () => {
  it('virt: right after RAM, 1 GiB aligned (hw/arm/virt.c virt_set_memmap): 512 MiB of RAM puts it at 0x80000000, as the real QEMU did', () => {
    expect(region({ machine: 'virt', ram: 512n * MiB, cpuVendor: 'arm' })).toEqual({ start: 0x80000000n, last: 0x80000000n + 3n * GiB - 1n });
    expect(region({ machine: 'virt', ram: 2n * GiB, cpuVendor: 'arm' })!.start).toBe(0xc0000000n);
  });
  it('q35/pc: after the above-4G RAM, never below 4 GiB (hw/i386/pc.c pc_get_device_memory_range)', () => {
    expect(region({ ram: GiB })!.start).toBe(0x100000000n);
    expect(region({ ram: 4n * GiB })!.start).toBe(0x180000000n);
    expect(region({ ram: 1023n * GiB, qemu: '7.1', cpuVendor: 'amd' })!.start).toBe(0x1ff40000000n);
  });
  it('sized maxmem - RAM + 1 GiB per slot; none without hot-added memory', () => {
    expect(region({}, 3n * GiB, 2)).toEqual({ start: 0x100000000n, last: 0x100000000n + 5n * GiB - 1n });
    expect(region({}, 0n, 0)).toBeUndefined();
  });
  it('the device region counts toward the highest used GPA, hence the phys-bits exit', () => {
    const l = layoutFor({ machine: 'q35', ram: GiB, qemu: '9.2', cpuVendor: 'intel', physBits: 40, hotplugMemory: { bytes: 1000n * GiB, slots: 1 } });
    expect(l.status === 'error' && l.message).toBe('Address space limit 0xffffffffff < 0x1033fffffff phys-bits too low (40)');
    // 4 GiB + (1000 GiB + 1 GiB for the slot) + the 32 GiB PCI hole = 1037 GiB.
  });
  it('maxmem and slots come from the timeline: every memory-hotplug, one slot per pc-dimm', () => {
    expect(hotplugMemoryOf([
      { kind: 'memory-hotplug', memKind: 'pc-dimm', size: GiB, chance: 1 },
      { kind: 'memory-hotplug', memKind: 'virtio-mem', size: 2n * GiB, chance: 0.5 },
    ])).toEqual({ bytes: 3n * GiB, slots: 1 });
  });
});

describe('memory_device_get_free_addr', () => {
  const r = { start: 0x80000000n, last: 0x13fffffffn };
  it('the first device at the region start; the next packed after it, 2 MiB aligned', () => {
    expect(freeAddress(r, IntervalSet.EMPTY, 512n * MiB)).toBe(0x80000000n);
    expect(freeAddress(r, IntervalSet.of({ start: 0x80000000n, last: 0x800fffffn }), 512n * MiB)).toBe(0x80200000n);
  });
  it('a device that does not fit is refused (undefined), not placed beyond the region', () => {
    expect(freeAddress(r, IntervalSet.EMPTY, 4n * GiB)).toBeUndefined();
  });
});

const onX86 = (kind: string, size: string) => parseScenario(`
name: virt-on-x86
title: t
source: shared/realstack logs/x86-6.1-intel-memhp-q72.log
description: d
host:
  platform: x86 host
  arch: x86_64
  iommu: intel
  kernel: "6.1"
  groups:
    - { id: 4, regions: [{ start: 0xfee00000, last: 0xfeefffff, type: msi }] }
vm: { machine: virt, ram: 512MiB }
devices: [{ name: nic0, group: 4, workload: { buffers: 16 } }]
timeline:
  - start: { devices: [nic0] }
  - memory-hotplug: { kind: ${kind}, size: ${size} }
`, 'virt-on-x86.yaml');

describe('an aarch64 virt guest hot-adding memory on an x86 host (the real QEMU 7.2 and 10.0)', () => {
  it('a 2 GiB pc-dimm lands at 0x80000000, covers 0xfee00000, and the VM aborts', () => {
    const lines: string[] = [];
    const m = trial(onX86('pc-dimm', '2GiB'), 'kernel-rejects', 0, lines);
    expect(m).toMatchObject({ vmStarted: true, vmCrashed: true, memHotplugOk: 0 });
    expect(lines.join('\n')).toMatch(/vfio_dma_map\(iova=0x80000000, size=0x80000000\) = -EINVAL: \[0xfee00000-0xfeefffff\] msi/);
  });
  it('a 512 MiB pc-dimm in the same place works', () => {
    const lines: string[] = [];
    expect(trial(onX86('pc-dimm', '512MiB'), 'kernel-rejects', 0, lines)).toMatchObject({ vmCrashed: false, memHotplugOk: 1, maxGpa: 0x9fffffffn });
    expect(lines.join('\n')).toMatch(/pc-dimm \[0x80000000-0x9fffffff\] plugged/);
  });
});

describe('the mirror case: a q35 guest on an arm64 host', () => {
  it('its DIMM goes above 4 GiB, where q35 puts device memory, not right after its 1 GiB of RAM', () => {
    const s = parseScenario(`
name: q35-on-arm64
title: t
source: hw/i386/pc.c pc_get_device_memory_range
description: d
host: { platform: arm64 host, arch: aarch64, iommu: arm-smmu-v3, kernel: "6.1", groups: [{ id: 2 }] }
vm: { machine: q35, ram: 1GiB }
devices: [{ name: nic0, group: 2, workload: { buffers: 16 } }]
timeline:
  - start: { devices: [nic0] }
  - memory-hotplug: { kind: pc-dimm, size: 1GiB }
`, 'q35-on-arm64.yaml');
    const lines: string[] = [];
    expect(trial(s, 'kernel-rejects', 0, lines)).toMatchObject({ memHotplugOk: 1, maxGpa: 0x13fffffffn });
    expect(lines.join('\n')).toMatch(/pc-dimm \[0x100000000-0x13fffffff\] plugged/);
  });
});

describe('virtio-mem plugs request by request (hw/virtio/virtio-mem.c, hw/vfio/listener.c vfio_ram_discard_notify_populate)', () => {
  it('a Linux guest asks for one 128 MiB memory block per request', () => {
    expect(plugRequests({ start: 0x80000000n, last: 0x9fffffffn }).map((r) => r.start)).toEqual([0x80000000n, 0x88000000n, 0x90000000n, 0x98000000n]);
  });
  it('the request over the doorbell is rolled back (VIRTIO_MEM_RESP_BUSY); the 15 before it stay plugged and mapped; the VM lives', () => {
    const lines: string[] = [];
    const m = trial(onX86('virtio-mem', '2GiB'), 'kernel-rejects', 0, lines);
    expect(m).toMatchObject({ vmStarted: true, vmCrashed: false, memHotplugAttempts: 1, memHotplugOk: 0, refusedCalls: 1 });
    expect(m.maxGpa).toBe(0xf7ffffffn);
    const t = lines.join('\n');
    expect(t).toMatch(/vfio_dma_map\(iova=0xfee00000, size=0x200000\) = -EINVAL/);
    expect(t).toMatch(/request \[0xf8000000-0xffffffff\] rolled back, VIRTIO_MEM_RESP_BUSY; 15 of 16 requests plugged stay/);
  });
});
