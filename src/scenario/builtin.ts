// Built-in scenarios: scenarios/*.yaml beside package.json.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, didYouMean } from '../errors.js';
import { loadScenarioFile, withHost } from './load.js';
import { loadHostFile } from './load-host.js';
import type { Scenario } from './types.js';

/** The package root: the nearest folder above this file with package.json and scenarios/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('doorbell: cannot find the package root (package.json beside scenarios/)');
    dir = up;
  }
}

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
export function resolveScenarios(refs: readonly string[], hostFlag?: string): Array<{ ref: string; scenario: Scenario }> {
  const host = hostFlag ? loadHostFile(resolve(hostFlag), hostFlag) : undefined;
  const loaded = [...new Set(refs)].map((ref) => {
    const s = resolveScenario(ref);
    return { ref, scenario: host ? withHost(s, host.host, host.file, host.sha256) : s };
  });
  const names = new Set<string>();
  for (const { scenario } of loaded) {
    if (names.has(scenario.name)) throw new InputError(`--scenario: two scenarios are named '${scenario.name}'`, 'distinct scenario names');
    names.add(scenario.name);
  }
  return loaded.sort((a, b) => (a.scenario.name < b.scenario.name ? -1 : 1));
}
