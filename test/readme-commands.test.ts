// Every `npx doorbell` command in the README's shell blocks runs: as written,
// except that runs get few trials and a scratch --out. Commands on the
// reader's own files (vm.xml, capture.txt, my-board.yaml), shell variables
// and globs (batch systems, merge) are left to the tests of those commands.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const PLACEHOLDERS = ['vm.xml', 'capture.txt', 'my-board.yaml', 'results/latest', './my-policy', '...', '$', '*'];

function readmeCommands(): string[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const out: string[] = [];
  for (const block of text.split('```sh\n').slice(1).map((b) => b.split('```')[0]!)) {
    const joined = block.replace(/\\\n\s*/g, ' ');
    for (const line of joined.split('\n')) {
      const cmd = line.replace(/\s+#.*$/, '').trim();
      if (cmd.startsWith('npx doorbell ') && !PLACEHOLDERS.some((p) => cmd.includes(p))) out.push(cmd);
    }
  }
  return out;
}

function args(cmd: string, out: string): string[] {
  const a = cmd.split(/\s+/).slice(2);
  if (a[0] === 'run' && !a.includes('--find')) {
    const set = (flag: string, value: string) => {
      const i = a.indexOf(flag);
      if (i >= 0) a[i + 1] = value;
      else a.push(flag, value);
    };
    set('--trials', '3');
    set('--out', out);
    a.push('--quiet');
  }
  return a;
}

describe('the README\'s commands run', () => {
  const commands = readmeCommands();
  it('finds them', () => expect(commands.length).toBeGreaterThan(15));
  for (const cmd of commands) {
    it(cmd, () => {
      const out = join(mkdtempSync(join(tmpdir(), 'doorbell-readme-')), 'r');
      const r = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args(cmd, out)], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    });
  }
});
