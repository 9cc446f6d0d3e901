// A scenario's chart: what each policy let happen, a bar per policy in its
// own colour and marker (hollow for a counterfactual row), 95% Wilson error
// bars. Left, the outcomes on a 0-100% scale (VM start, device and memory
// hotplug, migration, VM crash); right, data and silent loss on a scale of
// their own, so a loss of a few tenths of a percent is still readable.
// Exact values (chart-values.ts) where the row has them, without a whisker.
import { createCanvas, loadImage } from 'canvas';
import type { ChartConfiguration } from 'chart.js';
import type { SummaryRow } from '../results/model.js';
import type { RunInfo } from '../results/run-info.js';
import type { Rate } from '../results/stats.js';
import { FONT, type Panel, drawPolicyLegend, errorBars, legendHeight, niceCeil, policyMarkers, renderPanel, whiteBackground } from './chart-kit.js';
import { drawNotes, notesHeight } from './chart-notes.js';
import { policyStyle } from './chart-style.js';
import { EXACT, exactCaption, RATE, type Shown, shown, shownTop } from './chart-values.js';

export const SCENARIO_CHART_WIDTH = 1200;
const TITLE_H = 36;
const PANEL_H = 460;
const OUTCOME_W = 760;

/** [label, simulated share, exact value]: outcomes shown when some policy of the scenario has something to count, in this order. */
export type BarMetric = readonly [string, (r: SummaryRow) => Rate, (r: SummaryRow) => number | undefined];
export const OUTCOME_METRICS: readonly BarMetric[] = [
  ['VM start', (r) => r.vmStart, EXACT.vmStart],
  ['device hotplug ok', (r) => r.hotplug, EXACT.hotplug],
  ['memory hotplug ok', RATE.memHotplug, EXACT.memHotplug],
  ['migration ok', RATE.migration, EXACT.migration],
  ['VM crash', RATE.vmCrash, EXACT.vmCrash],
  // The costs of the 2025 positions: a layout other than the machine type's, a window or valid list that differs across the pool.
  ['guest ABI changed', (r) => r.guestAbiChanged, EXACT.guestAbiChanged],
  ['migratable across pool', (r) => r.migratable, EXACT.migratable],
];
export const LOSS_METRICS: readonly BarMetric[] = [
  ['data loss', (r) => r.dataLoss, EXACT.dataLoss],
  ['silent loss', (r) => r.silentLoss, EXACT.silentLoss],
];

const show = (r: SummaryRow, [, rate, exact]: BarMetric): Shown | undefined => shown(r, { rate, exact });
const pct = (x: number | undefined) => (x === undefined ? null : x * 100);

/** A bar dataset per policy over the given metrics; the policy's colour, hollow when counterfactual. */
function policyBars(info: RunInfo, rows: readonly SummaryRow[], metrics: readonly BarMetric[]) {
  return info.policies.flatMap((p) => {
    const r = rows.find((x) => x.policy === p.id);
    if (!r) return [];
    const { colour } = policyStyle(p.id);
    const cf = r.counterfactual !== '';
    return [{
      label: p.id,
      data: metrics.map((m) => pct(show(r, m)?.p)),
      backgroundColor: cf ? `${colour}33` : colour,
      borderColor: colour,
      borderWidth: cf ? 2 : 0,
      errorBars: { lo: metrics.map((m) => pct(show(r, m)?.lo)), hi: metrics.map((m) => pct(show(r, m)?.hi)), exact: metrics.map((m) => show(r, m)?.exact === true) },
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
  const used = OUTCOME_METRICS.filter((m) => rows.some((r) => (m[0] === 'guest ABI changed' ? (show(r, m)?.p ?? 0) > 0 : show(r, m) !== undefined)));
  const lossTop = Math.max(0, ...rows.flatMap((r) => LOSS_METRICS.map((m) => shownTop(show(r, m)) * 100)));
  // With no loss at all, the intervals' upper ends alone would set a scale of tenths of a percent: say so instead.
  const anyLoss = rows.some((r) => LOSS_METRICS.some((m) => (show(r, m)?.p ?? 0) > 0 || m[1](r).k > 0));
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
  const notes = [...exactCaption('bars', rows.flatMap((r) => [...OUTCOME_METRICS, ...LOSS_METRICS].map((m) => show(r, m)))), ...(ids.some(cf) ? ['Hollow bar and marker: a counterfactual row (the report says why).'] : [])];
  const legendH = legendHeight(ids, cf, SCENARIO_CHART_WIDTH) + 24 + notesHeight(notes, SCENARIO_CHART_WIDTH);
  const out = createCanvas(SCENARIO_CHART_WIDTH, TITLE_H + PANEL_H + legendH);
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#222222';
  ctx.font = `bold 16px "${FONT}"`;
  ctx.fillText(`${scenario}: ${info.trials} trials per policy (seed ${info.seed}); exact values where computed`, 12, 24);
  ctx.drawImage(await loadImage(await renderPanel(outcomes)), 0, TITLE_H);
  ctx.drawImage(await loadImage(await renderPanel(loss)), OUTCOME_W, TITLE_H);
  drawPolicyLegend(ctx, ids, cf, 20, TITLE_H + PANEL_H + 18, SCENARIO_CHART_WIDTH);
  drawNotes(ctx, notes, SCENARIO_CHART_WIDTH, out.height);
  return out.toBuffer('image/png');
}
