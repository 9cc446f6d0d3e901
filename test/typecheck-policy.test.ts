// External .ts policies are type-checked on load: a syntax or type error is
// one line at its position and exit 2 (it used to run, and exit 0).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
const tmp = () => mkdtempSync(join(tmpdir(), 'doorbell-tc-'));

function policy(body: string): string {
  const f = join(tmp(), 'p.ts');
  writeFileSync(f, body);
  return f;
}
const run = (p: string) => cli('run', '--scenario', 'd05-hw-msi-hotplug', '--policy', p, '--trials', '1', '--out', join(tmp(), 'r'), '--quiet');

describe('a .ts policy is type-checked before it runs', () => {
  it('a syntax error: one line, exit 2, nothing written', () => {
    const p = policy("import { PROCEED, definePolicy } from 'doorbell/policy';\nexport default definePolicy({\n  name: 'b', position: 'x', heldBy: 'x', source: 'x', params: {},\n  create: () => ({ kernel: () => 'type1', decide() { return PROCEED }\n});\n");
    const r = run(p);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`doorbell: ${p}:5:3: TS1005: ',' expected — a policy module that type-checks (TypeScript, strict)\n`);
  });
  it('a type error against the policy interface: the kernel era', () => {
    const p = policy("import { definePolicy } from 'doorbell/policy';\nexport default definePolicy({\n  name: 'w', position: 'x', heldBy: 'x', source: 'x', params: {},\n  create: () => ({ kernel: () => 'type2', decide: () => ({ action: 'proceed' }) }),\n});\n");
    const r = run(p);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^doorbell: ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:34: TS2820: Type '"type2"' is not assignable to type 'KernelEra'.*— a policy module that type-checks \\(TypeScript, strict\\)\\n$`));
  });
  it('a decision of the wrong shape', () => {
    const p = policy("import { definePolicy } from 'doorbell/policy';\nexport default definePolicy({\n  name: 'd', position: 'x', heldBy: 'x', source: 'x', params: {},\n  create: () => ({ kernel: () => 'type1', decide: () => ({ action: 'stop' }) }),\n});\n");
    expect(run(p).stderr).toMatch(/:4:.*TS2322: Type '"stop"' is not assignable/);
  });
  it('the test fixture type-checks and runs, on workers too', () => {
    const r = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'test/fixtures/policies/strict-avoider.ts', '--trials', '2', '--out', join(tmp(), 'r'), '--quiet', '--jobs', '2');
    expect(r.status, r.stderr).toBe(0);
  });
  it('the README\'s example policy type-checks and runs', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const code = /```ts\n(\/\/ One line: the position[\s\S]*?)```/.exec(readme)![1]!.replace("'../src/policy.js'", "'doorbell/policy'");
    const r = run(policy(code));
    expect(r.status, r.stderr).toBe(0);
  });
});

describe('doorbell outside the checkout', () => {
  it('the built command, linked into another directory, runs from anywhere (README: on the PATH)', () => {
    const dir = tmp();
    const link = join(dir, 'doorbell');
    spawnSync('ln', ['-s', join(ROOT, 'dist/src/cli/main.js'), link]);
    expect(readFileSync(link, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const r = spawnSync(process.execPath, [link, 'list', 'scenarios'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('d05-hw-msi-hotplug');
  });
});
