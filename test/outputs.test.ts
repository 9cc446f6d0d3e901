// Same seed ⇒ same bytes; the report fits a mail; charts are real PNGs.
import { describe, expect, it } from 'vitest';
import { allPolicies, canonicalOrder } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { SCENARIO_CHART_WIDTH } from '../src/render/charts.js';
import { renderSummaryCsv } from '../src/render/csv.js';
import { buildRunFiles } from '../src/results/run-files.js';
import type { RunInfo } from '../src/results/run-info.js';
import { builtinScenarioNames, resolveScenario } from '../src/scenario/builtin.js';

const scenarios = builtinScenarioNames().map(resolveScenario);

async function study(seed: string, reverse = false) {
  const policies = allPolicies();
  const rows = (await runStudy({ scenarios, policies: canonicalOrder(reverse ? [...policies].reverse() : policies), trials: 60, seed })).map((p) => p.row);
  return rows;
}

function info(rows: Awaited<ReturnType<typeof study>>): RunInfo {
  const policies = allPolicies();
  return {
    doorbell: '0.0.0-test', gitCommit: 'test', node: 'v0', argv: [], seed: '1', trials: 60, scenarioFlags: [], policyFlags: [], sweep: [],
    scenarios: scenarios.map((s) => ({ name: s.name, title: s.title, source: s.source, description: s.description, ref: s.name, file: s.file, sha256: s.sha256, files: s.files, hotplugs: 0 })),
    policies: policies.map((p) => ({ id: p.id, name: p.definition.name, position: p.definition.position, heldBy: p.definition.heldBy, source: p.definition.source, kernelEra: 'x' })),
    baseline: 'no-checks-2016',
    trialErrors: rows.reduce((s, r) => s + r.errors, 0),
  };
}

function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(buf.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

describe('determinism', () => {
  it('same seed ⇒ byte-identical summary.csv, whatever the policy order', async () => {
    const a = renderSummaryCsv(await study('1'));
    expect(renderSummaryCsv(await study('1'))).toBe(a);
    expect(renderSummaryCsv(await study('1', true))).toBe(a);
    expect(renderSummaryCsv(await study('2'))).not.toBe(a);
  }, 600_000); // four studies of every built-in scenario × policy, on a loaded machine
});

describe('results directory', async () => {
  const rows = await study('1');
  const files = await buildRunFiles(info(rows), rows, []);

  it('summary.csv has the documented header and one row per scenario × policy', () => {
    const lines = String(files.get('summary.csv')).trimEnd().split('\n');
    expect(lines[0]!.split(',').slice(0, 6)).toEqual(['scenario', 'policy', 'point', 'trials', 'trials_played', 'errors']);
    for (const col of ['vm_start_ok', 'hotplug_attempts', 'hotplug_ok', 'hotplug_rejected_kernel', 'hotplug_aborted_vmm', 'vm_crashes', 'data_loss_trials', 'data_loss_exact', 'silent_loss_trials', 'silent_loss_rate', 'silent_loss_lo', 'silent_loss_hi', 'silent_loss_exact', 'lost_bytes_mean', 'lost_bytes_unlogged_mean', 'lost_bytes_host_logged_mean', 'lost_bytes_guest_visible_mean', 'lost_bytes_iommu_fault_mean', 'dma_faults_mean', 'firmware_exposed_trials', 'firmware_exposed_bytes_mean', 'ram_unusable_bytes', 'max_gpa']) {
      expect(lines[0]!.split(',')).toContain(col);
    }
    expect(lines).toHaveLength(1 + scenarios.length * allPolicies().length);
    expect(lines[0]!.split(',').slice(-2)).toEqual(['counterfactual', 'exact_note']); // appended last
    // max_gpa and max_gpa_exact, phys_bits_needed and phys_bits_needed_exact, first_error (empty), counterfactual (the 2016 kernel on a 5.15 host)
    expect(lines[1]).toMatch(/,0x[0-9a-f]+,0x[0-9a-f]+,\d+,\d+,,kernel v4\.9 \(4\.9-4\.10\) run as 4\.10 on a host with a newer kernel: [^,]*,$/); // exact_note empty: within the work budget
  });

  it('report-full.txt is ASCII, has no tabs, and no line over 72 columns', () => {
    const text = String(files.get('report-full.txt'));
    for (const line of text.split('\n')) {
      expect(line.length, line).toBeLessThanOrEqual(72);
      expect(/^[\x20-\x7e]*$/.test(line), line).toBe(true);
    }
    expect(text).toMatch(/^Subject: \[DISCUSS\]/);
    const joined = text.replace(/ \\\n\s+/g, ' '); // shell continuations
    for (const s of scenarios) expect(joined).toContain(`$ doorbell run --scenario ${s.name} --trials 60 --seed 1`);
  });

  it('report-full.txt introduces data loss (Alex\'s criterion) and silent loss side by side, exact beside simulated for both', () => {
    const text = String(files.get('report-full.txt'));
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain("Data loss of any kind is Alex Williamson's criterion");
    expect(flat).toContain('Silent loss is data loss that nothing records');
    expect(text).toMatch(/^ {2}policy +trials +data loss +silent loss$/m);
    expect(text).toMatch(/^ {2}policy +data loss +exact +silent loss +exact$/m);
    expect(text).toMatch(/^ {2}policy +lost +unlogged +host log +guest sees$/m);
    const md = String(files.get('report.md')).replace(/\s+/g, ' ');
    expect(md).toContain("Data loss of any kind is Alex Williamson's criterion");
  });

  it('report-full.txt marks every counterfactual row [n] and lists each reason once in a legend', () => {
    const text = String(files.get('report-full.txt'));
    const legend = text.split('\n').filter((l) => /^ {2}\[\d+\] /.test(l));
    const reasons = [...new Set(rows.flatMap((r) => r.counterfactual.split('; ').filter(Boolean)))];
    expect(legend).toHaveLength(reasons.length);
    expect(text).toMatch(/^ {2}qemu-aborts \[\d+(,\d+)*\] /m);
    // kernel-rejects on a host whose kernel it spans is history: no marker in its scenario's tables.
    expect(text.split('== amd-ht-qemu70 ==')[1]!.split('==')[0]).toMatch(/^ {2}kernel-rejects {2,}\S/m);
    expect(String(files.get('report.md'))).toMatch(/^- \[1\] /m);
  });

  it('report-full.txt puts the baseline first in every table', () => {
    const text = String(files.get('report-full.txt'));
    const tables = text.split('\n').filter((l, i, all) => /^ {2}-{5}/.test(all[i - 1] ?? '') && /^ {2}\S/.test(l));
    expect(tables.length).toBeGreaterThan(0);
    for (const firstRow of tables) expect(firstRow.trim().startsWith('no-checks-2016')).toBe(true);
  });

  it('charts decode as PNGs of the right size', () => {
    for (const s of scenarios) {
      const size = pngSize(files.get(`charts/${s.name}.png`) as Buffer);
      expect(size.width).toBe(SCENARIO_CHART_WIDTH);
      expect(size.height).toBeGreaterThan(500);
    }
    const t = pngSize(files.get('charts/risk-vs-success.png') as Buffer);
    expect(t.width).toBe(480 * Math.min(3, scenarios.length));
    expect(t.height).toBeGreaterThan(400);
  });

  it('every column of summary.csv, paired.csv and trials.csv is documented in results/README.md', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../results/README.md', import.meta.url), 'utf8');
    const { PAIRED_COLUMNS, SUMMARY_COLUMNS } = await import('../src/render/csv.js');
    const { TRIAL_COLUMNS } = await import('../src/render/trials-csv.js');
    const documented = new Set([...doc.matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]));
    // `x_rate`, `_lo`, `_hi` are documented together as "`x_rate`, `_lo`, `_hi`".
    const covered = (c: string) => documented.has(c) || (/_(lo|hi)$/.test(c) && documented.has(c.replace(/_(lo|hi)$/, '_rate')));
    for (const c of [...SUMMARY_COLUMNS, ...PAIRED_COLUMNS, ...TRIAL_COLUMNS]) expect(covered(c), c).toBe(true);
  });

  it('report.md inlines every chart', () => {
    const md = String(files.get('report.md'));
    for (const name of [...files.keys()].filter((k) => k.startsWith('charts/'))) expect(md).toContain(`](${name})`);
  });
});
