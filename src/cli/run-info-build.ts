// run.json of a run: what decides its results, in one canonical order
// whatever the order of the flags, so that the same run gives the same bytes.
import { BASELINE } from '../../policies/registry.js';
import type { ResolvedPolicy } from '../engine/policies.js';
import type { SummaryRow } from '../results/model.js';
import type { RunInfo } from '../results/run-info.js';
import type { SweepAxis } from '../scenario/params.js';
import type { Scenario } from '../scenario/types.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hex } from '../model/addr.js';
import type { Host } from '../model/host.js';
import type { HostInfo, InputFile } from '../results/run-info.js';
import { packageRoot } from '../scenario/builtin.js';
import { doorbellRepository, doorbellVersion, gitCommit, gitDirty } from './meta.js';

/** A file doorbell ships: the same bytes at that path under its package (a user's edited copy is not). */
function isBuiltin(f: InputFile): boolean {
  try {
    return createHash('sha256').update(readFileSync(join(packageRoot(), f.file))).digest('hex') === f.sha256;
  } catch {
    return false;
  }
}

/** Every scenario, host and policy file of the run that doorbell does not ship, once each, by name. */
function inputFiles(f: RunFacts): InputFile[] {
  const all = [...f.loaded.flatMap(({ scenario }) => scenario.files), ...f.policies.flatMap((p) => (p.module ? [p.module] : []))];
  const seen = new Map<string, InputFile>();
  for (const x of all) if (!seen.has(`${x.file}\u0000${x.sha256}`) && !isBuiltin(x)) seen.set(`${x.file}\u0000${x.sha256}`, { file: x.file, sha256: x.sha256 });
  return [...seen.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** The substituted host as the report prints it: platform, kernel, each group's regions. */
export function hostInfo(file: string, host: Host): HostInfo {
  return {
    file, platform: host.platform, kernel: host.kernel,
    regions: host.groups.map((g) => `group ${g.id} (${g.devices.join(', ') || 'no devices'}): ${g.regions.length ? g.regions.map((r) => `${hex(r.start)}-${hex(r.last)} ${r.type}`).join(', ') : 'no reserved regions'}${g.dmaLimitBits === undefined ? '' : `; root complex DMA limit ${g.dmaLimitBits} bits (not reported)`}`),
  };
}

/** `linux (firmware, runtime)`; several profiles with their share. */
function guestMix(s: Scenario): string {
  const total = s.guests.reduce((t, g) => t + g.weight, 0);
  const honours = (g: Scenario['guests'][number]) => `(${g.honours.length ? g.honours.join(', ') : 'no hints'})`;
  if (s.guests.length === 1) return `${s.guests[0]!.name} ${honours(s.guests[0]!)}`;
  return s.guests.map((g) => `${g.name} ${Math.round((100 * g.weight) / total)}% ${honours(g)}`).join(', ');
}

/** The --policy flags that name these policies: a built-in by its id, a module by its path and parameters. */
export function canonicalPolicyFlags(policies: readonly ResolvedPolicy[]): string[] {
  return policies.map((p) => (p.module ? `${p.module.file}${p.id.slice(p.definition.name.length)}` : p.id));
}

/** The era a policy names for a host it knows nothing of, for the report; a policy that fails here says so. */
function kernelEra(p: ResolvedPolicy): string {
  try {
    const era: unknown = p.instance.kernel({ platform: '', arch: 'x86_64', kernel: '0', regions: () => undefined });
    return typeof era === 'string' ? era : `policy-error: kernel() returned ${typeof era}`;
  } catch (e) {
    return `policy-error: kernel() threw: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
  }
}

export interface RunFacts {
  readonly seed: string;
  readonly trials: number;
  readonly loaded: ReadonlyArray<{ ref: string; scenario: Scenario }>;
  readonly policies: readonly ResolvedPolicy[];
  readonly sweep: readonly SweepAxis[];
  readonly hostFlag: string | undefined;
  readonly deviceFlags: readonly string[];
  readonly rows: readonly SummaryRow[];
  /** Canonical: scenario refs in scenario-name order, policies in registry order; empty for the defaults. */
  readonly scenarioFlags: readonly string[];
  readonly policyFlags: readonly string[];
  readonly shard?: { readonly index: number; readonly count: number; readonly scenarios: readonly string[] };
  /** --simulate: no exact values. */
  readonly simulate?: boolean;
}

export function runInfo(f: RunFacts): RunInfo {
  // argv: the flags that decide results, in canonical order (not as typed).
  const argv = [
    'run',
    ...f.scenarioFlags.flatMap((s) => ['--scenario', s]),
    ...f.policyFlags.flatMap((p) => ['--policy', p]),
    ...(f.hostFlag !== undefined ? ['--host', f.hostFlag] : []),
    ...f.deviceFlags.flatMap((d) => ['--device', d]),
    ...f.sweep.flatMap((a) => ['--param', `${a.key}=${a.values.join(',')}`]),
    '--trials', String(f.trials), '--seed', f.seed,
    ...(f.simulate ? ['--simulate'] : []),
  ];
  const repository = doorbellRepository();
  const dirty = gitDirty();
  return {
    doorbell: doorbellVersion(),
    ...(repository !== undefined ? { repository } : {}),
    gitCommit: gitCommit(),
    ...(dirty !== undefined ? { gitDirty: dirty } : {}),
    inputs: inputFiles(f),
    node: process.version,
    argv,
    seed: f.seed,
    trials: f.trials,
    scenarioFlags: f.scenarioFlags,
    policyFlags: f.policyFlags,
    ...(f.hostFlag !== undefined ? { hostFlag: f.hostFlag } : {}),
    ...(f.hostFlag !== undefined && f.loaded[0] ? { host: hostInfo(f.hostFlag, f.loaded[0].scenario.host) } : {}),
    ...(f.deviceFlags.length ? { deviceFlags: f.deviceFlags } : {}),
    sweep: f.sweep.map((a) => ({ key: a.key, values: [...a.values] })),
    ...(f.shard ? { shard: f.shard } : {}),
    scenarios: f.loaded.map(({ ref, scenario: s }) => ({
      name: s.name, title: s.title, source: s.source, description: s.description, ref, file: s.file, sha256: s.sha256, files: s.files,
      hotplugs: s.timeline.filter((e) => e.kind === 'hotplug').length, guests: guestMix(s),
    })),
    policies: f.policies.map((p) => ({
      id: p.id, name: p.definition.name, position: p.definition.position, heldBy: p.definition.heldBy, source: p.definition.source,
      ...(p.definition.arguedAgainstBy ? { arguedAgainstBy: p.definition.arguedAgainstBy } : {}), ...(p.definition.status ? { status: p.definition.status } : {}),
      ...(p.definition.year !== undefined ? { year: p.definition.year } : {}),
      kernelEra: kernelEra(p),
      ...(p.module ? { module: p.module } : {}),
    })),
    baseline: f.policies.some((p) => p.id === BASELINE) ? BASELINE : f.policies[0]!.id,
    trialErrors: f.rows.reduce((s, r) => s + r.errors, 0),
  };
}
