// Charts people put in a talk (issue 15): each policy one colour and marker by
// name in every chart, the baseline grey; scenario charts show every outcome
// and loss on its own scale; sweep charts every outcome share on a numeric
// axis; risk-vs-success named axes and corners, hollow counterfactuals, a
// panel per sweep point. Tests read the Chart.js configurations, not pixels.
import { describe, expect, it } from 'vitest';
import { POLICIES } from '../policies/registry.js';
import { allPolicies, resolvePolicy } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { createCanvas } from 'canvas';
import { FONT, legendColumns, legendHeight } from '../src/render/chart-kit.js';
import { LOSS_METRICS, SCENARIO_CHART_WIDTH, scenarioPanels } from '../src/render/chart-scenario.js';
import { BASELINE_GREY, MARKERS, OKABE_ITO, POLICY_STYLES, policyStyle } from '../src/render/chart-style.js';
import { SWEEP_OUTCOMES, sweepAxisScale, sweepPanels } from '../src/render/chart-sweep.js';
import { CORNERS, X_TITLE, Y_TITLE, tradeoffPanel, tradeoffPanelsOf } from '../src/render/chart-tradeoff.js';
import { renderCharts } from '../src/render/charts.js';
import { SIMULATE_NOTE, type SummaryRow, simulatedOnly } from '../src/results/model.js';
import type { RunInfo } from '../src/results/run-info.js';
import { parseSweep, sweepPoints } from '../src/scenario/params.js';
import { resolveScenario } from '../src/scenario/builtin.js';

type Any = Record<string, unknown> & { data: { labels?: string[]; datasets: Array<Record<string, unknown>> }; options: { scales: Record<string, Record<string, unknown>> } };
const cfg = (p: { config: unknown }) => p.config as Any;

function infoOf(scenarios: string[], sweep: RunInfo['sweep'] = [], seed = '1', trials = 40): RunInfo {
  return {
    doorbell: '0.0.0-test', gitCommit: 'test', node: 'v0', argv: [], seed, trials, scenarioFlags: [], policyFlags: [], sweep,
    scenarios: scenarios.map((n) => { const s = resolveScenario(n); return { name: s.name, title: s.title, source: s.source, description: s.description, ref: n, file: s.file, sha256: s.sha256, files: [], hotplugs: 0 }; }),
    policies: allPolicies().map((p) => ({ id: p.id, name: p.definition.name, position: p.definition.position, heldBy: p.definition.heldBy, source: p.definition.source, kernelEra: 'x' })),
    baseline: 'no-checks-2016',
    trialErrors: 0,
  };
}

async function rowsOf(scenarios: string[], sweepFlags: string[] = [], seed = '1', trials = 40): Promise<{ info: RunInfo; rows: SummaryRow[] }> {
  const sweep = parseSweep(sweepFlags);
  const rows = (await runStudy({ scenarios: scenarios.map(resolveScenario), points: sweep.length ? sweepPoints(sweep) : [{}], policies: allPolicies(), trials, seed })).map((p) => p.row);
  return { info: infoOf(scenarios, sweep, seed, trials), rows };
}

describe('policy styles', () => {
  it('are fixed by name: the same look whatever else the run holds (a table, not the run order)', () => {
    expect(policyStyle('no-checks-2016')).toEqual({ colour: BASELINE_GREY, marker: 'circle', dash: [] });
    expect(policyStyle('kernel-rejects')).toEqual({ colour: OKABE_ITO.blue, marker: 'square', dash: [] });
    expect(policyStyle('qemu-aborts')).toEqual({ colour: OKABE_ITO.vermillion, marker: 'triangle-up', dash: [] });
  });

  it('give the baseline, and only the baseline, grey', () => {
    for (const [name, s] of Object.entries(POLICY_STYLES)) expect(s.colour === BASELINE_GREY, name).toBe(name === 'no-checks-2016');
    expect(policyStyle('./my-policy.ts').colour).not.toBe(BASELINE_GREY);
  });

  it('cover every built-in policy and the positions of 2025, each with its own colour-marker pair from a colour-blind-safe palette', () => {
    for (const p of POLICIES) expect(POLICY_STYLES[p.name], p.name).toBeDefined();
    for (const n of ['vmm-picks-msi-window', 'kernel-moves-msi-window', 'static-carve-out', 'capability-aware-layout', 'viommu-guest-avoids']) expect(POLICY_STYLES[n], n).toBeDefined();
    const entries = Object.values(POLICY_STYLES);
    expect(new Set(entries.map((s) => `${s.colour}/${s.marker}`)).size).toBe(entries.length);
    // Twelve policies or more: the table and a policy module's fallback look never coincide.
    const twelve = [...Object.keys(POLICY_STYLES), 'my-policy'].map(policyStyle);
    expect(twelve.length).toBeGreaterThanOrEqual(12);
    expect(new Set(twelve.map((s) => `${s.colour}/${s.marker}`)).size).toBe(twelve.length);
    const safe = new Set<string>([...Object.values(OKABE_ITO), BASELINE_GREY]);
    for (const s of entries) expect(safe.has(s.colour), s.colour).toBe(true);
  });

  it('give a policy module a deterministic look of its own (dashed), and a parameterised built-in its colour with another marker', () => {
    const a = policyStyle('strict-avoider');
    expect(policyStyle('strict-avoider')).toEqual(a);
    expect(a.dash.length).toBeGreaterThan(0);
    expect(Object.values(POLICY_STYLES).some((s) => s.colour === a.colour && s.marker === a.marker)).toBe(false);
    const v = policyStyle('kernel-rejects:backend=iommufd');
    expect(v.colour).toBe(OKABE_ITO.blue);
    expect(v.marker).not.toBe('square');
    expect(MARKERS).toContain(v.marker);
  });
});

describe('policy legend', () => {
  it('spaces its columns by the widest name: every built-in policy, counterfactual, stays clear of the next column and the edge', () => {
    const ids = allPolicies().map((p) => p.id);
    const ctx = createCanvas(1, 1).getContext('2d');
    ctx.font = `13px "${FONT}"`;
    const widest = Math.max(...ids.map((id) => ctx.measureText(`${id} (counterfactual)`).width));
    for (const width of [SCENARIO_CHART_WIDTH, 1440]) {
      const { colW, cols } = legendColumns(ids, () => true, 20, width);
      expect(16 + widest + 20, `width ${width}`).toBeLessThan(colW); // marker, text, a gap before the next marker
      expect(20 + (cols - 1) * colW + 16 + widest, `width ${width}`).toBeLessThanOrEqual(width);
      expect(legendHeight(ids, () => true, width)).toBe(Math.ceil(ids.length / cols) * 22);
    }
  });
});

describe('scenario chart', async () => {
  const { info, rows } = await rowsOf(['migrate-to-d05', 'memory-hotplug-over-doorbell', 'd05-hw-msi-hotplug']);

  it('shows crashes, memory hotplug and migration where the scenario has them, a bar per policy in its colour', () => {
    const mig = scenarioPanels(info, rows.filter((r) => r.scenario === 'migrate-to-d05'));
    expect(cfg(mig.outcomes).data.labels).toContain('migration ok');
    expect(cfg(mig.outcomes).data.labels).toContain('VM crash');
    const mem = scenarioPanels(info, rows.filter((r) => r.scenario === 'memory-hotplug-over-doorbell'));
    expect(cfg(mem.outcomes).data.labels).toContain('memory hotplug ok');
    const ds = cfg(mem.outcomes).data.datasets;
    expect(ds.map((d) => d['label'])).toEqual(allPolicies().map((p) => p.id));
    for (const d of ds) expect(d['borderColor']).toBe(policyStyle(String(d['label'])).colour);
  });

  it('draws a counterfactual row hollow and a historical one filled', () => {
    const sr = rows.filter((r) => r.scenario === 'd05-hw-msi-hotplug');
    const ds = cfg(scenarioPanels(info, sr).outcomes).data.datasets;
    for (const r of sr) {
      const d = ds.find((x) => x['label'] === r.policy)!;
      const colour = policyStyle(r.policy).colour;
      expect(d['backgroundColor'], r.policy).toBe(r.counterfactual ? `${colour}33` : colour);
    }
  });

  it('puts loss on a scale of its own, so a few percent is readable', () => {
    const p = scenarioPanels(info, rows.filter((r) => r.scenario === 'd05-hw-msi-hotplug')).loss;
    expect(cfg(p).data.labels).toEqual(LOSS_METRICS.map(([l]) => l));
    const max = cfg(p).options.scales['y']!['max'] as number;
    expect(max).toBeLessThan(100);
    // The scale holds what is plotted: the exact value where computed, else the interval's upper end.
    const top = Math.max(...rows.filter((r) => r.scenario === 'd05-hw-msi-hotplug').map((r) => (r.dataLossExact ?? r.dataLoss.hi) * 100));
    expect(max).toBeGreaterThanOrEqual(top);
    // No loss at all: a fixed 5% scale and a title that says so, not a scale set by the intervals' upper ends.
    const none = scenarioPanels(info, rows.filter((r) => r.scenario === 'migrate-to-d05')).loss;
    expect(rows.filter((r) => r.scenario === 'migrate-to-d05').every((r) => r.dataLoss.k === 0)).toBe(true);
    expect(cfg(none).options.scales['y']!['max']).toBe(5);
    expect((cfg(none).options as unknown as { plugins: { title: { text: string } } }).plugins.title.text).toMatch(/^Loss: no trial lost a write/);
  });
});

describe('exact values in the charts', async () => {
  const { info, rows } = await rowsOf(['d05-hw-msi-hotplug']);
  type Bars = { lo: Array<number | null>; hi: Array<number | null>; exact: boolean[]; xLo?: Array<number | null>; xHi?: Array<number | null> };

  it('plots the exact value where the row has one, without an interval, and the simulated one with its interval otherwise', () => {
    const base = rows.find((r) => r.policy === 'no-checks-2016')!;
    expect(base.dataLossExact).toBeGreaterThan(0);
    const loss = cfg(scenarioPanels(info, rows).loss).data.datasets.find((d) => d['label'] === 'no-checks-2016')!;
    expect((loss['data'] as number[])[0]).toBeCloseTo(base.dataLossExact! * 100, 12);
    expect(loss['errorBars']).toMatchObject({ lo: [null, null], hi: [null, null], exact: [true, true] });
    const sim = rows.map((r) => simulatedOnly(r, SIMULATE_NOTE));
    const simLoss = cfg(scenarioPanels(info, sim).loss).data.datasets.find((d) => d['label'] === 'no-checks-2016')!;
    expect((simLoss['data'] as number[])[0]).toBe(base.dataLoss.p * 100);
    const bars = simLoss['errorBars'] as Bars;
    expect(bars.exact).toEqual([false, false]);
    expect([bars.lo[0], bars.hi[0]]).toEqual([base.dataLoss.lo * 100, base.dataLoss.hi * 100]);
    // Trials that drew no loss where the exact value is above 0: the chart shows the exact value.
    expect(base.dataLoss.p).not.toBe(base.dataLossExact);
  });

  it('marks exact points on the trade-off chart (both axes exact) and gives simulated points intervals on both axes', () => {
    const ex = cfg(tradeoffPanel(info, 't', rows, 10)).data.datasets.find((d) => d['label'] === 'no-checks-2016')!;
    expect(ex['errorBars']).toMatchObject({ exact: [true], lo: [null], xLo: [null] });
    const base = rows.find((r) => r.policy === 'no-checks-2016')!;
    expect((ex['data'] as Array<{ x: number }>)[0]!.x).toBeCloseTo(base.dataLossExact! * 100, 12);
    const sim = cfg(tradeoffPanel(info, 't', rows.map((r) => simulatedOnly(r, SIMULATE_NOTE)), 10)).data.datasets.find((d) => d['label'] === 'no-checks-2016')!;
    const bars = sim['errorBars'] as Bars;
    expect(bars.exact).toEqual([false]);
    expect([bars.xLo![0], bars.xHi![0]]).toEqual([base.dataLoss.lo * 100, base.dataLoss.hi * 100]);
    expect([bars.lo[0], bars.hi[0]]).toEqual([base.requests.lo * 100, base.requests.hi * 100]);
  });
});

describe('sweep chart', async () => {
  const { info, rows } = await rowsOf(['aarch64-guest-on-amd-host'], ['vm.ram=2GiB,3054MiB,3055MiB,4GiB']);

  it('has a panel per outcome share (ok, refused, crash, loss), a dataset per policy, on a numeric log2 axis for sizes', () => {
    const panels = sweepPanels(info, rows);
    expect(panels.map((p) => String((cfg(p).options as unknown as { plugins: { title: { text: string } } }).plugins.title.text).split(' ')[0])).toEqual(['ok', 'refused', 'crash', 'loss']);
    expect(SWEEP_OUTCOMES.map((o) => o.name)).toEqual(['ok', 'refused', 'crash', 'loss']);
    for (const p of panels) {
      const c = cfg(p);
      expect(c.options.scales['x']!['type']).toBe('linear');
      expect(c.data.datasets.map((d) => d['label'])).toEqual(allPolicies().map((x) => x.id));
      const xs = (c.data.datasets[0]!['data'] as Array<{ x: number }>).map((d) => d.x);
      expect(xs).toEqual([31, Math.log2(3054 * 2 ** 20), Math.log2(3055 * 2 ** 20), 32]);
    }
    // kernel-rejects refuses the start at 3055 MiB (Launchpad 1869006): the refused share moves, not only loss.
    const refused = cfg(panels[1]!).data.datasets.find((d) => d['label'] === 'kernel-rejects')!['data'] as Array<{ y: number }>;
    expect(refused.map((d) => d.y)).toEqual([0, 0, 100, 100]);
    // Exact everywhere here: every point is marked exact, none has an interval.
    const bars = cfg(panels[3]!).data.datasets.find((d) => d['label'] === 'no-checks-2016')!['errorBars'] as { lo: unknown[]; exact: boolean[] };
    expect(bars.exact).toEqual([true, true, true, true]);
    expect(bars.lo).toEqual([null, null, null, null]);
  });

  it('places counts and fractions linearly and anything else in the order given', () => {
    expect(sweepAxisScale('workload.buffers', ['64', '1024'])).toMatchObject({ x: [64, 1024], log2: false });
    expect(sweepAxisScale('vm.qemu', ['7.0', '7.1'])).toMatchObject({ x: [0, 1], log2: false });
    expect(sweepAxisScale('vm.ram', ['1GiB', '4GiB'])).toMatchObject({ x: [30, 32], log2: true });
  });

  it('risk-vs-success has a panel per scenario and sweep point, titled with the point', () => {
    expect(tradeoffPanelsOf(info, rows).map((p) => p.title)).toEqual(
      ['2GiB', '3054MiB', '3055MiB', '4GiB'].map((v) => `aarch64-guest-on-amd-host, vm.ram=${v}`));
  });
});

describe('risk-vs-success', async () => {
  const { info, rows } = await rowsOf(['d05-hw-msi-hotplug']);
  const c = cfg(tradeoffPanel(info, 'd05-hw-msi-hotplug', rows, 10));

  it('names its axes for what they count and its corners for whose they are', () => {
    expect((c.options.scales['x']!['title'] as { text: string }).text).toBe(X_TITLE);
    expect((c.options.scales['y']!['title'] as { text: string }).text).toBe(Y_TITLE);
    expect(X_TITLE).toMatch(/lost write/);
    expect(Y_TITLE).toMatch(/requests granted/);
    expect(CORNERS.alex).toMatch(/^Alex's corner: no loss, requests refused/);
    expect(CORNERS.will).toMatch(/^Will's ideal: all granted, no loss/);
    expect((c['plugins'] as Array<{ id: string }>).map((p) => p.id)).toContain('doorbellCorners');
  });

  it('draws counterfactual points hollow in the policy colour, and each policy with its marker', () => {
    for (const r of rows) {
      const d = c.data.datasets.find((x) => x['label'] === r.policy)!;
      const s = policyStyle(r.policy);
      expect(d['backgroundColor'], r.policy).toBe(r.counterfactual ? '#ffffff' : s.colour);
      expect(d['pointBorderColor'], r.policy).toBe(r.counterfactual ? s.colour : '#000000');
    }
    expect(rows.some((r) => r.counterfactual)).toBe(true);
  });
});

describe('chart determinism', () => {
  it('same seed ⇒ byte-identical PNGs, with and without a sweep', async () => {
    for (const flags of [[], ['vm.ram=3054MiB,4GiB']]) {
      const a = await rowsOf(['aarch64-guest-on-amd-host'], flags, '7', 30);
      const b = await rowsOf(['aarch64-guest-on-amd-host'], flags, '7', 30);
      const ca = await renderCharts(a.info, a.rows);
      const cb = await renderCharts(b.info, b.rows);
      expect([...cb.keys()]).toEqual([...ca.keys()]);
      for (const [name, buf] of ca) expect(cb.get(name)!.equals(buf), name).toBe(true);
    }
  }, 120_000);
});

// A built-in's parameter variant resolves to an id the style table does not hold, and still gets a stable look.
it('resolves the style of a parameterised built-in from its id', () => {
  const id = resolvePolicy('kernel-rejects:backend=iommufd').id;
  expect(policyStyle(id)).toEqual(policyStyle('kernel-rejects:backend=iommufd'));
});
