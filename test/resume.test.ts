// --resume: an interrupted run keeps its finished pairs; resuming gives
// exactly the files of an uninterrupted run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

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
    expect(marked).toMatchObject({ incomplete: true, pairsTotal: 12 });
    expect(marked.pairsDone).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(dir, 'r', 'report.txt'))).toBe(false);
    expect(stderr).toMatch(/finished pairs kept in .* \(incomplete\); continue with --resume/);

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
  });
});
