// run --host with --device NAME=GROUP, automatic maps, and built-in hosts
// named from a scenario outside the tree.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapDevicesOnto, parseDeviceFlags } from '../src/scenario/device-map.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { host, group, SW_MSI, HW_MSI_D05 } from './helpers/hosts.js';

const ROOT = resolve(__dirname, '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
const tmp = () => mkdtempSync(join(tmpdir(), 'doorbell-devmap-'));

function importEpycOneGroup(): string {
  const out = join(tmp(), 'epyc.yaml');
  expect(cli('import', 'sysfs', 'test/fixtures/sysfs/pasted/epyc-sort-u.txt', '--out', out).status).toBe(0);
  return out;
}

describe('run --host: devices onto the host\'s groups', () => {
  it('a one-group host takes every device, and says so', () => {
    const h = importEpycOneGroup();
    const r = cli('run', '--scenario', 'amd-ht-qemu71', '--host', h, '--policy', 'kernel-rejects', '--trials', '3', '--out', join(tmp(), 'r'), '--json', '--jobs', '2');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`doorbell: --host ${h}: amd-ht-qemu71: vf0 (group 40) → group 0, the host's only group\n`);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ vm_start_ok: 3 });
  });

  it('--device NAME=GROUP moves a device; the run records it for the reproduce command', () => {
    const out = join(tmp(), 'r');
    const r = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--host', 'scenarios/hosts/arm-smmuv3-server.yaml', '--device', 'nic0=4', '--policy', 'kernel-rejects', '--trials', '2', '--out', out, '--quiet');
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'report.txt'), 'utf8')).toContain('--device nic0=4');
  });

  const oneLine: Array<[string[], string]> = [
    [['--device', 'nic0=9'], '--device nic0=9: scenarios/hosts/arm-smmuv3-server.yaml has no IOMMU group 9 — one of: 3, 4'],
    [['--device', 'nic7=3'], "--device nic7=3: no selected scenario has a device 'nic7' — one of: nic0"],
    [['--device', 'nic0'], "--device: 'nic0' is not NAME=GROUP — a device name and an IOMMU group number, e.g. --device nic0=3"],
  ];
  for (const [flags, message] of oneLine) {
    it(`refuses ${flags.join(' ')} in one line`, () => {
      const r = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--host', 'scenarios/hosts/arm-smmuv3-server.yaml', ...flags, '--trials', '1', '--out', join(tmp(), 'r'));
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`doorbell: ${message}\n`);
    });
  }

  it('--device without --host is refused', () => {
    const r = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--device', 'nic0=3', '--trials', '1', '--out', join(tmp(), 'r'));
    expect(r.stderr).toBe("doorbell: --device without --host — --host FILE: --device maps a scenario's devices onto its groups\n");
  });

  it('a host whose groups cannot be chosen names the flag that fixes it', () => {
    const r = cli('run', '--scenario', 'amd-ht-qemu71', '--host', 'scenarios/hosts/arm-smmuv3-server.yaml', '--trials', '1', '--out', join(tmp(), 'r'));
    expect(r.stderr).toBe("doorbell: --host scenarios/hosts/arm-smmuv3-server.yaml: no IOMMU group 40 for device 'vf0' of scenario amd-ht-qemu71 — --device vf0=GROUP with one of: 3, 4\n");
  });
});

describe('mapDevicesOnto', () => {
  const s = resolveScenario('second-group-other-msi');
  it('one free host group per missing scenario group, in order', () => {
    const h = host([group(10, SW_MSI), group(11, SW_MSI, HW_MSI_D05)]);
    const { scenario, notes } = mapDevicesOnto(s, h, 'h.yaml', new Map());
    expect(scenario.devices.map((d) => [d.name, d.group])).toEqual([['disk0', 10], ['nic1', 11]]);
    expect(notes).toEqual(['second-group-other-msi: disk0 (group 1) → group 10, one free host group per scenario group, in order', 'second-group-other-msi: nic1 (group 3) → group 11, one free host group per scenario group, in order']);
  });
  it('devices whose groups the host has keep them; a flag wins', () => {
    const h = host([group(1, SW_MSI), group(3, SW_MSI), group(5, SW_MSI)]);
    expect(mapDevicesOnto(s, h, 'h', new Map()).scenario.devices.map((d) => d.group)).toEqual([1, 3]);
    expect(mapDevicesOnto(s, h, 'h', parseDeviceFlags(['nic1=5'])).scenario.devices.map((d) => d.group)).toEqual([1, 5]);
  });
  it('more free groups than missing ones: no guess', () => {
    const h = host([group(10, SW_MSI), group(11, SW_MSI), group(12, SW_MSI)]);
    expect(() => mapDevicesOnto(s, h, 'h.yaml', new Map())).toThrow(/no IOMMU group 1 for device 'disk0'/);
  });
});

describe('host: builtin:NAME', () => {
  const scenario = (hostLine: string) => {
    const dir = tmp();
    const p = join(dir, 'mine.yaml');
    writeFileSync(p, `name: mine\ntitle: t\nsource: s\ndescription: d\nhost: ${hostLine}\nvm: { machine: virt, ram: 4GiB }\ndevices: [{ name: nic0, group: 3 }]\ntimeline: [{ start: { devices: [] } }, { hotplug: nic0 }]\n`);
    return p;
  };
  it('loads the built-in host from a scenario outside the tree', () => {
    const r = cli('run', '--scenario', scenario('builtin:hisilicon-d05'), '--policy', 'kernel-rejects', '--trials', '2', '--out', join(tmp(), 'r'), '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ hotplug_rejected_kernel: 2 });
  });
  it('an unknown one is refused at its line', () => {
    const p = scenario('builtin:hisilicon-d06');
    const r = cli('validate', p);
    expect(r.stderr).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5:7: scenario.host: no built-in host 'hisilicon-d06' — builtin: and one of: amd-epyc, .*hisilicon-d05, .*\n$`));
  });
});
