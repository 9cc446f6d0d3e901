// A sweep: data loss (any lost write) against the first swept parameter, a line per policy.
import type { ChartConfiguration } from 'chart.js';
import type { SummaryRow } from '../results/model.js';
import type { RunInfo } from '../results/run-info.js';
import { PALETTE, errorBars, renderer, whiteBackground } from './chart-kit.js';
import { SHAPES } from './chart-tradeoff.js';

/** A sweep: data loss against the first swept parameter, a line per policy, 95% error bars. */
export async function sweepChart(info: RunInfo, scenario: string, rows: readonly SummaryRow[]): Promise<Buffer> {
  const axis = info.sweep[0]!;
  const rest = info.sweep.slice(1).map((a) => `${a.key}=${a.values[0]}`);
  // Other axes held at their first value; the x axis in the order the values were given.
  const at = (policy: string, v: string) => rows.find((r) => r.policy === policy && r.point === [`${axis.key}=${v}`, ...rest].join(' '));
  const policies = info.policies.map((p) => p.id);
  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: {
      labels: [...axis.values],
      datasets: policies.map((p, i) => ({
        label: rows.some((r) => r.policy === p && r.counterfactual) ? `${p} (cf)` : p,
        data: axis.values.map((v) => { const r = at(p, v); return r && r.dataLoss.n ? r.dataLoss.p * 100 : null; }),
        borderColor: PALETTE[(i + 1) % PALETTE.length],
        backgroundColor: PALETTE[(i + 1) % PALETTE.length],
        pointStyle: SHAPES[i % SHAPES.length],
        pointRadius: 5,
        errorBars: {
          lo: axis.values.map((v) => { const r = at(p, v); return r && r.dataLoss.n ? r.dataLoss.lo * 100 : null; }),
          hi: axis.values.map((v) => { const r = at(p, v); return r && r.dataLoss.n ? r.dataLoss.hi * 100 : null; }),
        },
      })) as ChartConfiguration<'line'>['data']['datasets'],
    },
    options: {
      plugins: {
        title: { display: true, text: `${scenario} — data loss against ${axis.key}${rest.length ? ` (${rest.join(', ')})` : ''}, ${info.trials} trials per point`, font: { size: 15 } },
        legend: { position: 'bottom' },
      },
      scales: {
        y: { min: 0, max: 100, title: { display: true, text: 'data loss, any lost write (% of trials, 95% Wilson)' } },
        x: { title: { display: true, text: `${axis.key}${axisUnitText(axis.key)}` } },
      },
    },
    plugins: [whiteBackground, errorBars],
  };
  return renderer().renderToBuffer(config as ChartConfiguration, 'image/png');
}

const axisUnitText = (key: string) => (/ram|size/.test(key) ? ' (as written)' : '');

