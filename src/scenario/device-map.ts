// `run --host FILE --device NAME=GROUP`: a scenario's devices onto the groups
// of another host. A device keeps its group where the host has it; a flag
// moves it; a host with one group, or with as many free groups as the
// scenario has unplaced groups, takes them in order. Every automatic choice
// is returned as a line to print.
import { InputError } from '../errors.js';
import type { Host } from '../model/host.js';
import type { Scenario } from './types.js';

/** `NAME=GROUP` flags → a map (names checked against the scenarios by the caller). */
export function parseDeviceFlags(flags: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of flags) {
    const eq = f.lastIndexOf('=');
    const name = f.slice(0, eq);
    const group = f.slice(eq + 1);
    if (eq <= 0 || !/^[0-9]{1,7}$/.test(group)) throw new InputError(`--device: '${f}' is not NAME=GROUP`, 'a device name and an IOMMU group number, e.g. --device nic0=3');
    if (out.has(name)) throw new InputError(`--device: '${name}' given twice`, 'each device once');
    out.set(name, Number(group));
  }
  return out;
}

export function mapDevicesOnto(s: Scenario, host: Host, hostFile: string, flags: ReadonlyMap<string, number>): { scenario: Scenario; notes: string[] } {
  const ids = host.groups.map((g) => g.id);
  const notes: string[] = [];
  const target = new Map<string, number>();
  for (const d of s.devices) {
    const flagged = flags.get(d.name);
    if (flagged === undefined) continue;
    if (!ids.includes(flagged)) throw new InputError(`--device ${d.name}=${flagged}: ${hostFile} has no IOMMU group ${flagged}`, `one of: ${ids.join(', ')}`);
    target.set(d.name, flagged);
  }
  const unplaced = s.devices.filter((d) => !target.has(d.name) && !ids.includes(d.group));
  // The scenario's groups that the host lacks, each to one free host group, in order.
  const missing = [...new Set(unplaced.map((d) => d.group))].sort((a, b) => a - b);
  const free = ids.filter((id) => ![...target.values()].includes(id) && !s.devices.some((d) => !unplaced.includes(d) && !target.has(d.name) && d.group === id));
  let auto: Map<number, number> | undefined;
  let why = '';
  if (missing.length > 0 && ids.length === 1) {
    auto = new Map(missing.map((g) => [g, ids[0]!]));
    why = "the host's only group";
  } else if (missing.length > 0 && free.length === missing.length) {
    auto = new Map(missing.map((g, i) => [g, free.sort((a, b) => a - b)[i]!]));
    why = 'one free host group per scenario group, in order';
  }
  for (const d of unplaced) {
    const g = auto?.get(d.group);
    if (g === undefined) {
      throw new InputError(`--host ${hostFile}: no IOMMU group ${d.group} for device '${d.name}' of scenario ${s.name}`, `--device ${d.name}=GROUP with one of: ${ids.join(', ')}`);
    }
    target.set(d.name, g);
    notes.push(`${s.name}: ${d.name} (group ${d.group}) → group ${g}, ${why}`);
  }
  if (target.size === 0) return { scenario: s, notes };
  return { scenario: { ...s, devices: s.devices.map((d) => (target.has(d.name) ? { ...d, group: target.get(d.name)! } : d)) }, notes };
}
