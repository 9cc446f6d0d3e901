// doorbell run: every scenario × policy pair, seeded trials, a results directory.
import { createHash } from 'node:crypto';
import { Presets, SingleBar } from 'cli-progress';
import { join } from 'node:path';
import { defineCommand } from '../define.js';
import { InputError } from '../../errors.js';
import { BASELINE } from '../../../policies/registry.js';
import { resolvePolicyList } from '../../engine/policies.js';
import { Interrupted } from '../../engine/study.js';
import { defaultJobs, runStudyParallel } from '../../engine/parallel.js';
import { LIMITS } from '../../scenario/load.js';
import { applyPoint, parseSweep, sweepPoints } from '../../scenario/params.js';
import { builtinScenarioNames, resolveScenarios } from '../../scenario/builtin.js';
import { RUN_DEFAULTS } from '../../defaults.js';
import { buildRunFiles } from '../../results/run-files.js';
import { compare } from '../../results/comparisons.js';
import type { RunInfo } from '../../results/run-info.js';
import { summaryRecord } from '../../render/csv.js';
import { ResultsDir, checkWritable } from '../output.js';
import { Checkpoint, loadCheckpoint } from '../checkpoint.js';
import { TrialsCsvWriter } from '../../render/trials-csv.js';
import { doorbellVersion, gitCommit } from '../meta.js';

export function parseTrials(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isSafeInteger(n) || n < 1 || n > 10_000_000) throw new InputError(`--trials: '${String(v)}' is not a trial count`, 'a whole number from 1 to 10000000');
  return n;
}

function progressBar(total: number): SingleBar {
  const bar = new SingleBar({ format: 'doorbell [{bar}] {value}/{total} scenario × policy pairs, {eta_formatted} left', stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
  bar.start(total, 0);
  return bar;
}

/** Flags that take no value: dropping one drops no following word. */
const BOOLEAN_FLAGS = new Set(['--force', '--quiet', '--json', '--keep-trials']);

/** argv less the named flags (and their values). */
function withoutFlags(argv: readonly string[], flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.split('=')[0]!;
    if (!flags.includes(name)) out.push(a);
    else if (!a.includes('=') && !BOOLEAN_FLAGS.has(name)) i++;
  }
  return out;
}

/** argv without the flags that change only where and how a run writes, so that shards merged, or a run with another --jobs, record the same run.json. */
export function resultArgv(argv: readonly string[]): string[] {
  return withoutFlags(argv, ['--out', '--force', '--jobs', '--quiet', '--json', '--shard', '--keep-trials', '--resume']);
}

export function parseShard(v: unknown): { index: number; count: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^([0-9]{1,4})\/([0-9]{1,4})$/.exec(String(v));
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new InputError(`--shard: '${String(v)}' is not a shard`, 'I/N with 1 <= I <= N, e.g. 2/8');
  return { index, count };
}

export function parseJobs(v: unknown): number {
  if (v === undefined) return defaultJobs();
  const n = Number(String(v));
  if (!/^[0-9]{1,3}$/.test(String(v)) || n < 1 || n > 256) throw new InputError(`--jobs: '${String(v)}' is not a job count`, 'a whole number from 1 to 256');
  return n;
}

export function parseSeed(v: unknown): string {
  const s = String(v);
  if (!/^[0-9]{1,15}$/.test(s)) throw new InputError(`--seed: '${s}' is not a seed`, 'a whole number from 0 to 999999999999999');
  return String(Number(s));
}

export default defineCommand({
  command: 'run',
  describe: 'Run scenarios × policies and write CSV, charts and reports',
  builder: (y) =>
    y
      .option('scenario', { type: 'string', array: true, describe: 'built-in name or path to a .yaml (repeatable; default: all built-ins)' })
      .option('policy', { type: 'string', array: true, describe: 'NAME[:key=value,...] (repeatable; default: all)' })
      .option('trials', { type: 'string', default: String(RUN_DEFAULTS.trials), describe: 'trials per scenario × policy' })
      .option('seed', { type: 'string', default: RUN_DEFAULTS.seed, describe: 'run seed (same seed ⇒ same bytes)' })
      .option('host', { type: 'string', describe: 'host YAML file to substitute for every scenario\'s own host' })
      .option('out', { type: 'string', describe: 'results directory (default: results/<run-id>)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing results directory' })
      .option('json', { type: 'boolean', default: false, describe: 'also print the summary rows as JSON on stdout' })
      .option('param', { type: 'string', array: true, describe: 'sweep a scenario parameter: KEY=V1,V2,... (repeatable; cartesian product)' })
      .option('resume', { type: 'string', describe: 'DIR: finish the interrupted run left in DIR (same flags as it had)' })
      .option('shard', { type: 'string', describe: 'I/N: run the I-th of N deterministic shares of the scenarios (merge with doorbell merge)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress bar and no closing summary on stderr' })
      .option('jobs', { type: 'string', describe: 'worker threads (default: the number of cores); outputs are the same for every value' })
      .option('keep-trials', { type: 'boolean', default: false, describe: 'also write trials.csv, one row per scenario × policy × trial' }),
  async run(args) {
    const trials = parseTrials(args.trials);
    const seed = parseSeed(args.seed);
    const scenarioFlags = (args.scenario ?? []).map(String);
    const policyFlags = (args.policy ?? []).map(String);
    const jobs = parseJobs(args.jobs);
    const sweepFlags = (args.param ?? []).map(String);
    const sweep = parseSweep(sweepFlags);
    const points = sweepPoints(sweep);
    const loaded = resolveScenarios(scenarioFlags.length ? scenarioFlags : builtinScenarioNames(), args.host);
    const shard = parseShard(args.shard);
    const allScenarios = loaded.map((l) => l.scenario.name);
    if (shard) loaded.splice(0, loaded.length, ...loaded.filter((_, i) => i % shard.count === shard.index - 1));
    const policies = await resolvePolicyList(policyFlags);
    const fingerprint = JSON.stringify([loaded.map((l) => l.scenario.files), policies.map((p) => p.id), sweepFlags, shard ?? null]);
    const runId = `seed${seed}-t${trials}-${createHash('sha256').update(fingerprint).digest('hex').slice(0, 8)}`;
    // What must match for --resume: everything that decides the results (and trials.csv).
    const resumeKey = createHash('sha256').update(JSON.stringify([seed, trials, JSON.parse(fingerprint), Boolean(args.keepTrials)])).digest('hex');
    const resumeDir = args.resume;
    const earlier = resumeDir !== undefined ? loadCheckpoint(resumeDir, resumeKey) : undefined;
    const out = resumeDir ?? args.out ?? join('results', runId);
    if (!resumeDir) checkWritable(out, args.force);

    for (const { scenario } of loaded) for (const p of points) applyPoint(scenario, p); // a point that cannot apply fails now
    for (const { scenario } of loaded) {
      const work = trials * scenario.timeline.length;
      if (work > LIMITS.trialEvents) throw new InputError(`--trials ${trials} × ${scenario.timeline.length} events of ${scenario.name} is ${work} trial events`, `at most ${LIMITS.trialEvents} per scenario and policy`);
    }
    // SIGINT/SIGTERM: stop within a slice; nothing has been written yet, so nothing is left.
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const results = new ResultsDir(out, args.force || resumeDir !== undefined);
    const checkpoint = new Checkpoint(results.path);
    for (const [i, piece] of earlier ?? []) checkpoint.add(i, piece);
    // A progress bar only for a person watching: stderr is a terminal and --quiet is off.
    const bar = process.stderr.isTTY && !args.quiet ? progressBar(loaded.length * policies.length * points.length) : undefined;
    const trialsCsv = args.keepTrials ? new TrialsCsvWriter(results.stream('trials.csv')) : undefined;
    let pairs;
    try {
      const refs = { scenarioRefs: loaded.map((l) => l.ref), hostFlag: args.host, policySpecs: policyFlags, trials, seed, keepTrials: Boolean(args.keepTrials), sweepFlags };
      pairs = await runStudyParallel({ scenarios: loaded.map((l) => l.scenario), policies, trials, seed, points }, refs, jobs, {
        signal: abort.signal,
        ...(earlier ? { done: earlier } : {}),
        onPairDone: (i, piece) => checkpoint.add(i, args.keepTrials ? piece : { row: piece.row, loss: piece.loss, hotplug: piece.hotplug, outcomes: piece.outcomes }),
        ...(bar ? { onPair: (done: number, total: number) => bar.update(done, { total }) } : {}),
        ...(trialsCsv ? { onTrials: (s, p, rs, point) => trialsCsv.write(s.name, p.id, rs, point) } : {}),
      });
    } catch (e) {
      if (!(e instanceof Interrupted) || checkpoint.done === 0) {
        results.abort();
        if (!(e instanceof Interrupted)) throw e;
        process.stderr.write('doorbell: interrupted; nothing was written\n');
        return 130;
      }
      // Keep what is finished, in a directory that says it is incomplete.
      const command = ['doorbell', ...withoutFlags(process.argv.slice(2), ['--out', '--resume', '--force']), '--resume', out].join(' ');
      checkpoint.markIncomplete(resumeKey, loaded.length * policies.length * points.length, command);
      await results.commit({ dropStreams: true });
      process.stderr.write(`doorbell: interrupted; ${checkpoint.done} finished pairs kept in ${out}/ (incomplete); continue with --resume ${out}\n`);
      return 130;
    } finally {
      bar?.stop();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    const rows = pairs.map((p) => p.row);
    const info: RunInfo = {
      doorbell: doorbellVersion(),
      gitCommit: gitCommit(),
      node: process.version,
      argv: resultArgv(process.argv.slice(2)),
      seed,
      trials,
      scenarioFlags,
      policyFlags,
      ...(args.host ? { hostFlag: args.host } : {}),
      sweep: sweep.map((a) => ({ key: a.key, values: [...a.values] })),
      ...(shard ? { shard: { ...shard, scenarios: allScenarios } } : {}),
      scenarios: loaded.map(({ ref, scenario: s }) => ({
        name: s.name, title: s.title, source: s.source, description: s.description, ref, file: s.file, sha256: s.sha256, files: s.files,
        hotplugs: s.timeline.filter((e) => e.kind === 'hotplug').length,
      })),
      policies: policies.map((p) => ({
        id: p.id, name: p.definition.name, position: p.definition.position, heldBy: p.definition.heldBy, source: p.definition.source,
        ...(p.definition.arguedAgainstBy ? { arguedAgainstBy: p.definition.arguedAgainstBy } : {}), ...(p.definition.status ? { status: p.definition.status } : {}),
        kernelEra: p.instance.kernel({ platform: '', arch: 'x86_64', kernel: '0', regions: () => undefined }),
      })),
      baseline: policies.some((p) => p.id === BASELINE) ? BASELINE : policies[0]!.id,
      trialErrors: rows.reduce((s, r) => s + r.errors, 0),
    };
    try {
      results.write(await buildRunFiles(info, rows, compare(pairs, info.baseline)));
      results.remove('checkpoint.jsonl');
      await results.commit();
    } catch (e) {
      results.abort();
      throw e;
    }
    if (args.json) process.stdout.write(JSON.stringify(rows.map(summaryRecord), null, 2) + '\n');
    if (!args.quiet) process.stderr.write(`doorbell: ${rows.length} scenario × policy pairs, ${trials} trials each → ${out}/ (report.txt, report.md, summary.csv, charts/)\n`);
    if (info.trialErrors > 0) {
      process.stderr.write(`doorbell: ${info.trialErrors} trials errored; see report.txt\n`);
      return 1;
    }
    return 0;
  },
});
