// npm run bench: the speed and memory targets of doorbell, measured side by
// side in one run. Prints a table and writes results/bench.json.
// Usage: npm run bench [-- --trials N] [-- --no-study]   (default 1000 trials, the default study)
// Figures from a loaded machine are slower than the code: read them beside the load average printed with them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../dist/src/guest/rng.js';
import { WorkingSet, newTally } from '../dist/src/guest/working-set.js';
import { placementFor } from '../dist/src/guest/placement/build.js';
import { sample } from '../dist/src/guest/density.js';
import { buildDangerMap, firstDangerAtOrAfter } from '../dist/src/dma/danger-map.js';
import { IntervalSet } from '../dist/src/model/intervals.js';
import { resolveScenario, builtinScenarioNames } from '../dist/src/scenario/builtin.js';
import { allPolicies } from '../dist/src/engine/policies.js';
import { exactLossAndReach } from '../dist/src/engine/exact.js';
import { lossRanges } from '../dist/src/engine/sensitivity.js';
import { runTrial } from '../dist/src/engine/trial.js';
import { growthRows } from './bench-growth.mjs';
import { createHash } from 'node:crypto';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const studyTrials = Number(arg('--trials', '1000'));
const skipStudy = process.argv.includes('--no-study');
const rows = [];
const loadAtStart = loadavg().map((x) => +x.toFixed(2));
const record = (name, value, unit, target, ok) => rows.push({ name, value, unit, target, met: ok });

// The D05 NIC: 1024 buffers of 64 KiB over a 4 GiB guest, the doorbell inside.
const d05 = resolveScenario('d05-hw-msi-hotplug');
const group = d05.host.groups[0];
const ram = IntervalSet.of({ start: 0x40000000n, last: 0x13fffffffn });
const map = buildDangerMap({ host: d05.host, group, mapped: ram, swMsiDoorbells: IntervalSet.EMPTY });
const place = placementFor(ram, { arch: 'arm64', buffers: 1024, pages: 16, profile: 'steady-state', alignment: 'page', lowBias: 0 });

// 1. Placements checked per second: the engine against a bare loop with the
//    same PRNG and a binary search over the same sorted arrays, nothing else.
/** Rate of fn's units per second: best of 5 runs of minMs each, after a warm-up run (JIT). */
function timeIt(fn, minMs = 600) {
  let best = 0;
  for (let rep = 0; rep < 6; rep++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < minMs) n += fn();
    const rate = n / ((performance.now() - t0) / 1000);
    if (rep > 0 && rate > best) best = rate;
  }
  return best;
}
const engine = timeIt(() => {
  const set = new WorkingSet(1024, 16, 1);
  set.allocate(new Rng('bench'), place, map, newTally());
  return 1024;
});
let sink = 0;
const bare = timeIt(() => {
  const rng = new Rng('bench');
  for (let i = 0; i < 1024; i++) {
    const p = sample(rng, place.density, 1);
    const k = firstDangerAtOrAfter(map, p);
    if (k < map.firstPage.length && map.firstPage[k] <= p + 15) sink++;
  }
  return 1024;
});
// The engine draws one by one only the buffers that land over danger (guest/working-set.ts): its rate counts every buffer placed.
record('placements/s, engine (buffers placed)', Math.round(engine), '/s', '', true);
record('placements/s, bare loop', Math.round(bare), '/s', '', true);
record('engine / bare', +(engine / bare).toFixed(3), 'ratio', '>= 0.5', engine / bare >= 0.5);

// 2. A DMA phase of 10^9 operations against one of 10^3: counts are drawn
//    from the exact distribution, not operation by operation.
function phase(ops) {
  return 1e3 / timeIt(() => {
    const set = new WorkingSet(1024, 16, 1);
    const rng = new Rng('phase');
    set.allocate(rng, place, map, newTally());
    set.runPhase(rng, ops, 8, 0.125, place, map, newTally());
    return 1;
  });
}
const small = phase(1e3);
const big = phase(1e9);
record('phase of 1e3 ops', +small.toFixed(3), 'ms', '', true);
record('phase of 1e9 ops', +big.toFixed(3), 'ms', '', true);
record('1e9 / 1e3', +(big / small).toFixed(3), 'ratio', '< 2', big / small < 2);

// 3 and 4. The default study (every built-in scenario × every policy): wall
//    time with --jobs 1, 2 and 3, speed-up, peak RSS, and the output's
//    hashes (byte-identical whatever --jobs). The machine may be shared: the
//    load average is recorded beside every figure (bench.json).
const hashes = (dir) => Object.fromEntries(['summary.csv', 'paired.csv'].map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
function study(jobs, trials, extra = []) {
  const out = join(root, 'results', `.bench-jobs${jobs}`);
  const load = loadavg()[0];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', join(root, 'scripts/rss-hook.mjs'), join(root, 'dist/src/cli/main.js'), 'run', '--trials', String(trials), '--jobs', String(jobs), '--out', out, '--force', '--quiet', ...extra], { encoding: 'utf8' });
  const secs = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(r.stderr);
  const rss = Number(/maxrss-kb (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  // CPU of the run's process, its worker threads included (not the child that renders the reports).
  const cpuSecs = Number(/cpu-us (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1e6;
  const h = hashes(out);
  // The reports and charts alone, from the CSVs (`doorbell report`): the part of the run's wall time after the trials, on one process.
  const r0 = performance.now();
  const rendered = spawnSync(process.execPath, [join(root, 'dist/src/cli/main.js'), 'report', out], { encoding: 'utf8' });
  const renderSecs = (performance.now() - r0) / 1000;
  if (rendered.status !== 0) throw new Error(rendered.stderr);
  rmSync(out, { recursive: true, force: true });
  return { secs, cpuSecs, rss, h, renderSecs, load: +((load + loadavg()[0]) / 2).toFixed(2) };
}
const none = { secs: NaN, cpuSecs: NaN, rss: NaN, h: {}, renderSecs: NaN, load: NaN };
const one = skipStudy ? none : study(1, studyTrials);
const two = skipStudy ? none : study(2, studyTrials);
const three = skipStudy ? none : study(3, studyTrials);
// Simulation only (--simulate: every trial played, no pair computed once): the parallel speed-up of the trials themselves.
const simOne = skipStudy ? none : study(1, studyTrials, ['--simulate']);
const simTwo = skipStudy ? none : study(2, studyTrials, ['--simulate']);
// The exact engine over the same study (issue 18): every pair's exact loss, then its ranges over the assumption space.
const pairs = builtinScenarioNames().map(resolveScenario).flatMap((s) => allPolicies().map((p) => [s, p.instance]));
// CPU time of this thread (process.cpuUsage): on a shared machine wall time counts the others' work too.
const cpu = (fn) => { const c = process.cpuUsage(); fn(); const d = process.cpuUsage(c); return (d.user + d.system) / 1e6; };
let facts = 0;
let once = 0;
const played = [];
const exactSecs = cpu(() => {
  for (const [s, p] of pairs) {
    const e = exactLossAndReach(s, p);
    if (e?.deterministic) facts++;
    if (e?.fact) once++; // played once in a run (engine/fact.ts)
    else played.push([s, p]);
  }
});
const rangeSecs = cpu(() => { for (const [s, p] of pairs) lossRanges(s, p); });
// 10,000 trials of every pair on this thread, extrapolated from `perPair` trials each (each trial has its own seed: the cost is linear).
const perPair = 30;
const simSecs = cpu(() => { for (const [s, p] of pairs) for (let t = 0; t < perPair; t++) runTrial({ scenario: s, policy: p, seed: 'bench', trial: t }); }) * (10000 / perPair);
// What a default run still simulates: the trials of the pairs not computed once, at the study's trial count.
const playedSecs = cpu(() => { for (const [s, p] of played) for (let t = 0; t < perPair; t++) runTrial({ scenario: s, policy: p, seed: 'bench', trial: t }); }) * (studyTrials / perPair);
record(`exact loss, ${pairs.length} pairs (${facts} deterministic, ${once} computed once), CPU`, +exactSecs.toFixed(3), 's', '', true);
record('loss ranges over the assumption space, CPU', +rangeSecs.toFixed(2), 's', '', true);
record(`${studyTrials} trials of the ${played.length} pairs not computed once, one thread, CPU (from ${perPair} per pair)`, +playedSecs.toFixed(1), 's', '', true);
record(`10,000-trial simulation, one thread, CPU (from ${perPair} trials per pair)`, +simSecs.toFixed(1), 's', '', true);
record('issue 18: exact engine vs 10,000-trial simulation (CPU)', +(simSecs / exactSecs).toFixed(1), 'x', '>= 50', simSecs / exactSecs >= 50);
if (!skipStudy) {
  record(`study, ${studyTrials} trials, --jobs 1 (load ${one.load})`, +one.secs.toFixed(2), 's', '', true);
  record(`study, ${studyTrials} trials, --jobs 1, CPU of the run`, +one.cpuSecs.toFixed(2), 's', '', true);
  record('reports and charts of that run (doorbell report), wall', +one.renderSecs.toFixed(2), 's', '', true);
  record(`study, ${studyTrials} trials, --jobs 2 (load ${two.load})`, +two.secs.toFixed(2), 's', '', true);
  record(`study, ${studyTrials} trials, --jobs 2, CPU of the run`, +two.cpuSecs.toFixed(2), 's', '', true);
  record(`study, ${studyTrials} trials, --jobs 3 (load ${three.load})`, +three.secs.toFixed(2), 's', '', true);
  record(`study, ${studyTrials} trials, --jobs 3, CPU of the run`, +three.cpuSecs.toFixed(2), 's', '', true);
  // Issue 18's first target: the whole run as it is (every trial simulated, exact values and ranges beside them) with a 1,000-trial sample.
  record(`issue 18: default study, ${studyTrials} trials, --jobs 2 (exact + cross-check)`, +two.secs.toFixed(2), 's', '<= 3', studyTrials <= 1000 && two.secs <= 3);
  record(`study, ${studyTrials} trials, --simulate, --jobs 1 (load ${simOne.load})`, +simOne.secs.toFixed(2), 's', '', true);
  record(`study, ${studyTrials} trials, --simulate, --jobs 2 (load ${simTwo.load})`, +simTwo.secs.toFixed(2), 's', '', true);
  record('issue 18: speed-up --jobs 2 over --jobs 1, simulation only', +(simOne.secs / simTwo.secs).toFixed(2), 'x', '>= 1.7', simOne.secs / simTwo.secs >= 1.7);
  record('speed-up --jobs 2 over --jobs 1, default run', +(one.secs / two.secs).toFixed(2), 'x', '', true);
  record('default run against --simulate, --jobs 2', +(simTwo.secs / two.secs).toFixed(2), 'x', '', true);
  const same = JSON.stringify(one.h) === JSON.stringify(two.h) && JSON.stringify(one.h) === JSON.stringify(three.h);
  record(`issue 18: same summary.csv and paired.csv, --jobs 1/2/3 (sha256 ${one.h['summary.csv']?.slice(0, 12)})`, same ? 1 : 0, 'same', '= 1', same);
}

// Cost growth (issue 18): each cost at two points a decade apart, and the ratio (scripts/bench-growth.mjs).
const noChecks = allPolicies().find((p) => p.id === 'no-checks-2016').instance;
for (const [name, ratio] of growthRows(noChecks)) record(name, +ratio.toFixed(2), 'ratio', '', true);
if (!skipStudy) record('peak RSS, --jobs 2', Math.round(two.rss), 'MB', '< 400', two.rss < 400);
if (!skipStudy) record('peak RSS, --jobs 1', Math.round(one.rss), 'MB', '< 400', one.rss < 400);

// 5. Ctrl-C honoured within a second: SIGINT to a run while its trials run
//    (a slow policy in the worker), and while it renders its reports.
async function stopLatency(args, ready) {
  const parent = mkdtempSync(join(tmpdir(), 'doorbell-bench-stop-'));
  const child = spawn(process.execPath, [join(root, 'dist/src/cli/main.js'), ...args, '--out', join(parent, 'r')], { cwd: root, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  let done = false;
  exited.then(() => (done = true));
  while (!done && !ready(parent)) await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  child.kill('SIGINT');
  await exited;
  rmSync(parent, { recursive: true, force: true });
  return performance.now() - t0;
}
const partial = (p) => readdirSync(p).find((n) => n.includes('.partial-'));
const pairsDone = (p) => (partial(p) && existsSync(join(p, partial(p), 'checkpoint.jsonl')) ? readFileSync(join(p, partial(p), 'checkpoint.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0);
let started;
const inTrials = await stopLatency(['run', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'test/fixtures/policies/sleeper.mjs', '--trials', '1000', '--jobs', '1'], (p) => {
  if (partial(p) && started === undefined) started = performance.now();
  return started !== undefined && performance.now() - started > 700;
});
const inRendering = await stopLatency(['run', '--scenario', 'd05-hw-msi-hotplug', '--trials', '50', '--jobs', '1'], (p) => pairsDone(p) >= 5);
record('stop during trials (policy mid-call)', Math.round(inTrials), 'ms', '< 1000', inTrials < 1000);
record('stop during rendering', Math.round(inRendering), 'ms', '< 1000', inRendering < 1000);

const w = Math.max(...rows.map((r) => r.name.length));
console.log(`${'measure'.padEnd(w)}  ${'value'.padStart(12)}  unit   target   met`);
for (const r of rows) console.log(`${r.name.padEnd(w)}  ${String(r.value).padStart(12)}  ${r.unit.padEnd(5)}  ${r.target.padEnd(7)}  ${r.target ? (r.met ? 'yes' : 'NO') : ''}`);
mkdirSync(join(root, 'results'), { recursive: true });
writeFileSync(join(root, 'results', 'bench.json'), JSON.stringify({ node: process.version, cores: cpus().length, loadAtStart, load: loadavg().map((x) => +x.toFixed(2)), studyTrials, rows, sink }, null, 2) + '\n');
console.log(`${cpus().length} cores, load average ${loadAtStart.join(' ')} at the start, ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end`);
if (loadAtStart[0] > cpus().length) console.log('the machine was loaded by other work: wall times are longer than the code alone needs');
console.log('\nwritten: results/bench.json');
