// Issue 17 item 2: Ctrl-C and SIGTERM stop a run in every phase (trials,
// exact computation, rendering, writing), on the main thread and in
// workers, and what a stop leaves is either nothing or an incomplete
// directory that --resume completes byte for byte. No assertion here is
// timed: the test's own timeout catches a run that does not stop.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { POLICIES } from '../policies/registry.js';
import { POL, checkpointLines, cli, oneLine, partials, snapshot, start, tmp, until } from './helpers/cli.js';

const ARGS = ['run', '--scenario', 'd05-hw-msi-hotplug', '--scenario', 'p2p-bridge-window', '--trials', '3000', '--keep-trials', '--quiet'];
// Two scenarios × every built-in policy.
const PAIRS = 2 * POLICIES.length;
let reference: Record<string, string>;

beforeAll(() => {
  const dir = tmp();
  const r = cli(...ARGS, '--out', join(dir, 'whole'));
  expect(r.status, r.stderr).toBe(0);
  reference = snapshot(join(dir, 'whole'));
}, 120_000);

type When = { what: string; jobs: string; sig?: NodeJS.Signals } & ({ lines: number } | { afterMs: number });

/** Starts the run, signals it at `when`, and checks the promise: nothing, or an incomplete directory --resume completes. */
async function stopAt(when: When) {
  const dir = tmp();
  const out = join(dir, 'r');
  const run = start([...ARGS, '--jobs', when.jobs, '--out', out]);
  let ended = false;
  void run.exit.then(() => (ended = true));
  expect(await until(() => partials(dir).length > 0, () => ended)).toBe(true);
  if ('lines' in when) expect(await until(() => checkpointLines(dir) >= when.lines, () => ended), `${when.what}: reached`).toBe(true);
  else await new Promise((r) => setTimeout(r, when.afterMs));
  run.child.kill(when.sig ?? 'SIGINT');
  const { code } = await run.exit;
  expect(partials(dir), when.what).toEqual([]);
  if (code === 0) {
    // The signal came as the results were being committed (a loaded machine can delay it): they must be whole.
    expect(snapshot(out)).toEqual(reference);
    return 'complete';
  }
  expect(code, `${when.what}: ${run.stderr()}`).toBe(130);
  if (run.stderr() === 'doorbell: interrupted; nothing was written\n') {
    expect(existsSync(out), when.what).toBe(false);
    return 'nothing';
  }
  expect(run.stderr()).toMatch(/^doorbell: interrupted; \d+ finished pairs kept in .* \(incomplete\); continue with --resume .*\n$/);
  const marked = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  expect(marked).toMatchObject({ incomplete: true, pairsTotal: PAIRS });
  if ('lines' in when) expect(marked.pairsDone).toBeGreaterThanOrEqual(when.lines);
  expect(Object.keys(snapshot(out)).sort()).toEqual(['checkpoint.jsonl', 'run.json']);
  const resumed = cli(...ARGS, '--jobs', when.jobs, '--resume', out);
  expect(resumed.status, resumed.stderr).toBe(0);
  expect(snapshot(out)).toEqual(reference);
  return 'resumed';
}

describe('a stop at many points of a run keeps the promise', () => {
  const points: When[] = [
    { what: 'before any pair finished, one worker', jobs: '1', lines: 0 },
    { what: 'after the first pair, one worker', jobs: '1', lines: 1 },
    { what: 'half way, two workers', jobs: '2', lines: PAIRS / 2 },
    { what: 'while rendering, one worker', jobs: '1', lines: PAIRS },
    { what: 'while rendering, SIGTERM', jobs: '2', lines: PAIRS, sig: 'SIGTERM' },
    { what: '0.3 s in', jobs: '2', afterMs: 300 },
    { what: '1 s in', jobs: '1', afterMs: 1000 },
    { what: '2 s in', jobs: '2', afterMs: 2000 },
  ];
  for (const p of points) it(p.what, async () => void (await stopAt(p)), 180_000);
});

describe('policy code cannot hold a run', () => {
  it('a policy that never returns is a policy-error after the per-call limit; the run finishes, exit 1', () => {
    const dir = tmp();
    const r = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--policy', `${POL}/looper.mjs`, '--trials', '1', '--jobs', '1', '--out', join(dir, 'r'), '--json');
    expect(r.status, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ policy: 'looper', errors: 1, policy_errors: 1, first_error: 'policy-error: policy looper: decide(hotplug) threw: did not return within 2000 ms (the limit for one call into a policy)' });
  }, 120_000);

  it('a slow policy does not delay a stop: the worker is terminated, exit 130', async () => {
    const dir = tmp();
    const run = start(['run', '--scenario', 'd05-hw-msi-hotplug', '--policy', `${POL}/sleeper.mjs`, '--trials', '1000', '--jobs', '1', '--out', join(dir, 'r')]);
    let ended = false;
    void run.exit.then(() => (ended = true));
    expect(await until(() => partials(dir).length > 0, () => ended)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(130);
    expect(run.stderr()).toBe('doorbell: interrupted; nothing was written\n');
    expect(partials(dir)).toEqual([]);
  }, 120_000);

  for (const jobs of ['1', '2']) {
    it(`a policy that ends its thread is noticed at once (--jobs ${jobs}): one line, exit 2, nothing written`, () => {
      const dir = tmp();
      const r = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--scenario', 'p2p-bridge-window', '--policy', `${POL}/exiter.mjs`, '--policy', 'kernel-rejects', '--trials', '5', '--jobs', jobs, '--out', join(dir, 'r'));
      expect(r.status).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^doorbell: the worker thread running (d05-hw-msi-hotplug|p2p-bridge-window) × exiter stopped \(exit code 3\) — policy code that returns a decision \(a policy module must not call process\.exit\)$/);
      expect(snapshot(dir)).toEqual({});
    }, 120_000);
  }
});
