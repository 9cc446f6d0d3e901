// Built-in scenarios: scenarios/*.yaml beside package.json.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from './package-root.js';
import { InputError, didYouMean } from '../errors.js';
import { loadScenarioFile, withHost } from './load.js';
import { loadHostFile } from './load-host.js';
import { mapDevicesOnto, parseDeviceFlags } from './device-map.js';
import type { Scenario } from './types.js';

export { packageRoot } from './package-root.js';

export function builtinScenarioDir(): string {
  return join(packageRoot(), 'scenarios');
}

export function builtinScenarioNames(): string[] {
  return readdirSync(builtinScenarioDir())
    .filter((f) => f.endsWith('.yaml') && f !== 'REFERENCE.yaml')
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** A built-in name, or a path to a YAML file. */
export function resolveScenario(ref: string): Scenario {
  const looksLikePath = ref.includes('/') || ref.endsWith('.yaml') || ref.endsWith('.yml');
  if (looksLikePath) return loadScenarioFile(resolve(ref), ref);
  const names = builtinScenarioNames();
  if (!names.includes(ref)) {
    throw new InputError(`--scenario: unknown scenario '${ref}'${didYouMean(ref, names)}`, `a built-in (${names.join(', ')}) or a path to a .yaml file`);
  }
  return loadScenarioFile(join(builtinScenarioDir(), `${ref}.yaml`), `scenarios/${ref}.yaml`);
}

/**
 * The scenarios of a run, in the one canonical order (by name) that every
 * process of the run (main thread, workers, shards) shares; with a host file,
 * each scenario runs on that host instead of its own.
 */
export function resolveScenarios(refs: readonly string[], hostFlag?: string, deviceFlags: readonly string[] = [], onNote?: (line: string) => void): Array<{ ref: string; scenario: Scenario }> {
  const host = hostFlag ? loadHostFile(resolve(hostFlag), hostFlag) : undefined;
  const devices = parseDeviceFlags(deviceFlags);
  if (devices.size > 0 && !host) throw new InputError('--device without --host', '--host FILE: --device maps a scenario\'s devices onto its groups');
  const loaded = [...new Set(refs)].map((ref) => {
    const s = resolveScenario(ref);
    if (!host) return { ref, scenario: s };
    const mapped = mapDevicesOnto(s, host.host, host.file, devices);
    for (const n of mapped.notes) onNote?.(`--host ${host.file}: ${n}`);
    return { ref, scenario: withHost(mapped.scenario, host.host, host.file, host.sha256) };
  });
  for (const name of devices.keys()) {
    if (!loaded.some((l) => l.scenario.devices.some((d) => d.name === name))) {
      throw new InputError(`--device ${name}=${devices.get(name)}: no selected scenario has a device '${name}'`, `one of: ${[...new Set(loaded.flatMap((l) => l.scenario.devices.map((d) => d.name)))].join(', ')}`);
    }
  }
  const names = new Set<string>();
  for (const { scenario } of loaded) {
    if (names.has(scenario.name)) throw new InputError(`--scenario: two scenarios are named '${scenario.name}'`, 'distinct scenario names');
    names.add(scenario.name);
  }
  return loaded.sort((a, b) => (a.scenario.name < b.scenario.name ? -1 : 1));
}
