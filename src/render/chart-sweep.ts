// A sweep: every outcome share (requests granted, requests refused, trials
// with a VM crash, trials with a lost write) against the first swept
// parameter, a panel per outcome and a line per policy in its own colour,
// marker and dash. The x axis is numeric: log2 for sizes (a sweep over RAM
// sizes is usually by doublings), linear for counts and fractions, the
// order given for versions and names. Exact values (chart-values.ts) where
// the row has them, ringed and without a whisker.
import { createCanvas, loadImage } from 'canvas';
import type { ChartConfiguration } from 'chart.js';
import { formatSize, parseQuantity } from '../model/addr.js';
import type { SummaryRow } from '../results/model.js';
import type { RunInfo } from '../results/run-info.js';
import type { Rate } from '../results/stats.js';
import { SWEEP_PARAMS } from '../scenario/params.js';
import { FONT, type Panel, drawPolicyLegend, errorBars, legendHeight, niceCeil, renderPanel, whiteBackground } from './chart-kit.js';
import { drawNotes, notesHeight } from './chart-notes.js';
import { chartjsPoint, policyStyle } from './chart-style.js';
import { EXACT, exactCaption, RATE, type Shown, shown, shownTop } from './chart-values.js';

const PANEL_W = 600;
const PANEL_H = 380;
const TITLE_H = 36;

/** The outcomes, each a share with its own denominator (named on the axis). */
export const SWEEP_OUTCOMES: ReadonlyArray<{ readonly name: string; readonly axis: string; readonly rate: (r: SummaryRow) => Rate; readonly exact: (r: SummaryRow) => number | undefined; readonly scaled: boolean }> = [
  { name: 'ok', axis: 'requests granted (% of VMM requests)', rate: (r) => r.requests, exact: EXACT.requests, scaled: false },
  { name: 'refused', axis: 'requests refused, kernel or VMM (% of requests)', rate: RATE.refused, exact: EXACT.refused, scaled: false },
  { name: 'crash', axis: 'trials with a VM crash (%)', rate: RATE.vmCrash, exact: EXACT.vmCrash, scaled: false },
  // Loss is often a few percent or less: its own scale.
  { name: 'loss', axis: 'trials with a lost write (%)', rate: (r) => r.dataLoss, exact: EXACT.dataLoss, scaled: true },
];

export interface SweepAxisScale {
  readonly x: readonly number[];
  readonly log2: boolean;
  readonly title: string;
}

/** Where each swept value sits on the x axis: log2(bytes) for sizes, the number for counts and fractions, else its position. */
export function sweepAxisScale(key: string, values: readonly string[]): SweepAxisScale {
  const kind = SWEEP_PARAMS[key]?.kind;
  if (kind === 'size') {
    const bytes = values.map((v) => parseQuantity(v));
    if (bytes.every((b) => b !== undefined && b > 0n)) return { x: bytes.map((b) => Math.log2(Number(b))), log2: true, title: `${key} (log2 scale)` };
  }
  if (kind === 'count' || kind === 'fraction') {
    const nums = values.map(Number);
    if (nums.every(Number.isFinite)) return { x: nums, log2: false, title: key };
  }
  return { x: values.map((_, i) => i), log2: false, title: `${key} (in the order given)` };
}

/** The four panels of a sweep chart, as Chart.js configurations (tests read these). */
export function sweepPanels(info: RunInfo, rows: readonly SummaryRow[]): Panel[] {
  const axis = info.sweep[0]!;
  const rest = info.sweep.slice(1).map((a) => `${a.key}=${a.values[0]}`);
  // Other axes held at their first value.
  const at = (policy: string, v: string) => rows.find((r) => r.policy === policy && r.point === [`${axis.key}=${v}`, ...rest].join(' '));
  const scale = sweepAxisScale(axis.key, axis.values);
  const label = new Map(scale.x.map((x, i) => [x, axis.values[i]!]));
  const policies = info.policies.map((p) => p.id).filter((id) => rows.some((r) => r.policy === id));
  return SWEEP_OUTCOMES.map((o) => {
    const plotted = (p: string) => axis.values.map((v, i) => {
      const r = at(p, v);
      const q = r ? shown(r, o) : undefined;
      return q ? { x: scale.x[i]!, q } : null;
    });
    const top = Math.max(0, ...policies.flatMap((p) => plotted(p).map((d) => shownTop(d?.q) * 100)));
    // No loss anywhere: a fixed 5% scale rather than one set by the intervals' upper ends.
    const any = rows.some((r) => (shown(r, o)?.p ?? 0) > 0 || o.rate(r).k > 0);
    const yMax = !o.scaled ? 100 : any ? Math.min(100, niceCeil(Math.max(top * 1.1, 0.5))) : 5;
    // Earlier policies drawn wider and larger, so policies on one line show as nested strokes and markers.
    const datasets = policies.map((p, k) => {
      const style = policyStyle(p);
      const cf = rows.some((r) => r.policy === p && r.counterfactual !== '');
      const points = plotted(p).filter((d): d is { x: number; q: Shown } => d !== null);
      const y = (v: number | undefined) => (v === undefined ? null : v * 100);
      return {
        label: p,
        data: points.map((d) => ({ x: d.x, y: d.q.p * 100 })),
        borderColor: style.colour,
        backgroundColor: cf ? '#ffffff' : style.colour,
        borderDash: [...style.dash],
        // Chart.js draws a higher order first: the largest underneath.
        order: policies.length - k,
        borderWidth: 1.5 + 0.7 * (policies.length - 1 - k),
        pointBorderColor: cf ? style.colour : '#000000',
        pointBorderWidth: cf ? 2 : 1,
        pointRadius: 4 + 0.9 * (policies.length - 1 - k),
        ...chartjsPoint(style.marker),
        errorBars: { lo: points.map((d) => y(d.q.lo)), hi: points.map((d) => y(d.q.hi)), exact: points.map((d) => d.q.exact) },
      };
    });
    const config: ChartConfiguration<'line'> = {
      type: 'line',
      data: { datasets: datasets as unknown as ChartConfiguration<'line'>['data']['datasets'] },
      options: {
        layout: { padding: { right: 16 } },
        plugins: { title: { display: true, text: o.scaled ? `${o.name} (scale 0-${yMax}%)` : o.name, font: { size: 14 } }, legend: { display: false } },
        scales: {
          x: {
            type: 'linear',
            title: { display: true, text: scale.title },
            afterBuildTicks: (a: { ticks: { value: number }[] }) => { a.ticks = thin(scale.x).map((value) => ({ value })); },
            ticks: { callback: (v: string | number) => tickText(label.get(Number(v)), scale.log2, Number(v)) },
          },
          // Padded so a line at 0% or at the top is not cut in half; ticks stay at 0 .. yMax.
          y: { min: -yMax * 0.03, max: yMax * 1.03, afterBuildTicks: (a: { ticks: { value: number }[] }) => { a.ticks = [...Array(11).keys()].map((k) => ({ value: Number(((yMax * k) / 10).toPrecision(6)) })); }, title: { display: true, text: o.axis } },
        },
      },
      plugins: [whiteBackground, errorBars],
    };
    return { width: PANEL_W, height: PANEL_H, config: config as unknown as ChartConfiguration };
  });
}

/** At most 10 ticks, none closer than 1/12 of the axis to the one before, always the last value. */
function thin(xs: readonly number[]): number[] {
  const sorted = [...new Set(xs)].sort((a, b) => a - b);
  const gap = (sorted.at(-1)! - sorted[0]!) / 12;
  const kept: number[] = [];
  for (const x of sorted) {
    if (kept.length && x - kept.at(-1)! < gap) {
      if (x === sorted.at(-1)) kept[kept.length - 1] = x;
      continue;
    }
    kept.push(x);
  }
  return kept;
}

function tickText(given: string | undefined, log2: boolean, x: number): string {
  if (given !== undefined) return log2 ? formatSize(BigInt(Math.round(2 ** x))).replace(/ /g, '') : given;
  return String(x);
}

/** `key=a,b,c`, or `key=a..z (N values)` when a list would not fit a title. */
export const valuesText = (key: string, values: readonly string[]): string =>
  values.length <= 6 ? `${key}=${values.join(',')}` : `${key}=${values[0]}..${values.at(-1)} (${values.length} values)`;

/** The sweep chart of one scenario: four panels, one shared legend of policies. */
export async function sweepChart(info: RunInfo, scenario: string, rows: readonly SummaryRow[]): Promise<Buffer> {
  const panels = sweepPanels(info, rows);
  const axis = info.sweep[0]!;
  const rest = info.sweep.slice(1).map((a) => `${a.key}=${a.values[0]}`);
  const ids = info.policies.map((p) => p.id).filter((id) => rows.some((r) => r.policy === id));
  const cf = (id: string) => rows.some((r) => r.policy === id && r.counterfactual !== '');
  const width = 2 * PANEL_W;
  const notes = exactCaption('points', rows.flatMap((r) => SWEEP_OUTCOMES.map((o) => shown(r, o))));
  const out = createCanvas(width, TITLE_H + 2 * PANEL_H + legendHeight(ids, cf, width) + 24 + notesHeight(notes, width));
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#222222';
  ctx.font = `bold 16px "${FONT}"`;
  ctx.fillText(`${scenario}: outcomes against ${valuesText(axis.key, axis.values)}${rest.length ? ` (${rest.join(', ')})` : ''}, ${info.trials} trials per point`, 12, 24);
  for (const [i, p] of panels.entries()) ctx.drawImage(await loadImage(await renderPanel(p)), (i % 2) * PANEL_W, TITLE_H + Math.floor(i / 2) * PANEL_H);
  drawPolicyLegend(ctx, ids, cf, 20, TITLE_H + 2 * PANEL_H + 18, width);
  drawNotes(ctx, notes, width, out.height);
  return out.toBuffer('image/png');
}
