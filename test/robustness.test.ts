// Faults, hostile inputs and interrupts: doorbell keeps working, says what is
// wrong in one line, and never leaves a result that looks complete but is not.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { parseScenario } from '../src/scenario/load.js';
import { runTrial } from '../src/engine/trial.js';
import { resolvePolicy } from '../src/engine/policies.js';

import { POL, ROOT, cli, partials, start, tmp, until } from './helpers/cli.js';

describe('a policy that throws or returns nonsense', () => {
  it('yields policy-error results for that policy only; the run finishes, the report marks it, exit 1', () => {
    const dir = tmp();
    const alone = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'kernel-rejects', '--trials', '30', '--out', join(dir, 'a'), '--json');
    const both = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'kernel-rejects', '--policy', `${POL}/thrower.mjs`, '--trials', '30', '--out', join(dir, 'b'), '--json');
    expect(both.status).toBe(1);
    const rows = JSON.parse(both.stdout);
    expect(rows.find((r: { policy: string }) => r.policy === 'thrower')).toMatchObject({ errors: 30, policy_errors: 30 });
    expect(rows.find((r: { policy: string }) => r.policy === 'kernel-rejects')).toEqual(JSON.parse(alone.stdout)[0]);
    expect(readFileSync(join(dir, 'b', 'report-full.txt'), 'utf8')).toMatch(/^! thrower: 30 of 30 trials errored: policy-error: policy thrower:$/m);
  });

  it('a decision the engine cannot apply is a policy-error naming the decision', async () => {
    const { loadPolicyModule } = await import('../src/engine/external-policy.js');
    const def = await loadPolicyModule(`${ROOT}/${POL}/nonsense.mjs`);
    const s = parseScenario('name: t\ntitle: t\nsource: s\ndescription: d\nhost: { platform: p, arch: x86_64, iommu: intel, kernel: "6.8", groups: [{ id: 1 }] }\nvm: { machine: q35, ram: 2GiB }\ndevices: [{ name: d, group: 1 }]\ntimeline: [{ start: { devices: [d] } }]\n', 't.yaml');
    const r = runTrial({ scenario: s, policy: resolvePolicy('x', def).instance, seed: '1', trial: 0 });
    expect(r).toEqual({ status: 'policy-error', message: 'policy nonsense returned an invalid decision for start: {"action":"maybe"}' });
  });

  it('a .ts policy module runs; a malformed module is one line and exit 2', () => {
    const ok = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--policy', `${POL}/strict-avoider.ts`, '--trials', '5', '--out', join(tmp(), 'r'), '--json');
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)[0]).toMatchObject({ policy: 'strict-avoider', hotplug_ok: 5 });
    const bad = cli('run', '--policy', `${POL}/no-create.mjs`, '--out', join(tmp(), 'r'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`doorbell: --policy ${POL}/no-create.mjs: 'create' is not a function — a default export made with definePolicy({ name, position, heldBy, source, params, create }) from 'doorbell/policy'\n`);
    const missing = cli('run', '--policy', './nowhere.js', '--out', join(tmp(), 'r'));
    expect(missing.stderr).toBe('doorbell: --policy ./nowhere.js: no such file — a policy module (.js, .mjs or .ts) or a built-in name\n');
  });
});

describe('interrupted runs', () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig} once the work has started: exit 130, and nothing is left when no pair had finished`, async () => {
      const dir = tmp();
      // Within the work budget (scenarios/REFERENCE.yaml): 500,000 trials × the costliest built-in's steps.
      const run = start(['run', '--trials', '500000', '--out', join(dir, 'out')]);
      let ended = false;
      void run.exit.then(() => (ended = true));
      expect(await until(() => partials(dir).length > 0, () => ended)).toBe(true);
      run.child.kill(sig);
      expect((await run.exit).code).toBe(130);
      expect(run.stderr()).toBe('doorbell: interrupted; nothing was written\n');
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('a signal before the work starts ends the process at once: nothing is written', async () => {
    const dir = tmp();
    const run = start(['run', '--trials', '500000', '--out', join(dir, 'out')]);
    run.child.kill('SIGINT');
    const { code, signal } = await run.exit;
    expect(code === 130 || signal === 'SIGINT').toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('limits', () => {
  const host = (regions: number) =>
    `host:\n  platform: p\n  arch: aarch64\n  iommu: arm-smmu-v3\n  kernel: "6.8"\n  groups:\n    - id: 1\n      regions:\n` +
    Array.from({ length: regions }, (_, i) => `        - { start: ${'0x' + (0x100000000 + i * 0x2000).toString(16)}, size: 4KiB, type: msi }\n`).join('');
  const scenario = (regions: number) =>
    `name: many\ntitle: t\nsource: s\ndescription: d\n${host(regions)}vm: { machine: virt, ram: 8GiB }\ndevices: [{ name: nic0, group: 1, workload: { buffers: 64 } }]\ntimeline: [{ start: { devices: [nic0] } }, { dma: {} }]\n`;

  it('100,000 regions load and run (under the guest-avoids policy, which maps around all of them)', () => {
    const s = parseScenario(scenario(100_000), 'many.yaml');
    expect(s.host.groups[0]!.regions).toHaveLength(100_000);
    const r = runTrial({ scenario: s, policy: resolvePolicy('guest-avoids-range').instance, seed: '1', trial: 0 });
    expect(r.status).toBe('ok');
    expect(r.status === 'ok' && r.ramUnusableBytes).toBe(100_000n * 4096n);
  });

  it('100,001 regions in a group is one line', () => {
    expect(() => parseScenario(scenario(100_001), 'many.yaml')).toThrow(/many\.yaml:13:9: scenario\.host\.groups\[0\]\.regions: has 100001 regions — at most 100000 per group/);
  });

  it('YAML aliases are refused where they stand (no alias expansion)', () => {
    const text = 'name: &x t\ntitle: t\nsource: s\ndescription: d\nhost: { platform: *x, arch: x86_64, iommu: intel, kernel: "6.8", groups: [] }\n';
    expect(() => parseScenario(text, 'alias.yaml')).toThrow(new InputError('scenario.host.platform: is an alias (*x): aliases are not supported', 'a value', { file: 'alias.yaml', line: 5, col: 19 }));
  });

  it('trials × events beyond the limit is refused before anything runs', () => {
    const dir = tmp();
    const events = Array.from({ length: 100 }, () => '  - dma: { operations: 1 }').join('\n');
    writeFileSync(join(dir, 'long.yaml'), `name: long\ntitle: t\nsource: s\ndescription: d\nhost: { platform: p, arch: x86_64, iommu: intel, kernel: "6.8", groups: [{ id: 1 }] }\nvm: { machine: q35, ram: 2GiB }\ndevices: [{ name: d, group: 1 }]\ntimeline:\n  - start: { devices: [d] }\n${events}\n`);
    const r = cli('run', '--scenario', join(dir, 'long.yaml'), '--trials', '5000000', '--out', join(dir, 'out'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('doorbell: --trials 5000000 × 101 events of long is 505000000 trial events — at most 200000000 per scenario and policy\n');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
