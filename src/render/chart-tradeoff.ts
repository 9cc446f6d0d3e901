// The risk-versus-success picture: a panel per scenario, trials with a lost
// write (Alex's criterion) against requests granted, a point per policy in
// its own colour and marker, hollow for a counterfactual row. Under a sweep
// a panel per scenario and sweep point, titled with the point.
// Corners: no loss with requests refused is Alex's corner (bottom left);
// every request granted with no loss is Will's ideal (top left).
// Exact values (chart-values.ts) where the row has them, ringed; simulated
// ones with their 95% intervals on both axes.
import { createCanvas, loadImage } from 'canvas';
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { SummaryRow } from '../results/model.js';
import type { RunInfo } from '../results/run-info.js';
import { type Box, FONT, type Panel, drawPolicyLegend, errorBars, legendHeight, niceCeil, pointLabels, renderPanel, whiteBackground } from './chart-kit.js';
import { drawNotes, notesHeight } from './chart-notes.js';
import { chartjsPoint, policyStyle } from './chart-style.js';
import { EXACT, exactCaption, type Shown, shown, shownTop } from './chart-values.js';

export const PANEL_W = 480;
const PANEL_H = 400;
export const X_TITLE = 'trials with a lost write (%)';
export const Y_TITLE = 'requests granted (% of start, hotplug, migration)';
export const CORNERS = { alex: "Alex's corner: no loss, requests refused", will: "Will's ideal: all granted, no loss" } as const;

const cornerLabels: Plugin = {
  id: 'doorbellCorners',
  beforeDatasetsDraw(chart) {
    const { ctx, chartArea: a } = chart;
    ctx.save();
    ctx.font = `italic 11px "${FONT}"`;
    ctx.fillStyle = '#555555';
    const will = `\u2196 ${CORNERS.will}`;
    const alex = `\u2199 ${CORNERS.alex}`;
    ctx.fillText(will, a.left + 4, a.top + 12);
    ctx.fillText(alex, a.left + 4, a.bottom - 5);
    // Point labels keep out of these boxes.
    (chart as unknown as { $doorbellReserved: Box[] }).$doorbellReserved = [
      { x: a.left + 2, y: a.top, w: ctx.measureText(will).width + 4, h: 15 },
      { x: a.left + 2, y: a.bottom - 17, w: ctx.measureText(alex).width + 4, h: 15 },
    ];
    ctx.restore();
  },
};

/** A row's point: loss (x) and requests granted (y), each exact where computed. */
export function tradeoffPoint(r: SummaryRow): { x: Shown; y: Shown } | undefined {
  const x = shown(r, { rate: (q) => q.dataLoss, exact: EXACT.dataLoss });
  const y = shown(r, { rate: (q) => q.requests, exact: EXACT.requests });
  return x && y ? { x, y } : undefined;
}

/** One panel: the policies of a scenario at one sweep point, a point each. */
export function tradeoffPanel(info: RunInfo, title: string, rows: readonly SummaryRow[], xMax: number): Panel {
  const ran = rows.filter((r) => r.dataLoss.n > 0 && tradeoffPoint(r) !== undefined);
  // Policies that land on the same point share one label instead of overprinting.
  const key = (r: SummaryRow) => { const p = tradeoffPoint(r)!; return `${(p.x.p * 100).toFixed(2)}/${(p.y.p * 100).toFixed(1)}`; };
  const groups = new Map<string, string[]>();
  for (const r of ran) groups.set(key(r), [...(groups.get(key(r)) ?? []), r.policy]);
  const labelled = new Set<string>();
  const ids = info.policies.map((p) => p.id).filter((id) => ran.some((r) => r.policy === id));
  const pc = (v: number | undefined) => (v === undefined ? null : v * 100);
  const datasets = ids.map((id, k) => {
    const r = ran.find((x) => x.policy === id)!;
    const pt = tradeoffPoint(r)!;
    const style = policyStyle(id);
    const cf = r.counterfactual !== '';
    let label = '';
    if (!labelled.has(key(r))) {
      labelled.add(key(r));
      label = groups.get(key(r))!.join(', ');
    }
    return {
      label: id,
      data: [{ x: pt.x.p * 100, y: pt.y.p * 100 }],
      errorBars: { lo: [pc(pt.y.lo)], hi: [pc(pt.y.hi)], xLo: [pc(pt.x.lo)], xHi: [pc(pt.x.hi)], exact: [pt.x.exact && pt.y.exact] },
      pointLabels: [label],
      backgroundColor: cf ? '#ffffff' : style.colour,
      pointBorderColor: cf ? style.colour : '#000000',
      pointBorderWidth: cf ? 2.5 : 1,
      // Earlier policies drawn larger, so policies on one spot show as nested markers.
      // Chart.js draws a higher order first: the largest underneath.
      order: ids.length - k,
      pointRadius: 5 + 0.9 * (ids.length - 1 - k),
      ...chartjsPoint(style.marker),
    };
  });
  const pad = xMax * 0.06;
  const config: ChartConfiguration<'scatter'> = {
    type: 'scatter',
    data: { datasets: datasets as unknown as ChartConfiguration<'scatter'>['data']['datasets'] },
    options: {
      layout: { padding: { right: 16 } },
      plugins: { title: { display: true, text: title, font: { size: 14 } }, legend: { display: false } },
      scales: {
        x: { type: 'linear', min: -pad, max: xMax + pad, afterBuildTicks: ticksTo(xMax), title: { display: true, text: X_TITLE } },
        y: { min: -16, max: 120, afterBuildTicks: ticksTo(100), title: { display: true, text: Y_TITLE } },
      },
    },
    plugins: [whiteBackground, cornerLabels, errorBars, pointLabels],
  };
  return { width: PANEL_W, height: PANEL_H, config: config as unknown as ChartConfiguration };
}

/** A panel per scenario and sweep point while that stays a picture; beyond, the first point only. */
export const MAX_PANELS = 36;
export function tradeoffPanelsOf(info: RunInfo, rows: readonly SummaryRow[]): { scenario: string; point: string; title: string }[] {
  const points = [...new Set(rows.map((r) => r.point))];
  const all = info.scenarios.flatMap((s) => points.map((point) => ({ scenario: s.name, point, title: point ? `${s.name}, ${point}` : s.name })));
  return all.length <= MAX_PANELS ? all : all.filter((p) => p.point === points[0]);
}

/** Axes are padded so points at 0 and the maximum are not clipped; five ticks from 0 to the maximum. */
const ticksTo = (max: number) => (axis: { ticks: { value: number }[] }) => {
  axis.ticks = [0, 1, 2, 3, 4, 5].map((k) => ({ value: Number(((max * k) / 5).toPrecision(6)) }));
};

/** The loss axis every panel shares: up to the largest loss seen, at least 5%. */
export function lossAxisMax(rows: readonly SummaryRow[]): number {
  const top = Math.max(0, ...rows.filter((r) => r.dataLoss.n > 0).map((r) => shownTop(tradeoffPoint(r)?.x) * 100));
  return Math.min(100, niceCeil(Math.max(5, top * 1.05)));
}

/** Small multiples in one picture: a panel per scenario, one shared legend of policies. */
export async function tradeoffChart(info: RunInfo, rows: readonly SummaryRow[]): Promise<Buffer> {
  const panels = tradeoffPanelsOf(info, rows);
  const cols = Math.min(3, Math.max(1, panels.length));
  const gridRows = Math.ceil(panels.length / cols);
  const width = cols * PANEL_W;
  const titleH = 40;
  const ids = info.policies.map((p) => p.id).filter((id) => rows.some((r) => r.policy === id));
  const cf = (id: string) => rows.some((r) => r.policy === id && r.counterfactual !== '');
  const legendH = legendHeight(ids, () => false, width) + 24;
  const notes = [...exactCaption('points', rows.flatMap((r) => { const p = tradeoffPoint(r); return p ? [p.x, p.y] : []; })), ...(ids.some(cf) ? ['Hollow marker: a counterfactual row (the report says why).'] : [])];
  const noteH = notesHeight(notes, width);
  const out = createCanvas(width, titleH + gridRows * PANEL_H + legendH + noteH);
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#222222';
  ctx.font = `bold 16px "${FONT}"`;
  const firstOnly = panels.length < info.scenarios.length * new Set(rows.map((r) => r.point)).size;
  ctx.fillText(`Risk against success: ${info.trials} trials per point (seed ${info.seed})${firstOnly ? `, at ${panels[0]?.point} (a panel per point would be too many)` : ''}`, 12, 26);
  const xMax = lossAxisMax(rows);
  for (const [i, p] of panels.entries()) {
    const img = await loadImage(await renderPanel(tradeoffPanel(info, p.title, rows.filter((r) => r.scenario === p.scenario && r.point === p.point), xMax)));
    ctx.drawImage(img, (i % cols) * PANEL_W, titleH + Math.floor(i / cols) * PANEL_H);
  }
  drawPolicyLegend(ctx, ids, () => false, 20, titleH + gridRows * PANEL_H + 20, width);
  drawNotes(ctx, notes, width, out.height);
  return out.toBuffer('image/png');
}
