// PNG charts (chartjs-node-canvas), each policy in the colour and marker
// chart-style.ts gives its name: per scenario, outcomes and loss with 95%
// error bars; with a sweep, every outcome share against the swept value;
// across scenarios, the risk-versus-success picture.
import type { SummaryRow } from '../results/model.js';
import type { RunInfo } from '../results/run-info.js';
import { scenarioChart } from './chart-scenario.js';
import { tradeoffChart } from './chart-tradeoff.js';
import { sweepChart } from './chart-sweep.js';

export { SCENARIO_CHART_WIDTH } from './chart-scenario.js';
export { scenarioChart };

/** Every chart of a run, by file name under charts/. */
export async function renderCharts(info: RunInfo, rows: readonly SummaryRow[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const sweeping = (info.sweep ?? []).length > 0;
  for (const s of info.scenarios) {
    const sr = rows.filter((r) => r.scenario === s.name);
    if (sweeping) out.set(`sweep-${s.name}.png`, await sweepChart(info, s.name, sr));
    else out.set(`${s.name}.png`, await scenarioChart(info, s.name, sr));
  }
  // Without a sweep a point per policy and scenario; with one, a path through the first axis's values.
  out.set('risk-vs-success.png', await tradeoffChart(info, rows));
  return out;
}
