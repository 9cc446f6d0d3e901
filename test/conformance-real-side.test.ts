// The real side's text handling: what a guest is asked to do, and how its
// output becomes a fixture that is the same run after run.
import { describe, expect, it } from 'vitest';
import { KERNEL_BOOTS } from '../src/conformance/cases-kernel.js';
import { l2Invocation, maskQemu, normalizeL2, probeInput } from '../src/conformance/real-guest.js';
import { sectionsOf } from '../src/conformance/real-layout.js';

describe('guest scripts from the typed cases', () => {
  it('vfioprobe input: one line per step; maps beyond the pin cap are marked map!', () => {
    const text = probeInput(KERNEL_BOOTS.find((b) => b.id === 'amd-6.12')!);
    expect(text).toContain('case msi-window-exact\ncontainer\ngroup @nic\niommu type1v2\nmap 0xfee00000 0x100000\n');
    expect(text).toContain('map! 0x100000000 0xff30000000'); // 1010 GiB: refused before anything is pinned
    expect(text).toContain('limit 2\ncontainer');
  });
  it('nested QEMU: a cold-plugged device at start, device_add into a root port, a pc-dimm with a dummy firmware', () => {
    const start = l2Invocation({ name: 's', checks: '', phase: 'start', guest: 'aarch64', machine: 'virt', cpu: 'cortex-a57', ramMiB: 3055 });
    expect(start.args).toEqual(['-M', 'virt', '-cpu', 'cortex-a57', '-m', '3055M', '-trace', 'vfio_listener_region_add_ram', '-device', 'vfio-pci,host=$BDF_nic']);
    const hot = l2Invocation({ name: 'h', checks: '', phase: 'hotplug', guest: 'x86_64', machine: 'q35', ramMiB: 1024 });
    expect(hot.qmp[0]).toContain('"driver":"vfio-pci","host":"@BDF","id":"hp0","bus":"rp0"');
    const dimm = l2Invocation({ name: 'd', checks: '', phase: 'dimm', guest: 'aarch64', machine: 'virt', ramMiB: 512, dimmMiB: 2048 });
    expect(dimm.args).toContain('/tmp/bios.fd');
    expect(dimm.qmp[0]).toContain('"size":2147483648');
  });
});

describe('fixtures are stable', () => {
  it('QEMU pointers are masked, the IOVA and size kept (hw/vfio/listener.c error text)', () => {
    expect(maskQemu('Region mach-virt.ram: vfio_dma_map(0x55bc88180a40, 0x40000000, 0xbef00000, 0x7f0d51000000) = -22 (Invalid argument)'))
      .toBe('Region mach-virt.ram: vfio_dma_map(*, 0x40000000, 0xbef00000, *) = -22 (Invalid argument)');
  });
  it('a nested QEMU run: trace sections, errors, QMP errors and status; greeting, events and TCG warnings dropped', () => {
    const out = normalizeL2('hot', [
      '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}',
      'vfio_listener_region_add_ram region_add [ram] 0x0 - 0x3fffffff [0xffff4fe00000]',
      'qemu-system-x86_64: warning: TCG doesn\'t support requested feature: CPUID.01H:ECX.fma [bit 12]',
      '{"error": {"class": "GenericError", "desc": "vfio 0000:00:03.0: failed: vfio_dma_map(0xaaaaec4f7000, 0x100000, 0x3ff00000, 0xffff5bf00000) = -22 (Invalid argument)"}}',
      '{"return": {"status": "prelaunch", "singlestep": false, "running": false}}',
      '{"timestamp": {"seconds": 1796083906, "microseconds": 629418}, "event": "SHUTDOWN"}',
    ]);
    expect(out).toEqual([
      'L2 hot RAM 0x0 0x3fffffff',
      'L2 hot QMP-ERROR vfio 0000:00:03.0: failed: vfio_dma_map(*, 0x100000, 0x3ff00000, *) = -22 (Invalid argument)',
      'L2 hot STATUS prelaunch',
    ]);
  });
  it('info mtree -f: the "memory" address space only, RAM and ROM sections, no I/O', () => {
    const reply = [
      'FlatView #0', ' AS "I/O", root: io', '  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan',
      'FlatView #1', ' AS "memory", root: system', ' Root memory region: system',
      '  0000000000000000-00000000000bffff (prio 0, ram): m0',
      '  00000000000c0000-00000000000dffff (prio 1, rom): pc.rom',
      '  00000000fed00000-00000000fed003ff (prio 0, i/o): hpet',
      '  0000000100000000-000000017fffffff (prio 0, ram): m0 @0000000080000000',
    ].join('\n');
    expect(sectionsOf(reply)).toEqual(['0x0 0xbffff ram m0', '0xc0000 0xdffff rom pc.rom', '0x100000000 0x17fffffff ram m0']);
  });
});
