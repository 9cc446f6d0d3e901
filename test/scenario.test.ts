// Scenario validation: one line, file:line:col, what is wrong — what was expected.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../src/scenario/load.js';
import { builtinScenarioNames, resolveScenario } from '../src/scenario/builtin.js';

const base = (over: { host?: string; vm?: string; devices?: string; timeline?: string; extra?: string } = {}) => `name: t
title: t
source: t
description: t
host:
${over.host ?? `  platform: p
  arch: aarch64
  iommu: arm-smmu-v3
  kernel: "6.8"
  groups:
    - id: 1
      regions:
        - { start: 0x8000000, last: 0x80fffff, type: sw-msi }`}
vm: ${over.vm ?? '{ machine: virt, ram: 4GiB }'}
devices: ${over.devices ?? '[{ name: nic0, group: 1 }]'}
timeline: ${over.timeline ?? '[{ start: { devices: [nic0] } }]'}
${over.extra ?? ''}`;

const error = (text: string) => {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('scenario loader', () => {
  it('loads a valid scenario with bigint addresses exactly, including near 2^64', () => {
    const s = parseScenario(base({ host: `  platform: p
  arch: aarch64
  iommu: arm-smmu-v3
  kernel: 5.10
  aperture_bits: 64
  groups:
    - id: 1
      regions:
        - { start: 0xffff_ffff_ffff_f000, last: 0xffff_ffff_ffff_ffff, type: reserved }` }), 'ok.yaml');
    expect(s.host.groups[0]!.regions[0]).toEqual({ start: 0xfffffffffffff000n, last: 0xffffffffffffffffn, type: 'reserved' });
    expect(s.host.kernel).toBe('5.10');
    expect(s.vm.ram).toBe(4n << 30n);
  });

  const cases: Array<[string, string, string]> = [
    ['unknown key with did-you-mean', base({ extra: 'timelines: []' }), "bad.yaml:17:1: scenario: unknown key 'timelines' (did you mean 'timeline'?) — one of: name, title, source, description, counterfactual, host, vm, vmm, vmms, guests, devices, timeline"],
    // src/userspace/: one userspace or a fleet; a userspace driver's IOVAs are its process addresses (dpdk/dpdk:lib/eal/linux/eal_vfio.c, IOVA-as-VA).
    ['vmm and vmms together', base({ extra: 'vmm: qemu\nvmms: [{ name: crosvm }]' }), "bad.yaml:18:7: scenario.vmms: both 'vmm' and 'vmms' — one of 'vmm' (a userspace) or 'vmms' (a weighted fleet)"],
    ['unknown userspace', base({ extra: 'vmm: kvmtool' }), "bad.yaml:17:6: scenario.vmm: 'kvmtool' is not known"],
    ['userspace driver on a guest layout', base({ extra: 'vmm: dpdk' }), "bad.yaml:17:6: scenario.vmm: dpdk maps process addresses (IOVA-as-VA), not a 'virt' guest's RAM — vm.machine: explicit with the driver's memory as ranges"],
    ['last below start', base({ host: '  platform: p\n  arch: aarch64\n  iommu: arm-smmu-v3\n  kernel: "6.8"\n  groups:\n    - id: 1\n      regions:\n        - { start: 0x9000, last: 0x8000, type: msi }' }), 'bad.yaml:13:34: scenario.host.groups[0].regions[0].last: last [0x9000-0x8000] is below start — last >= start (inclusive end)'],
    ['address beyond 64 bits', base({ host: '  platform: p\n  arch: aarch64\n  iommu: arm-smmu-v3\n  kernel: "6.8"\n  groups:\n    - id: 1\n      regions:\n        - { start: 0x1_0000_0000_0000_0000, size: 4KiB, type: msi }' }), "bad.yaml:13:20: scenario.host.groups[0].regions[0].start: '0x1_0000_0000_0000_0000' does not fit in 64 bits — at most 0xffffffffffffffff"],
    ['unknown region type', base({ host: '  platform: p\n  arch: aarch64\n  iommu: arm-smmu-v3\n  kernel: "6.8"\n  groups:\n    - id: 1\n      regions:\n        - { start: 0x8000, size: 4KiB, type: mis }' }), "bad.yaml:13:46: scenario.host.groups[0].regions[0].type: 'mis' is not known (did you mean 'msi'?) — one of: direct, direct-relaxable, reserved, msi, sw-msi"],
    ['unknown group', base({ devices: '[{ name: nic0, group: 9 }]' }), 'bad.yaml:15:32: scenario.devices[0].group: unknown group 9 — one of: 1'],
    ['overlapping RAM', base({ vm: '{ machine: explicit, ranges: [{ start: 0, size: 2GiB }, { start: 1GiB, size: 1GiB }] }' }), 'bad.yaml:14:34: scenario.vm.ranges: RAM ranges [0x0-0x7fffffff] and [0x40000000-0x7fffffff] overlap — disjoint RAM ranges'],
    ['hotplug twice', base({ timeline: '[{ start: { devices: [nic0] } }, { hotplug: nic0 }]' }), "bad.yaml:16:55: scenario.timeline[1].hotplug: device 'nic0' may already be plugged — an unplug before hotplugging it again"],
    ['start not first', base({ timeline: '[{ dma: {} }]' }), "bad.yaml:16:12: scenario.timeline[0]: first event is 'dma' — one 'start' event, first"],
    ['YAML syntax', 'name: [unclosed\n', 'bad.yaml:2:1: YAML syntax'],
    ['buffer size not a page multiple', base({ devices: '[{ name: nic0, group: 1, workload: { buffer_size: 1000 } }]' }), 'bad.yaml:15:60: scenario.devices[0].workload.buffer_size: buffer size 1000 is not a multiple of 4 KiB up to 1 TiB — e.g. 4KiB, 64KiB, 2MiB'],
  ];
  for (const [what, text, message] of cases) {
    it(`rejects ${what} with one precise line`, () => {
      const m = error(text);
      expect(m.split('\n')).toHaveLength(1);
      expect(m.startsWith(message)).toBe(true);
    });
  }
});

describe('built-in scenarios', () => {
  it('all validate, and each names its source', () => {
    const names = builtinScenarioNames();
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const n of names) {
      const s = resolveScenario(n);
      expect(s.name).toBe(n);
      expect(s.source.length).toBeGreaterThan(10);
    }
  });
});

describe('scenarios/REFERENCE.yaml', () => {
  it('is a valid scenario that uses every top-level, host, vm, device and event field', async () => {
    const { readFileSync } = await import('node:fs');
    const { builtinScenarioDir } = await import('../src/scenario/builtin.js');
    const path = `${builtinScenarioDir()}/REFERENCE.yaml`;
    const text = readFileSync(path, 'utf8');
    const s = parseScenario(text, path);
    expect(s.timeline.map((e) => e.kind)).toEqual(['start', 'dma', 'unplug', 'hotplug', 'hotplug', 'memory-hotplug', 'migrate', 'migrate', 'reboot']);
    const keys = (src: string) => [...src.matchAll(/([a-z_0-9-]+):(?:\s|$)/gm)].map((m) => m[1]);
    const loadSource = ['load.ts', 'load-host.ts', 'load-timeline.ts'].map((f) => readFileSync(new URL(`../src/scenario/${f}`, import.meta.url), 'utf8')).join('\n');
    // Every key the loader accepts appears in REFERENCE (commented-out or not).
    const accepted = [...loadSource.matchAll(/(?:map\(\[|readRangeWith\([a-z]+, \[|EVENTS = \[)([^\]]*)\]/g)].flatMap((m) => [...m[1]!.matchAll(/'([a-z_0-9-]+)'/g)].map((x) => x[1]!));
    const documented = new Set(keys(text));
    for (const k of new Set(accepted)) expect(documented.has(k), `REFERENCE.yaml does not document '${k}'`).toBe(true);
  });
});
