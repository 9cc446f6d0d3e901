// Host-file fields of the kernel model: per-device regions, page size,
// MSI isolation. Bad inputs are in test/fixtures/bad/.
import { describe, expect, it } from 'vitest';
import { loadHostFile } from '../src/scenario/load-host.js';
import { parseScenario } from '../src/scenario/load.js';
import { builtinScenarioDir } from '../src/scenario/builtin.js';

const withHost = (host: string) => parseScenario(`
name: t
title: t
source: t
description: t
host:
${host.replace(/^/gm, '  ')}
vm: { machine: virt, ram: 1GiB }
devices: [{ name: nic0, group: 3 }]
timeline: [{ start: { devices: [nic0] } }]
`, 't.yaml').host;

describe('host files', () => {
  it('defaults: 4 KiB pages, isolated MSIs, allow_unsafe_interrupts off', () => {
    const h = withHost('platform: p\narch: aarch64\niommu: arm-smmu-v3\nkernel: "6.8"\ngroups: [{ id: 3 }]');
    expect(h).toMatchObject({ pageSize: 4096n, msiIsolation: true, allowUnsafeInterrupts: false });
  });

  it('a device may carry its own regions; the group list merges them with the group regions (iommu_get_group_resv_regions)', () => {
    const h = withHost(`platform: p
arch: aarch64
iommu: arm-smmu-v3
kernel: "6.8"
page_size: 64KiB
groups:
  - id: 3
    devices:
      - "0000:7d:00.0"
      - name: "0000:7d:00.1"
        regions: [{ start: 0xc6010000, last: 0xc601ffff, type: msi }, { start: 0x8000000, last: 0x80fffff, type: sw-msi }]
    regions: [{ start: 0x8000000, last: 0x80fffff, type: sw-msi }]`);
    const g = h.groups[0]!;
    expect(h.pageSize).toBe(0x10000n);
    expect(g.devices).toEqual(['0000:7d:00.0', '0000:7d:00.1']);
    expect(g.deviceRegions!.map((l) => l.map((r) => r.type))).toEqual([['sw-msi'], ['sw-msi', 'msi', 'sw-msi']]);
    // The two identical SW_MSI windows merge in the group's list.
    expect(g.regions.map((r) => [r.start, r.type])).toEqual([[0x8000000n, 'sw-msi'], [0xc6010000n, 'msi']]);
  });

  it('a group without per-device regions has no per-device lists (every device reports the group list)', () => {
    const d05 = loadHostFile(`${builtinScenarioDir()}/hosts/hisilicon-d05.yaml`, 'd05').host;
    expect(d05.groups[0]!.deviceRegions).toBeUndefined();
    expect(d05.groups[0]!.regions.map((r) => r.type)).toEqual(['sw-msi', 'msi']);
  });

  it('the QEMU virt GICv2 host cannot isolate MSIs', () => {
    const h = loadHostFile(`${builtinScenarioDir()}/hosts/qemu-virt-gicv2-smmuv3.yaml`, 'gicv2').host;
    expect(h).toMatchObject({ msiIsolation: false, allowUnsafeInterrupts: false });
  });
});
