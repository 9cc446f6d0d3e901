// PNG charts (chartjs-node-canvas): per scenario, rates per policy with 95%
// error bars; with a sweep, loss against the swept parameter; across
// scenarios, the risk-versus-success picture.
import type { ChartConfiguration } from 'chart.js';
import type { SummaryRow } from '../results/model.js';
import type { Rate } from '../results/stats.js';
import type { RunInfo } from '../results/run-info.js';
import { PALETTE, errorBars, renderer, whiteBackground } from './chart-kit.js';
import { tradeoffChart } from './chart-tradeoff.js';
import { sweepChart } from './chart-sweep.js';

export { CHART_HEIGHT, CHART_WIDTH, PALETTE } from './chart-kit.js';

const percent = (r: Rate) => (r.n === 0 ? null : r.p * 100);
const lo = (r: Rate) => (r.n === 0 ? null : r.lo * 100);
const hi = (r: Rate) => (r.n === 0 ? null : r.hi * 100);

export async function scenarioChart(info: RunInfo, scenario: string, rows: readonly SummaryRow[]): Promise<Buffer> {
  const metrics: Array<[string, (r: SummaryRow) => Rate]> = [
    ['VM start', (r) => r.vmStart],
    ['hotplug success', (r) => r.hotplug],
    ['data loss (trials)', (r) => r.dataLoss],
    ['silent data loss (trials)', (r) => r.silentLoss],
    // The costs of the 2025 positions: a layout other than the machine type's, a window or valid list that differs across the pool.
    ['guest ABI changed (trials)', (r) => r.guestAbiChanged],
    ['migratable across pool (trials)', (r) => r.migratable],
  ];
  // Every trial has a layout: the ABI bar only where some policy changed it.
  const used = metrics.filter(([label, f]) => rows.some((r) => (label.startsWith('guest ABI') ? f(r).k : f(r).n) > 0));
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      // (cf): a counterfactual row (summary.csv `counterfactual`); the report's legend says why.
      labels: rows.map((r) => (r.counterfactual ? `${r.policy} (cf)` : r.policy)),
      datasets: used.map(([label, f], i) => ({
        label,
        data: rows.map((r) => percent(f(r))),
        backgroundColor: [PALETTE[5], PALETTE[3], PALETTE[1], PALETTE[6], PALETTE[4], PALETTE[2]][metrics.findIndex((m) => m[0] === label)] ?? PALETTE[i + 1],
        errorBars: { lo: rows.map((r) => lo(f(r))), hi: rows.map((r) => hi(f(r))) },
      })) as ChartConfiguration<'bar'>['data']['datasets'],
    },
    options: {
      plugins: {
        title: { display: true, text: `${scenario} — ${info.trials} trials per policy (seed ${info.seed}), 95% Wilson intervals`, font: { size: 15 } },
        legend: { position: 'bottom' },
      },
      scales: {
        y: { min: 0, max: 100, title: { display: true, text: 'rate (% of trials or requests)' } },
        x: { title: { display: true, text: 'policy' } },
      },
    },
    plugins: [whiteBackground, errorBars],
  };
  return renderer().renderToBuffer(config as ChartConfiguration, 'image/png');
}

/** Every chart of a run, by file name under charts/. */
export async function renderCharts(info: RunInfo, rows: readonly SummaryRow[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const sweeping = (info.sweep ?? []).length > 0;
  for (const s of info.scenarios) {
    const sr = rows.filter((r) => r.scenario === s.name);
    if (sweeping) out.set(`sweep-${s.name}.png`, await sweepChart(info, s.name, sr));
    else out.set(`${s.name}.png`, await scenarioChart(info, s.name, sr));
  }
  // The trade-off at the first point of a sweep: one point per policy and scenario.
  const first = rows[0]?.point ?? '';
  out.set('risk-vs-success.png', await tradeoffChart(info, rows.filter((r) => r.point === first)));
  return out;
}
