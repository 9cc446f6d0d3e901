// Issue 17 item 7: a policy module cannot corrupt anything else. What it
// shares with the engine is frozen or a copy, its content identifies it in
// run.json and in the fingerprints of --resume and merge, two modules
// cannot share a name, and a malformed decision is a policy-error.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROCEED } from '../src/policy.js';
import { IntervalSet } from '../src/model/intervals.js';
import { loadPolicyModule } from '../src/engine/external-policy.js';
import { resolvePolicy } from '../src/engine/policies.js';
import { runTrial } from '../src/engine/trial.js';
import { d05 } from './helpers/scenarios.js';
import { POL, ROOT, cli, oneLine, tmp } from './helpers/cli.js';

describe('what policies share is frozen', () => {
  it('IntervalSet.EMPTY and ALL, the class, its methods and PROCEED cannot be written', () => {
    expect(() => (IntervalSet.EMPTY.ranges as unknown as unknown[]).push({ start: 0n, last: 1n })).toThrow(TypeError);
    expect(() => ((IntervalSet.ALL.ranges[0] as { start: bigint }).start = 5n)).toThrow(TypeError);
    expect(() => ((IntervalSet.prototype as unknown as { union: unknown }).union = () => IntervalSet.EMPTY)).toThrow(TypeError);
    expect(() => ((PROCEED as { mapAround?: unknown }).mapAround = IntervalSet.ALL)).toThrow(TypeError);
    expect(IntervalSet.EMPTY.isEmpty).toBe(true);
  });

  it('a module that tries to write to them changes no other policy\'s numbers, whatever --jobs is', () => {
    const dir = tmp();
    const run = (name: string, ...extra: string[]) => {
      const r = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--scenario', 'memory-hotplug-over-doorbell', '--policy', 'kernel-rejects', '--policy', 'guest-avoids-range', ...extra, '--trials', '40', '--out', join(dir, name), '--json');
      expect(r.status, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as Array<{ policy: string }>).filter((x) => x.policy !== 'mutator');
    };
    const alone = run('alone', '--jobs', '1');
    expect(run('one', '--policy', `${POL}/mutator.mjs`, '--jobs', '1')).toEqual(alone);
    expect(run('two', '--policy', `${POL}/mutator.mjs`, '--jobs', '2')).toEqual(alone);
  });

  it('a module gets frozen copies of the request and the view: the engine\'s own sets are out of its reach', async () => {
    const def = await loadPolicyModule(`${ROOT}/${POL}/inspector.mjs`);
    const r = runTrial({ scenario: d05({ start: ['disk0'] }), policy: resolvePolicy('inspector', def).instance, seed: '1', trial: 0 });
    expect(r).toMatchObject({ status: 'ok', vmStarted: true, hotplugAttempts: 1, hotplugAbortedVmm: 0 }); // no abort: nothing writable
  });
});

describe('malformed decisions', () => {
  it('a range whose end is below its start is a policy-error naming it', () => {
    const r = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--policy', `${POL}/inverted.mjs`, '--trials', '2', '--out', join(tmp(), 'r'), '--json');
    expect(r.status, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ policy_errors: 2, first_error: 'policy-error: policy inverted: decide(start) threw: returned mapAround with an invalid range {start: 8192, last: 4096}' });
  });
});

describe('a module is identified by its content', () => {
  it('run.json records its SHA-256; two modules of one name are refused', () => {
    const dir = tmp();
    const r = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--policy', `${POL}/strict-avoider.ts`, '--trials', '3', '--out', join(dir, 'r'));
    expect(r.status, r.stderr).toBe(0);
    const sha = createHash('sha256').update(readFileSync(join(ROOT, POL, 'strict-avoider.ts'))).digest('hex');
    expect(JSON.parse(readFileSync(join(dir, 'r', 'run.json'), 'utf8')).policies[0]).toMatchObject({ id: 'strict-avoider', module: { file: `${POL}/strict-avoider.ts`, sha256: sha } });
    const twins = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--policy', `${POL}/thrower.mjs`, '--policy', `${POL}/thrower-twin.mjs`, '--out', join(dir, 't'));
    expect(twins.status).toBe(2);
    expect(oneLine(twins.stderr)).toBe(`doorbell: --policy ${POL}/thrower-twin.mjs: name 'thrower' is also the name of ${POL}/thrower.mjs — a distinct name for each policy module`);
  });

  it('merge refuses shards run with different contents of one module', () => {
    const dir = tmp();
    const mod = join(dir, 'avoider.ts');
    const text = readFileSync(join(ROOT, POL, 'strict-avoider.ts'), 'utf8');
    const shard = (i: number) => cli('run', '--scenario', 'd05-hw-msi-hotplug', '--scenario', 'p2p-bridge-window', '--policy', mod, '--trials', '3', '--shard', `${i}/2`, '--out', join(dir, `s${i}`));
    writeFileSync(mod, text);
    expect(shard(1).status).toBe(0);
    writeFileSync(mod, text + '// edited\n');
    expect(shard(2).status).toBe(0);
    const m = cli('merge', join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 'm'));
    expect(m.status).toBe(2);
    expect(oneLine(m.stderr)).toMatch(/s2: run\.json differs from .*s1 in more than the shard/);
  });
});
