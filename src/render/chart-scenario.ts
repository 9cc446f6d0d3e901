// A scenario's chart: what each policy let happen, a bar per policy in its
// own colour and marker (hollow for a counterfactual row), 95% Wilson error
// bars. Left, the outcomes on a 0-100% scale (VM start, device and memory
// hotplug, migration, VM crash); right, data and silent loss on a scale of
// their own, so a loss of a few tenths of a percent is still readable.
import { createCanvas, loadImage } from 'canvas';
import type { ChartConfiguration } from 'chart.js';
import type { SummaryRow } from '../results/model.js';
import type { RunInfo } from '../results/run-info.js';
import { type Rate, wilson } from '../results/stats.js';
import { FONT, type Panel, drawPolicyLegend, errorBars, legendHeight, niceCeil, policyMarkers, renderPanel, whiteBackground } from './chart-kit.js';
import { policyStyle } from './chart-style.js';

export const SCENARIO_CHART_WIDTH = 1200;
const TITLE_H = 36;
const PANEL_H = 460;
const OUTCOME_W = 760;

/** Outcomes shown when some policy of the scenario has something to count, in this order. */
export const OUTCOME_METRICS: ReadonlyArray<readonly [string, (r: SummaryRow) => Rate]> = [
  ['VM start', (r) => r.vmStart],
  ['device hotplug ok', (r) => r.hotplug],
  ['memory hotplug ok', (r) => wilson(r.memHotplugOk, r.memHotplugAttempts)],
  ['migration ok', (r) => wilson(r.migrationsOk, r.migrations)],
  ['VM crash', (r) => wilson(r.vmCrashes, r.vmStart.n)],
  // The costs of the 2025 positions: a layout other than the machine type's, a window or valid list that differs across the pool.
  ['guest ABI changed', (r) => r.guestAbiChanged],
  ['migratable across pool', (r) => r.migratable],
];
export const LOSS_METRICS: ReadonlyArray<readonly [string, (r: SummaryRow) => Rate]> = [
  ['data loss', (r) => r.dataLoss],
  ['silent loss', (r) => r.silentLoss],
];

const pct = (x: number, n: number) => (n === 0 ? null : x * 100);

/** A bar dataset per policy over the given metrics; the policy's colour, hollow when counterfactual. */
function policyBars(info: RunInfo, rows: readonly SummaryRow[], metrics: ReadonlyArray<readonly [string, (r: SummaryRow) => Rate]>) {
  return info.policies.flatMap((p) => {
    const r = rows.find((x) => x.policy === p.id);
    if (!r) return [];
    const { colour } = policyStyle(p.id);
    const cf = r.counterfactual !== '';
    return [{
      label: p.id,
      data: metrics.map(([, f]) => pct(f(r).p, f(r).n)),
      backgroundColor: cf ? `${colour}33` : colour,
      borderColor: colour,
      borderWidth: cf ? 2 : 0,
      errorBars: { lo: metrics.map(([, f]) => pct(f(r).lo, f(r).n)), hi: metrics.map(([, f]) => pct(f(r).hi, f(r).n)) },
      policyMarker: { id: p.id, hollow: cf },
    }];
  }) as unknown as ChartConfiguration<'bar'>['data']['datasets'];
}

function barPanel(width: number, title: string, yTitle: string, yMax: number, labels: string[], datasets: ChartConfiguration<'bar'>['data']['datasets']): Panel {
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: { labels, datasets },
    options: {
      layout: { padding: { top: 8, right: 12 } },
      plugins: { title: { display: true, text: title, font: { size: 14 } }, legend: { display: false } },
      scales: { x: { ticks: { padding: 20 } }, y: { min: 0, max: yMax, title: { display: true, text: yTitle } } },
    },
    plugins: [whiteBackground, errorBars, policyMarkers],
  };
  return { width, height: PANEL_H, config: config as unknown as ChartConfiguration };
}

/** The two panels of a scenario's chart, as Chart.js configurations (tests read these). */
export function scenarioPanels(info: RunInfo, rows: readonly SummaryRow[]): { outcomes: Panel; loss: Panel } {
  // Every trial has a layout: the ABI bar only where some policy changed it.
  const used = OUTCOME_METRICS.filter(([label, f]) => rows.some((r) => (label === 'guest ABI changed' ? f(r).k : f(r).n) > 0));
  const lossTop = Math.max(0, ...rows.flatMap((r) => LOSS_METRICS.map(([, f]) => (f(r).n ? f(r).hi * 100 : 0))));
  // With no loss at all, the intervals' upper ends alone would set a scale of tenths of a percent: say so instead.
  const anyLoss = rows.some((r) => LOSS_METRICS.some(([, f]) => f(r).k > 0));
  const lossMax = anyLoss ? Math.min(100, niceCeil(Math.max(lossTop * 1.1, 0.5))) : 5;
  return {
    outcomes: barPanel(OUTCOME_W, 'Outcomes', '% of trials (start, crash) or of requests (hotplug, migration)', 100, used.map(([l]) => l), policyBars(info, rows, used)),
    loss: barPanel(SCENARIO_CHART_WIDTH - OUTCOME_W, anyLoss ? `Loss (scale 0-${lossMax}%)` : `Loss: no trial lost a write (scale 0-${lossMax}%)`, '% of trials with a lost write (silent: nothing records it)', lossMax, LOSS_METRICS.map(([l]) => l), policyBars(info, rows, LOSS_METRICS)),
  };
}

export async function scenarioChart(info: RunInfo, scenario: string, rows: readonly SummaryRow[]): Promise<Buffer> {
  const { outcomes, loss } = scenarioPanels(info, rows);
  const ids = info.policies.map((p) => p.id).filter((id) => rows.some((r) => r.policy === id));
  const cf = (id: string) => rows.some((r) => r.policy === id && r.counterfactual !== '');
  const legendH = legendHeight(ids, cf, SCENARIO_CHART_WIDTH) + 40;
  const out = createCanvas(SCENARIO_CHART_WIDTH, TITLE_H + PANEL_H + legendH);
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#222222';
  ctx.font = `bold 16px "${FONT}"`;
  ctx.fillText(`${scenario}: ${info.trials} trials per policy (seed ${info.seed}), 95% Wilson intervals`, 12, 24);
  ctx.drawImage(await loadImage(await renderPanel(outcomes)), 0, TITLE_H);
  ctx.drawImage(await loadImage(await renderPanel(loss)), OUTCOME_W, TITLE_H);
  drawPolicyLegend(ctx, ids, cf, 20, TITLE_H + PANEL_H + 18, SCENARIO_CHART_WIDTH);
  if (ids.some(cf)) {
    ctx.font = `12px "${FONT}"`;
    ctx.fillStyle = '#444444';
    ctx.fillText('Hollow bar and marker: a counterfactual row (the report says why).', 20, out.height - 10);
  }
  return out.toBuffer('image/png');
}
