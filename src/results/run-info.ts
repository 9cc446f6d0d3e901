// What a run was: written to run.json, read by every renderer. Renderers
// see this and the summary rows, nothing of the engine.

export interface ScenarioInfo {
  readonly name: string;
  readonly title: string;
  readonly source: string;
  readonly description: string;
  /** The --scenario argument that names it: a built-in name or a path. */
  readonly ref: string;
  readonly file: string;
  readonly sha256: string;
  /** Every file the scenario read (itself, host files, migration destinations), with SHA-256. */
  readonly files: readonly { readonly file: string; readonly sha256: string }[];
  readonly hotplugs: number;
  /** The guest mix, e.g. `linux (firmware, runtime)` or `a 1/2, b 1/2 (none)`; absent in runs before 0.2. */
  readonly guests?: string;
}

export interface PolicyInfo {
  readonly id: string;
  readonly name: string;
  readonly position: string;
  readonly heldBy: string;
  readonly arguedAgainstBy?: string;
  readonly status?: string;
  readonly year?: number;
  readonly source: string;
  readonly kernelEra: string;
  /** A policy module's file (as given to --policy) and SHA-256; absent for a built-in. */
  readonly module?: { readonly file: string; readonly sha256: string };
}

/** The host a --host run substituted for every scenario's own: what the report prints instead of their texts. */
export interface HostInfo {
  readonly file: string;
  readonly platform: string;
  readonly kernel: string;
  /** One line per group: `group 3 (nic0): 0x8000000-0x80fffff msi`. */
  readonly regions: readonly string[];
}

/** A file the run read that is not one of doorbell's built-ins: the reproduce block lists its SHA-256. */
export interface InputFile {
  readonly file: string;
  readonly sha256: string;
}

export interface RunInfo {
  readonly doorbell: string;
  /** package.json's repository, when it names one. */
  readonly repository?: string;
  readonly gitCommit: string | undefined;
  /** Tracked files differed from gitCommit when the run was made (absent outside a checkout). */
  readonly gitDirty?: boolean;
  /** Scenario, host and policy files that are not built-ins, with SHA-256 (absent in runs before 0.2). */
  readonly inputs?: readonly InputFile[];
  readonly node: string;
  readonly argv: readonly string[];
  readonly seed: string;
  readonly trials: number;
  /** --scenario / --policy when they narrowed the defaults, in canonical order (the reproduce command repeats them). */
  readonly scenarioFlags: readonly string[];
  readonly policyFlags: readonly string[];
  /** --host, when the run substituted a host. */
  readonly hostFlag?: string;
  /** With --host: that host's platform and regions. */
  readonly host?: HostInfo;
  /** --device NAME=GROUP maps given with --host. */
  readonly deviceFlags?: readonly string[];
  /** --shard: which share this is, of which scenarios (merge checks and joins them). */
  readonly shard?: { readonly index: number; readonly count: number; readonly scenarios: readonly string[] };
  /** --param axes, in flag order (the first is the sweep charts' axis); empty without a sweep. */
  readonly sweep: ReadonlyArray<{ readonly key: string; readonly values: readonly string[] }>;
  readonly scenarios: readonly ScenarioInfo[];
  readonly policies: readonly PolicyInfo[];
  readonly baseline: string;
  readonly trialErrors: number;
  /** SHA-256 of summary.csv and paired.csv as written: `report` and `merge` refuse files that differ. */
  readonly data?: { readonly 'summary.csv': string; readonly 'paired.csv': string };
}

/** The command that reproduces the run, or one scenario of it. */
export function reproduceCommand(info: RunInfo, scenarioRef?: string): string {
  const sweep = info.sweep ?? [];
  const parts = ['doorbell', 'run'];
  const refs = scenarioRef !== undefined ? [scenarioRef] : info.scenarioFlags;
  for (const s of refs) parts.push('--scenario', s);
  for (const p of info.policyFlags) parts.push('--policy', p);
  if (info.hostFlag !== undefined) parts.push('--host', info.hostFlag);
  for (const d of info.deviceFlags ?? []) parts.push('--device', d);
  for (const a of sweep) parts.push('--param', `${a.key}=${a.values.join(',')}`);
  parts.push('--trials', String(info.trials), '--seed', info.seed);
  return parts.join(' ');
}
