// report.txt is the mail a maintainer posts as it is (issue 15): at most 150
// lines of at most 72 columns, the verdict first, the assumptions before any
// number, one matrix, the Alex-vs-Will table, the reproduce block; facts
// (the same in every trial) carry no interval.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allPolicies } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { compare } from '../src/results/comparisons.js';
import { buildRunFiles } from '../src/results/run-files.js';
import type { RunInfo } from '../src/results/run-info.js';
import { builtinScenarioNames, resolveScenario } from '../src/scenario/builtin.js';
import { MATRIX_LEGEND, cellCode, shortNames } from '../src/render/mail-matrix.js';
import { count } from '../src/render/mail-verdict.js';
import { devicesWithoutMsi, scenarioFinding } from '../src/render/findings.js';
import { wrap } from '../src/render/format.js';
import { cli, tmp } from './helpers/cli.js';
import { lossy, summaryOf, trials } from './helpers/summary.js';
import type { SummaryRow } from '../src/results/model.js';

const scenarios = builtinScenarioNames().map(resolveScenario);

describe('report.txt of the default study', async () => {
  const policies = allPolicies();
  const pairs = await runStudy({ scenarios, policies, trials: 60, seed: '1' });
  const rows = pairs.map((p) => p.row);
  const info: RunInfo = {
    doorbell: '0.0.0-test', gitCommit: 'abc123', gitDirty: false, inputs: [], node: 'v0', argv: [], seed: '1', trials: 60, scenarioFlags: [], policyFlags: [], sweep: [],
    scenarios: scenarios.map((s) => ({ name: s.name, title: s.title, source: s.source, description: s.description, ref: s.name, file: s.file, sha256: s.sha256, files: s.files, hotplugs: 0, guests: 'linux (firmware, runtime)' })),
    policies: policies.map((p) => ({ id: p.id, name: p.definition.name, position: p.definition.position, heldBy: p.definition.heldBy, source: p.definition.source, kernelEra: 'x' })),
    baseline: 'no-checks-2016', trialErrors: 0,
  };
  const files = await buildRunFiles(info, rows, compare(pairs, info.baseline));
  const mail = String(files.get('report.txt'));
  const lines = mail.trimEnd().split('\n');

  it('is at most 150 lines of at most 72 columns, ASCII', () => {
    expect(lines.length).toBeLessThanOrEqual(150);
    expect(lines.filter((l) => l.length > 72), mail).toEqual([]);
    expect(mail).toMatch(/^[\x20-\x7e\n]*$/);
  });

  it('starts with the subject and a verdict of 3 to 6 sentences, Alex vs Will first', () => {
    expect(lines[0]).toMatch(/^Subject: /);
    const paragraphs = mail.split('\n\n');
    const verdict = paragraphs[1]!.replace(/\n/g, ' ');
    expect(verdict).toMatch(/^Alex's rule \(kernel-rejects/);
    const sentences = verdict.split(/\.(?: |$)/).filter((x) => x.trim());
    expect(sentences.length).toBeGreaterThanOrEqual(3);
    expect(sentences.length).toBeLessThanOrEqual(6);
    expect(paragraphs[2]).toMatch(/^Assumptions/); // before any table
  });

  it('has the matrix (baseline first, every scenario a row), a legend of at most 4 lines, and no interval in it', () => {
    const head = lines.findIndex((l) => /^scenario +base'? +Alex/.test(l));
    expect(head).toBeGreaterThan(0);
    for (const s of scenarios) expect(lines.some((l) => l.startsWith(`${s.name} `))).toBe(true);
    const matrix = lines.slice(head, head + 2 + scenarios.length);
    expect(matrix.filter((l) => l.includes('['))).toEqual([]);
    expect(wrap(MATRIX_LEGEND, 72).length).toBeLessThanOrEqual(4);
  });

  it('marks facts in the Alex-vs-Will table without an interval, and significant differences with *', () => {
    const facts = lines.filter((l) => l.endsWith('every trial'));
    expect(facts.length).toBeGreaterThan(0);
    for (const l of facts) expect(l).not.toContain('[');
    for (const l of lines.filter((x) => /\[[-+]\d/.test(x))) expect(l).toMatch(/\]( \*)?$/);
  });

  it('has the reproduce block and the pointer to the detail', () => {
    expect(mail).toContain('Reproduce:\n\n  $ doorbell run --trials 60 --seed 1');
    expect(mail).toMatch(/doorbell 0\.0\.0-test, commit abc123, clean/);
    expect(mail).toContain('Every scenario, host and policy file is built in.');
    expect(mail).toContain('report-full.txt');
    expect(files.has('report-full.txt')).toBe(true);
  });

  it('report-full.txt prints a certain outcome as a fact, never "in 100% of trials"', () => {
    const full = String(files.get('report-full.txt')).replace(/\n\s*/g, ' ');
    expect(full).not.toMatch(/in 100% of trials|fails 100% of|fails VM start in 100%/);
    expect(full).toContain('always fails VM start');
  });
});

// 9 of 300 trials lose a write silently; the exact share is what exact mode would add.
const nineSilent = () => summaryOf([...trials(9, lossy(true)), ...trials(291)], { dataLossExact: 0.0289, silentLossExact: 0.0289 });

describe('numbers as what they are', () => {
  it('counts devices without MSIs, not devices x trials (msi_setup_failures sums over trials)', () => {
    expect(devicesWithoutMsi(summaryOf(trials(300, { msiSetupFailures: 2 })))).toBe('2 devices');
    expect(devicesWithoutMsi(summaryOf(trials(300, { msiSetupFailures: 1 })))).toBe('1 device');
    expect(scenarioFinding([summaryOf(trials(300, { msiSetupFailures: 1 }))], 'p')).toContain('leaves 1 device without MSIs');
  });

  it('says "1 scenario", "2 scenarios"', () => {
    expect(count(1, 'scenario')).toBe('1 scenario');
    expect(count(2, 'scenario')).toBe('2 scenarios');
  });

  it('quotes the exact loss with the simulation beside it, and a certain loss as always', () => {
    expect(scenarioFinding([nineSilent()], 'x'))
      .toContain('loses DMA data in 2.89% of trials (exact; 3.0% simulated), all of it silently');
    expect(scenarioFinding([summaryOf(trials(300, lossy(false)), { dataLossExact: 1, silentLossExact: 0 })], 'x')).toContain('always loses DMA data');
    // Exact > 0 with no trial showing it is still loss.
    expect(scenarioFinding([summaryOf(trials(300), { dataLossExact: 0.0072 })], 'x')).toContain('loses DMA data in 0.720% of trials');
  });

  it('codes cells: refused start, crash, exact loss, host-logged, some trials, counterfactual', () => {
    expect(cellCode(summaryOf(trials(300, { vmStarted: false, startFailure: 'kernel' })))).toBe('-vm');
    expect(cellCode(summaryOf(trials(300, { vmCrashed: true })))).toBe('crash');
    expect(cellCode(summaryOf([...trials(150, { vmCrashed: true }), ...trials(150)]))).toBe('crsh~');
    expect(cellCode(nineSilent())).toBe('2.9%');
    expect(cellCode(summaryOf(trials(300, lossy(false)), { dataLossExact: 0.999988, silentLossExact: 0 }))).toBe('>99%*');
    expect(cellCode(summaryOf(trials(300), { counterfactual: 'why' }))).toBe('ok\'');
    expect(cellCode(summaryOf(trials(300, { msiSetupFailures: 1 })))).toBe('-msi');
    expect([...shortNames(['no-checks-2016', 'kernel-rejects', 'qemu-aborts', 'guest-avoids-range', 'kernel-rejects:backend=iommufd'], 'no-checks-2016').values()])
      .toEqual(['base', 'Alex', 'Will', 'gar', 'Alex:i']);
  });
});

describe('exact values in the findings and the matrix (engine/exact-metrics.ts)', () => {
  const exact = (over: Partial<NonNullable<SummaryRow['exact']>>): NonNullable<SummaryRow['exact']> => ({
    vmStart: 1, startFailedKernel: 0, startFailedVmm: 0, startFailedLayout: 0, hotplugAttempts: 1, hotplugOk: 1, hotplug: 1, hotplugRejectedKernel: 0, hotplugAbortedVmm: 0,
    memHotplugAttempts: 0, memHotplugOk: 0, migrations: 0, migrationsOk: 0, refusedKernel: 0, refusedVmm: 0, vmCrash: 0, requests: 1, firmwareExposed: 0,
    firmwareExposedBytesMean: 0, refusedCallsMean: 0, msiSetupFailures: 0, hintChannels: [], hintRefusals: 0, guestAbiChanged: 0, migratable: undefined,
    ramUnusableBytes: 0n, maxGpa: 0n, physBitsNeeded: 0, guestAbiChangeBytes: 0n,
    lostOpsMean: 0, silentOpsMean: 0, dmaFaultsMean: 0, lostBytesMean: 0, dangerousPlacementsMean: 0,
    lostBytesMeanBy: { msi: 0, sw_msi: 0, p2p: 0, p2p_hole: 0, firmware: 0, reserved: 0, iommu_fault: 0, rc_limit: 0 }, lostBytesMeanByVisibility: { unlogged: 0, host_logged: 0, guest_visible: 0 }, ...over,
  });

  it('quotes an exact share of refused starts and hotplugs, without an interval, even where no trial drew it', () => {
    expect(scenarioFinding([summaryOf(trials(300), { exact: exact({ vmStart: 0.75, startFailedKernel: 0.25 }) })], 'x')).toContain('fails VM start in 25.0% of trials (exact)');
    expect(scenarioFinding([summaryOf(trials(300, { hotplugAttempts: 1, hotplugOk: 1 }), { exact: exact({ hotplugOk: 0.998, hotplug: 0.998 }) })], 'x')).toContain('refuses 0.200% of hotplugs (exact)');
    expect(scenarioFinding([summaryOf(trials(300), { exact: exact({ vmStart: 0 }) })], 'x')).toContain('always fails VM start');
    expect(scenarioFinding([summaryOf(trials(300), { exact: exact({ vmCrash: 0.5 }) })], 'x')).toContain('crashes the VM in 50.0% of trials (exact)');
  });

  it('codes a cell from the exact values: some paths only is ~, every path is a fact', () => {
    expect(cellCode(summaryOf(trials(300), { exact: exact({ vmStart: 0.75 }) }))).toBe('-vm~');
    expect(cellCode(summaryOf(trials(300), { exact: exact({ vmStart: 0 }) }))).toBe('-vm');
    expect(cellCode(summaryOf(trials(300), { exact: exact({ hotplugAttempts: 0.25, hotplugOk: 0, hotplug: 0 }) }))).toBe('-hp');
    expect(cellCode(summaryOf(trials(300), { exact: exact({ vmCrash: 0.1 }) }))).toBe('crsh~');
    expect(cellCode(summaryOf(trials(300, { msiSetupFailures: 1 }), { exact: exact({}) }))).toBe('ok');
  });
});

describe('--host and files that are not built in', () => {
  it('prints the substituted host with its regions, leaves out the built-in host\'s text, and hashes a user scenario file', () => {
    const dir = tmp('doorbell-mail-');
    const own = join(dir, 'my-d05.yaml');
    const text = readFileSync(join(__dirname, '..', 'scenarios', 'd05-hw-msi-hotplug.yaml'), 'utf8').replace(/host: hosts\//, `host: ${join(__dirname, '..', 'scenarios', 'hosts')}/`);
    writeFileSync(own, text);
    const r = cli('run', '--scenario', own, '--host', 'scenarios/hosts/hisilicon-d05.yaml', '--trials', '20', '--out', join(dir, 'r'));
    expect(r.status, r.stderr).toBe(0);
    const mail = readFileSync(join(dir, 'r', 'report.txt'), 'utf8');
    const full = readFileSync(join(dir, 'r', 'report-full.txt'), 'utf8');
    const description = resolveScenario('d05-hw-msi-hotplug').description;
    expect(mail.split('\n\n')[0]!.replace(/\n\s+/g, ' ')).toContain('HiSilicon D05');
    expect(mail).toMatch(/group 3 \(0000:7d:00\.0\): 0x8000000-0x80fffff sw-msi/);
    expect(full).toMatch(/Every scenario ran on scenarios\/hosts\/hisilicon-d05\.yaml/);
    expect(full.replace(/\n/g, ' ')).not.toContain(description.slice(0, 60));
    const run = JSON.parse(readFileSync(join(dir, 'r', 'run.json'), 'utf8')) as RunInfo;
    const sha = createHash('sha256').update(text).digest('hex');
    expect(run.inputs).toEqual([{ file: own, sha256: sha }]);
    expect(mail).toContain(sha);
    expect(typeof run.gitDirty).toBe('boolean');
    // npm start ends with the verdict and the report to open.
    expect(r.stderr).toMatch(/Alex's rule \(kernel-rejects/);
    expect(r.stderr).toContain(`the report to read and post: ${join(dir, 'r', 'report.txt')}`);
  });
});
