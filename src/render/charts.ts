// PNG charts (chartjs-node-canvas): per scenario, rates per policy with 95%
// error bars; across scenarios, silent-loss risk against request success:
// the Alex-versus-Will trade-off in one picture.
import { type CanvasRenderingContext2D, createCanvas, loadImage } from 'canvas';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { SummaryRow } from '../results/model.js';
import type { Rate } from '../results/stats.js';
import type { RunInfo } from '../results/run-info.js';

export const CHART_WIDTH = 960;
export const CHART_HEIGHT = 540;
const FONT = 'DejaVu Sans';

/** Okabe & Ito (2008) colour-blind-safe palette. */
export const PALETTE = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'];

interface ErrorBarData {
  readonly lo: readonly (number | null)[];
  readonly hi: readonly (number | null)[];
}

/** Draws a whisker from lo to hi over each bar (datasets carry `errorBars`). */
const errorBars: Plugin = {
  id: 'doorbellErrorBars',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const y = chart.scales['y']!;
    chart.data.datasets.forEach((ds, di) => {
      const bars = (ds as unknown as { errorBars?: ErrorBarData }).errorBars;
      if (!bars) return;
      chart.getDatasetMeta(di).data.forEach((el, i) => {
        const lo = bars.lo[i];
        const hi = bars.hi[i];
        if (lo == null || hi == null) return;
        const x = (el as unknown as { x: number }).x;
        const top = y.getPixelForValue(hi);
        const bottom = y.getPixelForValue(lo);
        ctx.save();
        ctx.strokeStyle = '#333333';
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(x, top); ctx.lineTo(x, bottom);
        ctx.moveTo(x - 5, top); ctx.lineTo(x + 5, top);
        ctx.moveTo(x - 5, bottom); ctx.lineTo(x + 5, bottom);
        ctx.stroke();
        ctx.restore();
      });
    });
  },
};

/**
 * Writes each point's label beside it (scatter datasets carry `pointLabels`),
 * wrapped, and placed greedily where it overlaps no earlier label.
 */
const pointLabels: Plugin = {
  id: 'doorbellPointLabels',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea: area } = chart;
    ctx.save();
    ctx.font = `11px "${FONT}"`;
    ctx.fillStyle = '#222222';
    const placed: Array<{ x: number; y: number; w: number; h: number }> = [];
    const lineH = 13;
    chart.data.datasets.forEach((ds, di) => {
      const labels = (ds as unknown as { pointLabels?: readonly string[] }).pointLabels;
      if (!labels) return;
      chart.getDatasetMeta(di).data.forEach((el, i) => {
        const text = labels[i] ?? '';
        if (!text) return;
        const { x, y } = el as unknown as { x: number; y: number };
        const lines = wrapLabel(text, 34);
        const w = Math.max(...lines.map((l) => ctx.measureText(l).width));
        const h = lines.length * lineH;
        const candidates = [
          [x + 12, y - 12 - h], [x + 12, y + 12], [x - 12 - w, y - 12 - h], [x - 12 - w, y + 12],
          [x + 12, y - 36 - h], [x - 12 - w, y - 36 - h], [x + 12, y + 36], [x - 12 - w, y + 36],
        ] as const;
        const clamp = ([cx, cy]: readonly [number, number]) => ({
          x: Math.min(Math.max(cx, area.left + 2), area.right - w - 2),
          y: Math.min(Math.max(cy, area.top + 2), area.bottom - h - 2),
          w, h,
        });
        const free = (b: { x: number; y: number; w: number; h: number }) =>
          placed.every((p) => b.x + b.w < p.x || p.x + p.w < b.x || b.y + b.h < p.y || p.y + p.h < b.y);
        const box = candidates.map(clamp).find(free) ?? clamp(candidates[0]);
        placed.push(box);
        lines.forEach((l, k) => ctx.fillText(l, box.x, box.y + (k + 1) * lineH - 2));
      });
    });
    ctx.restore();
  },
};

function wrapLabel(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const part of text.split(', ')) {
    const next = line ? `${line}, ${part}` : part;
    if (line && next.length > width) {
      out.push(`${line},`);
      line = part;
    } else line = next;
  }
  if (line) out.push(line);
  return out;
}

const whiteBackground: Plugin = {
  id: 'doorbellBackground',
  beforeDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

let canvas: ChartJSNodeCanvas | undefined;
function renderer(): ChartJSNodeCanvas {
  canvas ??= new ChartJSNodeCanvas({
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    chartCallback: (ChartJS) => {
      ChartJS.defaults.font.family = FONT;
      ChartJS.defaults.font.size = 13;
      ChartJS.defaults.animation = false;
      ChartJS.defaults.responsive = false;
    },
  });
  return canvas;
}

const percent = (r: Rate) => (r.n === 0 ? null : r.p * 100);
const lo = (r: Rate) => (r.n === 0 ? null : r.lo * 100);
const hi = (r: Rate) => (r.n === 0 ? null : r.hi * 100);

export async function scenarioChart(info: RunInfo, scenario: string, rows: readonly SummaryRow[]): Promise<Buffer> {
  const metrics: Array<[string, (r: SummaryRow) => Rate]> = [
    ['VM start', (r) => r.vmStart],
    ['hotplug success', (r) => r.hotplug],
    ['silent data loss (trials)', (r) => r.silentLoss],
  ];
  const used = metrics.filter(([, f]) => rows.some((r) => f(r).n > 0));
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.policy),
      datasets: used.map(([label, f], i) => ({
        label,
        data: rows.map((r) => percent(f(r))),
        backgroundColor: [PALETTE[5], PALETTE[3], PALETTE[6]][metrics.findIndex((m) => m[0] === label)] ?? PALETTE[i + 1],
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

const SHAPES = ['circle', 'rect', 'triangle', 'rectRot', 'star', 'crossRot'] as const;
const PANEL_W = 480;
const PANEL_H = 400;

/** One panel: a scenario's policies, silent-loss risk against requests granted. */
async function tradeoffPanel(info: RunInfo, scenario: string, rows: readonly SummaryRow[]): Promise<Buffer> {
  const ran = rows.filter((r) => r.silentLoss.n > 0);
  // Policies that land on the same point share one label instead of overprinting.
  const key = (r: SummaryRow) => `${(r.silentLoss.p * 100).toFixed(1)}/${(r.requests.p * 100).toFixed(1)}`;
  const groups = new Map<string, string[]>();
  for (const r of ran) groups.set(key(r), [...(groups.get(key(r)) ?? []), r.policy]);
  const labelled = new Set<string>();
  const config: ChartConfiguration<'scatter'> = {
    type: 'scatter',
    data: {
      datasets: info.policies.map((p, i) => {
        const r = ran.find((x) => x.policy === p.id);
        let label = '';
        if (r && !labelled.has(key(r))) {
          labelled.add(key(r));
          label = groups.get(key(r))!.join(', ');
        }
        return {
          label: p.id,
          data: r ? [{ x: r.silentLoss.p * 100, y: r.requests.p * 100 }] : [],
          pointLabels: [label],
          backgroundColor: PALETTE[(i + 1) % PALETTE.length],
          borderColor: '#000000',
          borderWidth: 1,
          pointRadius: 8,
          pointStyle: SHAPES[i % SHAPES.length],
        };
      }) as ChartConfiguration<'scatter'>['data']['datasets'],
    },
    options: {
      layout: { padding: { right: 16 } },
      plugins: {
        title: { display: true, text: scenario, font: { size: 14 } },
        legend: { display: false },
      },
      scales: {
        x: { min: -6, max: 106, afterBuildTicks: percentTicks, title: { display: true, text: 'silent data loss (% of trials)' } },
        y: { min: -6, max: 112, afterBuildTicks: percentTicks, title: { display: true, text: 'requests granted (%)' } },
      },
    },
    plugins: [whiteBackground, pointLabels],
  };
  return panelRenderer().renderToBuffer(config as ChartConfiguration, 'image/png');
}

/** Axes are padded so points at 0% and 100% are not clipped; ticks stay at 0, 20, ... 100. */
const percentTicks = (axis: { ticks: { value: number }[] }) => {
  axis.ticks = [0, 20, 40, 60, 80, 100].map((value) => ({ value }));
};

let panelCanvas: ChartJSNodeCanvas | undefined;
function panelRenderer(): ChartJSNodeCanvas {
  panelCanvas ??= new ChartJSNodeCanvas({ width: PANEL_W, height: PANEL_H, chartCallback: (c) => { c.defaults.font.family = FONT; c.defaults.animation = false; c.defaults.responsive = false; } });
  return panelCanvas;
}

/** Small multiples in one picture: a panel per scenario, one shared legend of policies. */
export async function tradeoffChart(info: RunInfo, rows: readonly SummaryRow[]): Promise<Buffer> {
  const cols = Math.min(3, Math.max(1, info.scenarios.length));
  const gridRows = Math.ceil(info.scenarios.length / cols);
  const titleH = 40;
  const legendH = 24 * Math.ceil(info.policies.length / 3) + 16;
  const out = createCanvas(cols * PANEL_W, titleH + gridRows * PANEL_H + legendH);
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#222222';
  ctx.font = `bold 16px "${FONT}"`;
  ctx.fillText(`Risk against success — ${info.trials} trials per point (seed ${info.seed})`, 12, 26);
  for (const [i, s] of info.scenarios.entries()) {
    const img = await loadImage(await tradeoffPanel(info, s.name, rows.filter((r) => r.scenario === s.name)));
    ctx.drawImage(img, (i % cols) * PANEL_W, titleH + Math.floor(i / cols) * PANEL_H);
  }
  ctx.font = `13px "${FONT}"`;
  for (const [i, p] of info.policies.entries()) {
    const x = 20 + (i % 3) * 320;
    const y = titleH + gridRows * PANEL_H + 20 + Math.floor(i / 3) * 24;
    ctx.fillStyle = PALETTE[(i + 1) % PALETTE.length]!;
    ctx.strokeStyle = '#000000';
    drawShape(ctx, SHAPES[i % SHAPES.length]!, x, y - 4);
    ctx.fillStyle = '#222222';
    ctx.fillText(p.id, x + 14, y);
  }
  return out.toBuffer('image/png');
}

function drawShape(ctx: CanvasRenderingContext2D, shape: (typeof SHAPES)[number], x: number, y: number): void {
  ctx.beginPath();
  if (shape === 'circle') ctx.arc(x, y, 6, 0, 2 * Math.PI);
  else if (shape === 'triangle') { ctx.moveTo(x, y - 7); ctx.lineTo(x + 7, y + 6); ctx.lineTo(x - 7, y + 6); ctx.closePath(); }
  else if (shape === 'rectRot') { ctx.moveTo(x, y - 7); ctx.lineTo(x + 7, y); ctx.lineTo(x, y + 7); ctx.lineTo(x - 7, y); ctx.closePath(); }
  else if (shape === 'star') {
    for (let k = 0; k < 10; k++) {
      const r = k % 2 === 0 ? 8 : 3.5;
      const a = -Math.PI / 2 + (k * Math.PI) / 5;
      ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
    }
    ctx.closePath();
  } else if (shape === 'crossRot') {
    ctx.moveTo(x - 6, y - 6); ctx.lineTo(x + 6, y + 6); ctx.moveTo(x + 6, y - 6); ctx.lineTo(x - 6, y + 6);
    ctx.lineWidth = 3;
    ctx.strokeStyle = ctx.fillStyle;
  } else ctx.rect(x - 6, y - 6, 12, 12);
  ctx.fill();
  ctx.stroke();
}

/** A sweep: silent loss against the first swept parameter, a line per policy, 95% error bars. */
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
        label: p,
        data: axis.values.map((v) => { const r = at(p, v); return r && r.silentLoss.n ? r.silentLoss.p * 100 : null; }),
        borderColor: PALETTE[(i + 1) % PALETTE.length],
        backgroundColor: PALETTE[(i + 1) % PALETTE.length],
        pointStyle: SHAPES[i % SHAPES.length],
        pointRadius: 5,
        errorBars: {
          lo: axis.values.map((v) => { const r = at(p, v); return r && r.silentLoss.n ? r.silentLoss.lo * 100 : null; }),
          hi: axis.values.map((v) => { const r = at(p, v); return r && r.silentLoss.n ? r.silentLoss.hi * 100 : null; }),
        },
      })) as ChartConfiguration<'line'>['data']['datasets'],
    },
    options: {
      plugins: {
        title: { display: true, text: `${scenario} — silent data loss against ${axis.key}${rest.length ? ` (${rest.join(', ')})` : ''}, ${info.trials} trials per point`, font: { size: 15 } },
        legend: { position: 'bottom' },
      },
      scales: {
        y: { min: 0, max: 100, title: { display: true, text: 'silent data loss (% of trials, 95% Wilson)' } },
        x: { title: { display: true, text: `${axis.key}${axisUnitText(axis.key)}` } },
      },
    },
    plugins: [whiteBackground, errorBars],
  };
  return renderer().renderToBuffer(config as ChartConfiguration, 'image/png');
}

const axisUnitText = (key: string) => (/ram|size/.test(key) ? ' (as written)' : '');

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
