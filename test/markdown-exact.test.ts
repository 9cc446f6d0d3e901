// report.md gives the exact value wherever the row has one (never / always
// for a fact, a share marked (exact) otherwise), and the simulated rate with
// its 95% interval where it has none (--simulate, over the work budget).
import { describe, expect, it } from 'vitest';
import { allPolicies } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { CELL_LEGEND, exactCell, renderMarkdownReport } from '../src/render/markdown.js';
import { exactText } from '../src/render/loss-tables.js';
import { rateText } from '../src/render/format.js';
import { SIMULATE_NOTE, simulatedOnly } from '../src/results/model.js';
import type { RunInfo } from '../src/results/run-info.js';
import { resolveScenario } from '../src/scenario/builtin.js';

const s = resolveScenario('d05-hw-msi-hotplug');
const info = {
  doorbell: '0.0.0-test', gitCommit: 'test', node: 'v0', argv: [], seed: '1', trials: 40, scenarioFlags: [], policyFlags: [], sweep: [],
  scenarios: [{ name: s.name, title: s.title, source: s.source, description: s.description, ref: s.name, file: s.file, sha256: s.sha256, files: s.files, hotplugs: 0 }],
  policies: allPolicies().map((p) => ({ id: p.id, name: p.definition.name, position: p.definition.position, heldBy: p.definition.heldBy, source: p.definition.source, kernelEra: 'x' })),
  baseline: 'no-checks-2016', trialErrors: 0,
} as unknown as RunInfo;

/** The cells of a policy's row in the scenario's main table (the one with a 'VM crashes' column). */
function cells(md: string, policy: string): Record<string, string> {
  const lines = md.split('\n');
  const head = lines.findIndex((l) => l.startsWith('| policy | VM start |'));
  const names = lines[head]!.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, ''));
  const row = lines.slice(head + 2).find((l) => l.startsWith(`| ${policy}`))!;
  const values = row.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, ''));
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
}

describe('report.md: exact where computed, simulated with its interval otherwise', async () => {
  const rows = (await runStudy({ scenarios: [s], policies: allPolicies(), trials: 40, seed: '1' })).map((p) => p.row);
  const base = rows.find((r) => r.policy === 'no-checks-2016')!;
  const rejects = rows.find((r) => r.policy === 'kernel-rejects')!;

  it('gives the exact loss, marked, where it is neither 0 nor 1', () => {
    const md = renderMarkdownReport(info, rows, []);
    expect(md).toContain(CELL_LEGEND);
    expect(base.dataLossExact).toBeGreaterThan(0);
    expect(base.dataLossExact).toBeLessThan(1);
    expect(cells(md, 'no-checks-2016')['data loss']).toBe(`${exactText(base.dataLossExact!)} (exact)`);
  });

  it('shows a fact without an interval: never / always', () => {
    const md = renderMarkdownReport(info, rows, []);
    expect(rejects.deterministic).toBe(true);
    const c = cells(md, 'kernel-rejects');
    expect(c).toMatchObject({ 'VM start': 'always', 'hotplug ok': 'never', 'VM crashes': 'never', 'data loss': 'never', 'silent loss': 'never' });
    expect(md).not.toContain(`| kernel-rejects | ${rejects.vmStart.k}/${rejects.vmStart.n}`);
  });

  it('with the exact values dropped (--simulate), the simulated rates and intervals', () => {
    const md = renderMarkdownReport(info, rows.map((r) => simulatedOnly(r, SIMULATE_NOTE)), []);
    const c = cells(md, 'no-checks-2016');
    expect(c['data loss']).toBe(rateText(base.dataLoss));
    expect(c['data loss']).toMatch(/^\d+\/40 \(.*%\) \[.*\]$/);
    expect(c['VM start']).toBe(`${base.vmStart.k}/${base.vmStart.n}`);
    expect(md.split('\n').filter((l) => l.startsWith('| ') && l.includes('(exact)'))).toEqual([]);
  });

  it('exactCell: never, always, a marked share, or the simulated text', () => {
    expect([exactCell(0, 'x'), exactCell(1, 'x'), exactCell(0.25, 'x'), exactCell(undefined, '3/40')]).toEqual(['never', 'always', '25.0% (exact)', '3/40']);
  });
});
