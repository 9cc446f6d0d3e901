// Which IOMMU group each assigned device is in: `--device NAME=GROUP` first,
// then the host's own device lists (sysfs iommu_groups/N/devices), then the
// only group of a one-group host. Anything else is a one-line error.
import { InputError } from '../errors.js';
import type { Host } from '../model/host.js';
import type { CheckDevice } from './verdict.js';
import type { VmDevice } from './vm-input.js';

export { parseDeviceFlags } from '../scenario/device-map.js';

export function assignGroups(devices: readonly VmDevice[], host: Host, flags: ReadonlyMap<string, number>, hostName: string): { devices: CheckDevice[]; notes: string[] } {
  const notes: string[] = [];
  const ids = host.groups.map((g) => g.id);
  for (const [name, group] of flags) {
    if (!devices.some((d) => d.name === name || d.bdf === name)) throw new InputError(`--device ${name}=${group}: the VM has no device '${name}'`, devices.length ? `one of: ${devices.map((d) => d.name).join(', ')}` : 'a VM with vfio-pci devices');
    if (!ids.includes(group)) throw new InputError(`--device ${name}=${group}: ${hostName} has no IOMMU group ${group}`, `one of: ${ids.join(', ')}`);
  }
  const out = devices.map((d): CheckDevice => {
    const flagged = flags.get(d.name) ?? flags.get(d.bdf);
    if (flagged !== undefined) return { name: d.name, bdf: d.bdf, group: flagged };
    const listed = host.groups.find((g) => g.devices.includes(d.bdf));
    if (listed) return { name: d.name, bdf: d.bdf, group: listed.id };
    if (host.groups.length === 1) {
      notes.push(`${d.name} (${d.bdf}) put in group ${ids[0]}, the host's only group`);
      return { name: d.name, bdf: d.bdf, group: ids[0]! };
    }
    throw new InputError(`device ${d.name} (${d.bdf}) is in no group ${hostName} lists`, `--device ${d.name}=GROUP with one of: ${ids.join(', ')}`, d.at);
  });
  return { devices: out, notes };
}
