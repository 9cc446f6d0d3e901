// --resume: an interrupted run keeps its finished pairs; resuming gives
// exactly the files of an uninterrupted run.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POLICIES } from '../policies/registry.js';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'dist/src/cli/main.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
const ARGS = ['run', '--scenario', 'd05-hw-msi-hotplug', '--scenario', 'p2p-bridge-window', '--trials', '12000', '--keep-trials', '--quiet', '--jobs', '1'];

/** Lines in the run's checkpoint, wherever its temporary directory is. */
function checkpointed(parent: string): number {
  for (const d of readdirSync(parent)) {
    const f = join(parent, d, 'checkpoint.jsonl');
    if (existsSync(f)) return readFileSync(f, 'utf8').split('\n').filter(Boolean).length;
  }
  return 0;
}

describe('--resume', () => {
  it('an interrupted run leaves an incomplete directory that --resume finishes, byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doorbell-resume-'));
    const child = spawn(process.execPath, [BIN, ...ARGS, '--out', join(dir, 'r')], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    for (let waited = 0; checkpointed(dir) < 1 && waited < 60_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    expect(await new Promise((r) => child.on('exit', r))).toBe(130);
    const marked = JSON.parse(readFileSync(join(dir, 'r', 'run.json'), 'utf8'));
    expect(marked).toMatchObject({ incomplete: true, pairsTotal: 2 * POLICIES.length }); // two scenarios × every built-in policy
    expect(marked.pairsDone).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(dir, 'r', 'report.txt'))).toBe(false);
    expect(stderr).toMatch(/finished pairs kept in .* \(incomplete\); continue with --resume/);

    // What --resume reads is checked: an edited or cut checkpoint, a line that is not a pair, run.json's claims.
    const edits: Array<[string, (c: string, run: Record<string, unknown>) => [string, Record<string, unknown>], RegExp]> = [
      ['cut short', (c, run) => [c.slice(0, c.length - 10), run], /checkpoint\.jsonl does not match the SHA-256 in run\.json \(edited or cut short\)/],
      ['edited', (c, run) => [c.replace(/"errors":0/, '"errors":1'), run], /checkpoint\.jsonl does not match the SHA-256 in run\.json/],
      ['a line that is not a pair', (c, run) => ['{"index": 99}\n', { ...run, checkpointSha256: createHash('sha256').update('{"index": 99}\n').digest('hex') }], new RegExp(`checkpoint\\.jsonl:1: pair index 99 is not one of this run's 0\\.\\.${2 * POLICIES.length - 1}`)],
      ['a count that disagrees', (c, run) => [c, { ...run, pairsDone: 42 }], /run\.json says 42 pairs are done, checkpoint\.jsonl holds \d+/],
    ];
    for (const [what, edit, message] of edits) {
      const copy = join(dir, `edited-${edits.findIndex((e) => e[0] === what)}`);
      cpSync(join(dir, 'r'), copy, { recursive: true });
      const [c, run] = edit(readFileSync(join(copy, 'checkpoint.jsonl'), 'utf8'), JSON.parse(readFileSync(join(copy, 'run.json'), 'utf8')));
      writeFileSync(join(copy, 'checkpoint.jsonl'), c);
      writeFileSync(join(copy, 'run.json'), JSON.stringify(run));
      const r = cli(...ARGS, '--resume', copy);
      expect(r.status, what).toBe(2);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
    }

    const other = ARGS.map((a) => (a === '12000' ? '11999' : a));
    expect(cli(...other, '--resume', join(dir, 'r')).stderr).toMatch(/differs in scenarios, policies, seed, trials or parameters/);
    const resumed = cli(...ARGS, '--resume', join(dir, 'r'));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(cli(...ARGS, '--out', join(dir, 'whole')).status).toBe(0);
    for (const f of ['run.json', 'summary.csv', 'paired.csv', 'trials.csv', 'report.txt', 'charts/risk-vs-success.png']) {
      expect(readFileSync(join(dir, 'r', f)).equals(readFileSync(join(dir, 'whole', f))), f).toBe(true);
    }
    expect(existsSync(join(dir, 'r', 'checkpoint.jsonl'))).toBe(false);
    expect(cli(...ARGS, '--resume', join(dir, 'r')).stderr).toMatch(/the run there is complete/);
  }, 300_000); // three 120,000-trial runs: minutes on a loaded 2-core machine (a bound, not a speed target)
});
