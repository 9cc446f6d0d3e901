// npm run bench: the speed and memory targets of doorbell, measured side by
// side in one run. Prints a table and writes results/bench.json.
// Usage: npm run bench [-- --trials N] [-- --no-study]   (default 10000 trials, the default study)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../dist/src/guest/rng.js';
import { WorkingSet, newTally } from '../dist/src/guest/working-set.js';
import { placementFor } from '../dist/src/guest/placement/build.js';
import { sample } from '../dist/src/guest/density.js';
import { buildDangerMap, firstDangerAtOrAfter } from '../dist/src/dma/danger-map.js';
import { IntervalSet } from '../dist/src/model/intervals.js';
import { resolveScenario } from '../dist/src/scenario/builtin.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const studyTrials = Number(arg('--trials', '10000'));
const skipStudy = process.argv.includes('--no-study');
const rows = [];
const record = (name, value, unit, target, ok) => rows.push({ name, value, unit, target, met: ok });

// The D05 NIC: 1024 buffers of 64 KiB over a 4 GiB guest, the doorbell inside.
const d05 = resolveScenario('d05-hw-msi-hotplug');
const group = d05.host.groups[0];
const ram = IntervalSet.of({ start: 0x40000000n, last: 0x13fffffffn });
const map = buildDangerMap({ host: d05.host, group, mapped: ram, swMsiDoorbells: 1 });
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
record('placements/s, engine', Math.round(engine), '/s', '', true);
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

// 3 and 4. The default study (every built-in scenario × every policy) with
//    --jobs 1 and --jobs 2: wall time, speed-up and peak RSS.
function study(jobs) {
  const out = join(root, 'results', `.bench-jobs${jobs}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', join(root, 'scripts/rss-hook.mjs'), join(root, 'dist/src/cli/main.js'), 'run', '--trials', String(studyTrials), '--jobs', String(jobs), '--out', out, '--force'], { encoding: 'utf8' });
  const secs = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(r.stderr);
  const rss = Number(/maxrss-kb (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  return { secs, rss };
}
const one = skipStudy ? { secs: NaN, rss: NaN } : study(1);
const two = skipStudy ? { secs: NaN, rss: NaN } : study(2);
if (!skipStudy) record(`study, ${studyTrials} trials, --jobs 1`, +one.secs.toFixed(2), 's', '', true);
if (!skipStudy) record(`study, ${studyTrials} trials, --jobs 2`, +two.secs.toFixed(2), 's', '<= 10', two.secs <= 10);
if (!skipStudy) record('speed-up 2 jobs', +(one.secs / two.secs).toFixed(2), 'x', '>= 1.6', one.secs / two.secs >= 1.6);
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
writeFileSync(join(root, 'results', 'bench.json'), JSON.stringify({ node: process.version, studyTrials, rows, sink }, null, 2) + '\n');
console.log('\nwritten: results/bench.json');
