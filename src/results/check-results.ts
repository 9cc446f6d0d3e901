// What `report` and `merge` read is checked before anything is rendered:
// run.json has every field the renderers use; summary.csv and paired.csv
// are the files run.json records (SHA-256), hold every expected scenario ×
// point × policy row exactly once, and no count exceeds what it counts.
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { pointLabel, sweepPoints } from '../scenario/params.js';
import { ALEX_WILL_METRICS, type Comparison, METRICS } from './comparisons.js';
import type { SummaryRow } from './model.js';
import type { RunInfo } from './run-info.js';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type Shape = 'string' | 'number' | 'count' | 'strings' | ((v: unknown, path: string) => void);

function checkShape(v: unknown, shape: Record<string, Shape>, path: string, file: string, optional: readonly string[] = []): void {
  const fail = (what: string): never => {
    throw new InputError(`${file}: ${what}`, 'a run.json written by doorbell run or merge');
  };
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(`${path || 'the file'} is not an object`);
  const o = v as Record<string, unknown>;
  for (const [k, s] of Object.entries(shape)) {
    const x = o[k];
    const at = path ? `${path}.${k}` : k;
    if (x === undefined && optional.includes(k)) continue;
    const ok =
      s === 'string' ? typeof x === 'string'
        : s === 'number' ? typeof x === 'number' && Number.isFinite(x)
          : s === 'count' ? Number.isSafeInteger(x) && (x as number) >= 0
            : s === 'strings' ? Array.isArray(x) && x.every((y) => typeof y === 'string')
              : (s(x, at), true);
    if (!ok) fail(`${at} is ${x === undefined ? 'missing' : `not ${s === 'count' ? 'a whole number' : s === 'strings' ? 'a list of strings' : `a ${s}`}`}`);
  }
}

const listOf = (shape: Record<string, Shape>, file: string, optional: readonly string[] = []) => (v: unknown, path: string) => {
  if (!Array.isArray(v)) throw new InputError(`${file}: ${path} is not a list`, 'a run.json written by doorbell run or merge');
  v.forEach((x, i) => checkShape(x, shape, `${path}[${i}]`, file, optional));
};

/** run.json, checked field by field: a complete run's, never an interrupted one's. */
export function parseRunInfo(text: string, file = 'run.json'): RunInfo {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new InputError(`${file}: not valid JSON`, 'a run.json written by doorbell run or merge');
  }
  if (v && typeof v === 'object' && (v as { incomplete?: unknown }).incomplete === true) {
    throw new InputError(`${file}: the run was interrupted and is incomplete`, 'a finished run (continue it with doorbell run --resume DIR)');
  }
  const files = listOf({ file: 'string', sha256: 'string' }, file);
  checkShape(v, {
    doorbell: 'string', node: 'string', argv: 'strings', seed: 'string', trials: 'count', scenarioFlags: 'strings', policyFlags: 'strings', hostFlag: 'string',
    sweep: listOf({ key: 'string', values: 'strings' }, file),
    shard: (x, p) => checkShape(x, { index: 'count', count: 'count', scenarios: 'strings' }, p, file),
    scenarios: listOf({ name: 'string', title: 'string', source: 'string', description: 'string', ref: 'string', file: 'string', sha256: 'string', files, hotplugs: 'count', guests: 'string' }, file, ['files', 'guests']),
    policies: listOf({ id: 'string', name: 'string', position: 'string', heldBy: 'string', source: 'string', kernelEra: 'string', module: (x, p) => checkShape(x, { file: 'string', sha256: 'string' }, p, file) }, file, ['module']),
    baseline: 'string', trialErrors: 'count',
    data: (x, p) => checkShape(x, { 'summary.csv': 'string', 'paired.csv': 'string' }, p, file),
    repository: 'string',
    gitDirty: (x, p) => { if (typeof x !== 'boolean') throw new InputError(`${file}: ${p} is not true or false`, 'a run.json written by doorbell run or merge'); },
    inputs: listOf({ file: 'string', sha256: 'string' }, file),
    host: (x, p) => checkShape(x, { file: 'string', platform: 'string', kernel: 'string', regions: 'strings' }, p, file),
  }, '', file, ['hostFlag', 'shard', 'data', 'sweep', 'gitCommit', 'repository', 'gitDirty', 'inputs', 'host']);
  const info = v as RunInfo;
  if (info.trials < 1) throw new InputError(`${file}: trials is ${info.trials}`, 'at least 1');
  if (info.policies.length === 0 || info.scenarios.length === 0) throw new InputError(`${file}: no ${info.policies.length === 0 ? 'policies' : 'scenarios'}`, 'a run of at least one scenario and one policy');
  if (!info.policies.some((p) => p.id === info.baseline)) throw new InputError(`${file}: baseline '${info.baseline}' is not one of its policies`, 'a run.json written by doorbell run or merge');
  return info;
}

/** The data files are the ones run.json records (when it records them: runs before 0.2 did not). */
export function checkDataHashes(info: RunInfo, data: ReadonlyMap<string, string>, dir = ''): void {
  for (const [name, hash] of Object.entries(info.data ?? {})) {
    const text = data.get(name);
    if (text !== undefined && sha256(text) !== hash) throw new InputError(`${dir}${name}: does not match the SHA-256 that run.json records (edited or cut short)`, 'the file as doorbell wrote it');
  }
}

/** Every scenario × point × policy of the run, as `scenario\0point\0policy`. */
function expectedPairs(info: RunInfo): string[] {
  const points = sweepPoints((info.sweep ?? []).map((a) => ({ key: a.key, values: a.values }))).map(pointLabel);
  return info.scenarios.flatMap((s) => points.flatMap((pt) => info.policies.map((p) => `${s.name}\u0000${pt}\u0000${p.id}`)));
}

export function checkSummary(info: RunInfo, rows: readonly SummaryRow[], file = 'summary.csv'): void {
  const expected = new Set(expectedPairs(info));
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const at = `${file}:${i + 2}`;
    const fail = (what: string, want: string): never => {
      throw new InputError(`${at}: ${what}`, want);
    };
    const key = `${r.scenario}\u0000${r.point}\u0000${r.policy}`;
    const name = `${r.scenario}${r.point ? ` (${r.point})` : ''} × ${r.policy}`;
    if (!expected.has(key)) fail(`${name} is not a pair of this run`, 'rows for the scenarios, points and policies run.json lists');
    if (seen.has(key)) fail(`${name} is there twice`, 'each pair once');
    seen.add(key);
    if (r.trials !== info.trials) fail(`trials is ${r.trials}`, `${info.trials}, as run.json says`);
    if (r.trialsPlayed !== r.trials && (r.trialsPlayed !== 1 || r.deterministic !== true)) fail(`trials_played is ${r.trialsPlayed}`, `${r.trials} (every trial played), or 1 for a pair computed once (deterministic true)`);
    const ok = r.trials - r.errors;
    const counts: Array<[string, number, number]> = [
      ['errors', r.errors, r.trials], ['policy_errors', r.policyErrors, r.errors], ['vm_start_ok', r.vmStart.k, ok],
      ['start_failed_kernel + start_failed_vmm + start_failed_layout', r.startFailedKernel + r.startFailedVmm + r.startFailedLayout, ok],
      ['data_loss_trials', r.dataLoss.k, ok], ['silent_loss_trials', r.silentLoss.k, r.dataLoss.k],
      ['firmware_exposed_trials', r.firmwareExposed.k, ok], ['hotplug_ok', r.hotplug.k, r.hotplugAttempts], ['requests_ok', r.requests.k, r.requests.n],
      ['mem_hotplug_ok', r.memHotplugOk, r.memHotplugAttempts], ['migrations_ok', r.migrationsOk, r.migrations],
      ['hotplug_rejected_kernel + hotplug_aborted_vmm', r.hotplugRejectedKernel + r.hotplugAbortedVmm, r.hotplugAttempts],
    ];
    for (const [col, k, max] of counts) {
      if (!Number.isSafeInteger(k) || k < 0 || k > max) fail(`${col} is ${k}`, `a whole number from 0 to ${max}`);
    }
    for (const [col, v] of [['vm_crashes', r.vmCrashes], ['msi_setup_failures', r.msiSetupFailures], ['refused_kernel', r.refusedKernel], ['refused_vmm', r.refusedVmm], ['hotplug_attempts', r.hotplugAttempts], ['migrations', r.migrations], ['mem_hotplug_attempts', r.memHotplugAttempts], ['requests', r.requests.n]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) fail(`${col} is ${v}`, 'a whole number from 0');
    }
    if (r.silentLossExact !== undefined && !(r.silentLossExact >= 0 && r.silentLossExact <= 1)) fail(`silent_loss_exact is ${r.silentLossExact}`, 'a probability from 0 to 1');
  });
  const missing = [...expected].find((k) => !seen.has(k));
  if (missing) {
    const [s, pt, p] = missing.split('\u0000');
    throw new InputError(`${file}: no row for ${s}${pt ? ` (${pt})` : ''} × ${p}`, 'a row for every scenario, point and policy run.json lists');
  }
  const errors = rows.reduce((t, r) => t + r.errors, 0);
  if (errors !== info.trialErrors) throw new InputError(`${file}: ${errors} trials errored, run.json says ${info.trialErrors}`, 'the summary of the same run');
}

export function checkPaired(info: RunInfo, comparisons: readonly Comparison[], file = 'paired.csv'): void {
  const units = new Set(info.scenarios.flatMap((s) => sweepPoints((info.sweep ?? []).map((a) => ({ key: a.key, values: a.values }))).map((p) => `${s.name}\u0000${pointLabel(p)}`)));
  const ids = new Set(info.policies.map((p) => p.id));
  const seen = new Set<string>();
  comparisons.forEach((c, i) => {
    const fail = (what: string, want: string): never => {
      throw new InputError(`${file}:${i + 2}: ${what}`, want);
    };
    if (!units.has(`${c.scenario}\u0000${c.point}`) || !ids.has(c.first) || !ids.has(c.second)) fail(`${c.scenario} ${c.first} − ${c.second} is not a comparison of this run`, 'scenarios and policies run.json lists');
    const known = METRICS.includes(c.metric) || ALEX_WILL_METRICS.includes(c.metric) || /^(data|silent)_loss@[a-z0-9-]+$/.test(c.metric);
    if (!known) fail(`metric '${String(c.metric)}'`, `one of ${[...METRICS, ...ALEX_WILL_METRICS].join(', ')}, or data_loss@USERSPACE / silent_loss@USERSPACE`);
    const key = `${c.scenario}\u0000${c.point}\u0000${c.metric}\u0000${c.first}\u0000${c.second}`;
    if (seen.has(key)) fail(`${c.scenario} ${c.metric} ${c.first} − ${c.second} is there twice`, 'each comparison once');
    seen.add(key);
    if (![c.a, c.b, c.c, c.d].every((x) => Number.isSafeInteger(x) && x >= 0) || c.a + c.b + c.c + c.d > info.trials) {
      fail(`both, first_only, second_only, neither are ${c.a}, ${c.b}, ${c.c}, ${c.d}`, `whole numbers adding up to at most ${info.trials} trials`);
    }
  });
}
