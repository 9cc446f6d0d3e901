// doorbell run: every scenario × policy pair, seeded trials, a results directory.
import { createHash } from 'node:crypto';
import { Presets, SingleBar } from 'cli-progress';
import { join, resolve } from 'node:path';
import { defineCommand } from '../define.js';
import { InputError } from '../../errors.js';
import { resolvePolicyList } from '../../engine/policies.js';
import { Interrupted } from '../../engine/study.js';
import { planKey, runStudyParallel } from '../../engine/parallel.js';
import { LIMITS } from '../../scenario/load.js';
import { applyPoint, parseSweep, sweepPoints } from '../../scenario/params.js';
import { simulationOverBudget } from '../../scenario/work-budget.js';
import { builtinScenarioNames, resolveScenarios } from '../../scenario/builtin.js';
import { keepApplicable } from '../../scenario/applicability.js';
import { RUN_DEFAULTS } from '../../defaults.js';
import { dataFiles } from '../../results/run-files.js';
import { compare } from '../../results/comparisons.js';
import { summaryRecord } from '../../render/csv.js';
import { SIMULATE_NOTE, simulatedOnly } from '../../results/model.js';
import { ResultsDir, checkWritable, inspectOut } from '../output.js';
import { Checkpoint, loadCheckpoint } from '../checkpoint.js';
import { TrialsCsvWriter } from '../../render/trials-csv.js';
import { parseJobs, parseSeed, parseShard, parseTrials, shellWord, withoutFlags } from '../run-flags.js';
import { Stop } from '../stop.js';
import { renderInChild } from '../render-process.js';
import { canonicalPolicyFlags, runInfo } from '../run-info-build.js';
import { checkFindApplies, parseFind, runFind } from '../../find/run-find.js';

function progressBar(total: number): SingleBar {
  const bar = new SingleBar({ format: 'doorbell [{bar}] {value}/{total} scenario × policy pairs, {eta_formatted} left', stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
  bar.start(total, 0);
  return bar;
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
      .option('device', { type: 'string', array: true, describe: 'NAME=GROUP: with --host, the host group of a scenario device (repeatable; automatic for a one-group host)' })
      .option('out', { type: 'string', describe: 'results directory (default: results/<run-id>)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing results directory (only one doorbell wrote, or an empty one)' })
      .option('json', { type: 'boolean', default: false, describe: 'also print the summary rows as JSON on stdout' })
      .option('param', { type: 'string', array: true, describe: 'sweep a scenario parameter: KEY=V1,V2,... or KEY=LO..HI[:STEP] (repeatable; cartesian product)' })
      .option('find', { type: 'string', describe: 'KEY=LO..HI[:STEP] (versions: KEY=V1,V2,...): print where each policy\'s outcomes change; writes nothing' })
      .option('resume', { type: 'string', describe: 'DIR: finish the interrupted run left in DIR (same flags as it had)' })
      .option('shard', { type: 'string', describe: 'I/N: run the I-th of N deterministic shares of the scenarios (merge with doorbell merge)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress bar and no closing summary on stderr' })
      .option('jobs', { type: 'string', describe: 'worker threads (default: the number of cores); outputs are the same for every value' })
      .option('keep-trials', { type: 'boolean', default: false, describe: 'also write trials.csv, one row per scenario × policy × trial' })
      .option('simulate', { type: 'boolean', default: false, describe: 'Monte Carlo only: no exact values (exact_note says simulated (--simulate)); with --find, trials decide every threshold' }),
  async run(args) {
    const trials = parseTrials(args.trials);
    const seed = parseSeed(args.seed);
    const scenarioFlags = (args.scenario ?? []).map(String);
    const policyFlags = (args.policy ?? []).map(String);
    const jobs = parseJobs(args.jobs);
    const sweepFlags = (args.param ?? []).map(String);
    const sweep = parseSweep(sweepFlags);
    const points = sweepPoints(sweep);
    const shard = parseShard(args.shard);
    const resumeDir = args.resume;
    if (resumeDir !== undefined && args.out !== undefined && resolve(args.out) !== resolve(resumeDir)) {
      throw new InputError(`--resume ${resumeDir} with --out ${args.out}: a resumed run finishes in its own directory`, 'one of them (--resume DIR alone)');
    }
    const deviceFlags = (args.device ?? []).map(String);
    const loaded = resolveScenarios(scenarioFlags.length ? scenarioFlags : builtinScenarioNames(), args.host, deviceFlags, (note) => process.stderr.write(`doorbell: ${note}\n`));
    // Before --shard splits them: every shard keeps, refuses or leaves out alike (scenario/applicability.ts).
    const swept = keepApplicable(loaded, [...sweep.map((a) => a.key), ...(args.find !== undefined ? [String(args.find).split('=')[0]!] : [])], scenarioFlags.length > 0, args.find !== undefined ? '--find' : '--param', (note) => process.stderr.write(`doorbell: ${note}\n`));
    loaded.splice(0, loaded.length, ...swept);
    if (loaded.length === 0) throw new InputError(`${args.find !== undefined ? '--find' : '--param'}: no selected scenario takes ${[...sweep.map((a) => a.key)].join(', ') || String(args.find)}`, 'a parameter some scenario has');
    for (const { scenario } of loaded) for (const p of points) applyPoint(scenario, p); // a point that cannot apply fails now, in every shard
    for (const { scenario } of loaded) {
      const work = trials * scenario.timeline.length;
      if (work > LIMITS.trialEvents) throw new InputError(`--trials ${trials} × ${scenario.timeline.length} events of ${scenario.name} is ${work} trial events`, `at most ${LIMITS.trialEvents} per scenario and policy`);
      for (const p of points) {
        const over = simulationOverBudget(applyPoint(scenario, p), trials);
        if (over) throw new InputError(...over);
      }
    }
    const allScenarios = loaded.map((l) => l.scenario.name);
    const allRefs = loaded.map((l) => l.ref);
    if (shard) loaded.splice(0, loaded.length, ...loaded.filter((_, i) => i % shard.count === shard.index - 1));
    const policies = await resolvePolicyList(policyFlags);
    if (args.find !== undefined) {
      for (const f of ['param', 'shard', 'resume', 'out', 'keepTrials'] as const) if (args[f] !== undefined && args[f] !== false && !(Array.isArray(args[f]) && args[f].length === 0)) throw new InputError(`--find with --${f === 'keepTrials' ? 'keep-trials' : f}`, '--find alone: it prints thresholds and writes no results directory');
      const req = parseFind(String(args.find));
      checkFindApplies(req, loaded.map((l) => l.scenario));
      for (const l of runFind(req, loaded.map((x) => x.scenario), policies, trials, seed, Boolean(args.simulate))) process.stdout.write(`${l}\n`);
      return 0;
    }
    const simulate = Boolean(args.simulate);
    const fingerprint = JSON.stringify([loaded.map((l) => l.scenario.files), policies.map((p) => (p.module ? [p.id, p.module.sha256] : p.id)), sweepFlags, shard ?? null, ...(deviceFlags.length ? [deviceFlags] : []), ...(simulate ? ['simulate'] : [])]);
    const runId = `seed${seed}-t${trials}-${createHash('sha256').update(fingerprint).digest('hex').slice(0, 8)}`;
    // What must match for --resume: everything that decides the results (and trials.csv).
    const resumeKey = createHash('sha256').update(JSON.stringify([seed, trials, JSON.parse(fingerprint), Boolean(args.keepTrials)])).digest('hex');
    const earlier = resumeDir !== undefined ? loadCheckpoint(resumeDir, resumeKey, loaded.length * policies.length * points.length, trials) : undefined;
    const out = resumeDir ?? args.out ?? join('results', runId);
    if (!resumeDir) checkWritable(out, args.force);

    // From here on a signal stops the work at once and keeps what is finished.
    const stop = new Stop();
    const results = new ResultsDir(out, args.force || resumeDir !== undefined);
    const checkpoint = new Checkpoint(results);
    const total = loaded.length * policies.length * points.length;
    // A progress bar only for a person watching: stderr is a terminal and --quiet is off.
    const bar = process.stderr.isTTY && !args.quiet ? progressBar(total) : undefined;
    let code: number;
    try {
      for (const [i, piece] of earlier ?? []) checkpoint.add(i, piece);
      const trialsCsv = args.keepTrials ? new TrialsCsvWriter(results.stream('trials.csv')) : undefined;
      const plan = { scenarios: loaded.map((l) => l.scenario), policies, trials, seed, points, simulate };
      const refs = { scenarioRefs: loaded.map((l) => l.ref), hostFlag: args.host, deviceFlags, policySpecs: policyFlags, trials, seed, keepTrials: Boolean(args.keepTrials), sweepFlags, planKey: planKey(plan) };
      const computed = await runStudyParallel(plan, refs, jobs, {
        signal: stop.signal,
        ...(earlier ? { done: earlier } : {}),
        onPairDone: (i, piece) => checkpoint.add(i, args.keepTrials ? piece : { row: piece.row, loss: piece.loss, hotplug: piece.hotplug, outcomes: piece.outcomes }),
        ...(bar ? { onPair: (done: number, all: number) => bar.update(done, { total: all }) } : {}),
        ...(trialsCsv ? { onTrials: (s, p, rs, point) => trialsCsv.write(s.name, p.id, rs, point) } : {}),
      });
      bar?.stop();
      // --simulate: every figure from the trials alone (the exact pass is cheap; its values are dropped before anything is written).
      const pairs = simulate ? computed.map((p) => ({ ...p, row: simulatedOnly(p.row, SIMULATE_NOTE) })) : computed;
      const rows = pairs.map((p) => p.row);
      const info = runInfo({
        seed, trials, loaded, policies, sweep, hostFlag: args.host, deviceFlags, rows, simulate,
        scenarioFlags: scenarioFlags.length ? allRefs : [],
        policyFlags: policyFlags.length ? canonicalPolicyFlags(policies) : [],
        ...(shard ? { shard: { ...shard, scenarios: allScenarios } } : {}),
      });
      const data = dataFiles(info, rows, compare(pairs, info.baseline));
      const rendered = await renderInChild(data, stop.signal);
      results.write(new Map<string, string | Buffer>([...data, ...rendered]));
      results.remove('checkpoint.jsonl');
      if (stop.stopped) throw new Interrupted('interrupted');
      await results.commit();
      code = info.trialErrors > 0 ? 1 : 0;
      stop.finished(code);
      if (args.json) process.stdout.write(JSON.stringify(rows.map(summaryRecord), null, 2) + '\n');
      if (info.trialErrors > 0) process.stderr.write(`doorbell: ${info.trialErrors} trials errored; see report-full.txt\n`);
      if (!args.quiet) {
        // The verdict is report.txt's second paragraph (after the subject), printed as the mail has it.
        const verdict = String(rendered.get('report.txt') ?? '').split('\n\n')[1] ?? '';
        process.stderr.write(`doorbell: ${rows.length} scenario × policy pairs, ${trials} trials each → ${out}/\n\n${verdict.trim()}\n\n`);
        process.stderr.write(`doorbell: the report to read and post: ${join(out, 'report.txt')} (detail: report-full.txt, report.md, charts/)\n`);
      }
      return code;
    } catch (e) {
      bar?.stop();
      // Finished work is kept, but never in place of complete results (--force keeps those until it has new ones).
      const over = e instanceof Interrupted ? results.guard(() => inspectOut(out)) : undefined;
      if (!(e instanceof Interrupted) || checkpoint.done === 0 || (over?.kind === 'results' && over.complete)) {
        results.abort();
        if (!(e instanceof Interrupted)) throw e;
        stop.finished(130);
        process.stderr.write(`doorbell: interrupted; nothing was written${over?.kind === 'results' ? ` (${out}/ keeps its earlier results)` : ''}\n`);
        return 130;
      }
      // Keep what is finished, in a directory that says it is incomplete.
      const command = ['doorbell', ...withoutFlags(process.argv.slice(2), ['--out', '--resume', '--force']), '--resume', out].map(shellWord).join(' ');
      try {
        checkpoint.markIncomplete(resumeKey, total, command);
        await results.commit({ dropStreams: true });
      } catch (failure) {
        results.abort();
        throw failure;
      }
      stop.finished(130);
      process.stderr.write(`doorbell: interrupted; ${checkpoint.done} finished pairs kept in ${out}/ (incomplete); continue with --resume ${out}\n`);
      return 130;
    }
  },
});
