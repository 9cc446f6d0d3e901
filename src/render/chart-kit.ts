// What every chart shares: size, font, the plugins for white backgrounds,
// error bars, point labels and policy markers, and the policy legend.
import { type CanvasRenderingContext2D, createCanvas } from 'canvas';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartConfiguration, Plugin } from 'chart.js';
import { drawMarker, policyStyle } from './chart-style.js';

export const CHART_WIDTH = 960;
export const CHART_HEIGHT = 540;
export const FONT = 'DejaVu Sans';


export interface Box { x: number; y: number; w: number; h: number }

interface ErrorBarData {
  readonly lo: readonly (number | null)[];
  readonly hi: readonly (number | null)[];
}

/** Draws a whisker from lo to hi over each bar (datasets carry `errorBars`). */
export const errorBars: Plugin = {
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
export const pointLabels: Plugin = {
  id: 'doorbellPointLabels',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea: area } = chart;
    ctx.save();
    ctx.font = `11px "${FONT}"`;
    ctx.fillStyle = '#222222';
    // Boxes another plugin already wrote in (the corner labels), kept free.
    const placed: Array<{ x: number; y: number; w: number; h: number }> = [...((chart as unknown as { $doorbellReserved?: Box[] }).$doorbellReserved ?? [])];
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

export const whiteBackground: Plugin = {
  id: 'doorbellBackground',
  beforeDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

const canvases = new Map<string, ChartJSNodeCanvas>();
/** A renderer of one size (Chart.js needs one canvas per size). */
export function renderer(width = CHART_WIDTH, height = CHART_HEIGHT): ChartJSNodeCanvas {
  const key = `${width}x${height}`;
  let c = canvases.get(key);
  if (!c) {
    c = new ChartJSNodeCanvas({
      width,
      height,
      chartCallback: (ChartJS) => {
        ChartJS.defaults.font.family = FONT;
        ChartJS.defaults.font.size = 13;
        ChartJS.defaults.animation = false;
        ChartJS.defaults.responsive = false;
      },
    });
    canvases.set(key, c);
  }
  return c;
}

/** A panel's size travels with its configuration, so one can be rendered from the other. */
export interface Panel {
  readonly width: number;
  readonly height: number;
  readonly config: ChartConfiguration;
}

export const renderPanel = (p: Panel): Promise<Buffer> => renderer(p.width, p.height).renderToBuffer(p.config, 'image/png');

/** The smallest of 1, 2, 5 × 10^k at or above x (an axis maximum). */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * e).find((v) => v >= x * (1 - 1e-12))!;
}

/**
 * Draws each policy's marker under its bars, just below the axis (datasets
 * carry `policyMarker`), hollow for a counterfactual row: a bar is known by
 * its marker as well as its colour, and a marker never reads as a value.
 * The x axis leaves room with `ticks.padding`.
 */
export const policyMarkers: Plugin = {
  id: 'doorbellPolicyMarkers',
  afterDatasetsDraw(chart) {
    chart.data.datasets.forEach((ds, di) => {
      const m = (ds as unknown as { policyMarker?: { id: string; hollow: boolean } }).policyMarker;
      if (!m) return;
      chart.getDatasetMeta(di).data.forEach((el, i) => {
        if (ds.data[i] == null) return;
        const { x } = el as unknown as { x: number };
        drawMarker(chart.ctx as unknown as CanvasRenderingContext2D, policyStyle(m.id), x, chart.chartArea.bottom + 12, 4.5, m.hollow);
      });
    });
  },
};

const LEGEND_FONT = `13px "${FONT}"`;
const LEGEND_ROW = 22;
/** Marker and the gap before the text, and the gap after it to the next column's marker. */
const LEGEND_PAD = 16 + 28;

const legendLabel = (id: string, hollow: boolean) => (hollow ? `${id} (counterfactual)` : id);

/** Columns as wide as the widest label, at least 300 px, as many as fit in `width` from `x0`: no name runs into the next column. */
export function legendColumns(ids: readonly string[], hollow: (id: string) => boolean, x0: number, width: number): { colW: number; cols: number } {
  const ctx = createCanvas(1, 1).getContext('2d');
  ctx.font = LEGEND_FONT;
  const widest = Math.max(0, ...ids.map((id) => ctx.measureText(legendLabel(id, hollow(id))).width));
  const colW = Math.max(300, Math.ceil(widest) + LEGEND_PAD);
  return { colW, cols: Math.max(1, Math.floor((width - x0) / colW)) };
}

/** A legend of policies in columns, each with its marker; hollow where `hollow` says. Returns its height. */
export function drawPolicyLegend(ctx: CanvasRenderingContext2D, ids: readonly string[], hollow: (id: string) => boolean, x0: number, y0: number, width: number): number {
  const { colW, cols } = legendColumns(ids, hollow, x0, width);
  ctx.save();
  ctx.font = LEGEND_FONT;
  ctx.fillStyle = '#222222';
  for (const [i, id] of ids.entries()) {
    const x = x0 + (i % cols) * colW;
    const y = y0 + Math.floor(i / cols) * LEGEND_ROW;
    const style = policyStyle(id);
    if (style.dash.length) {
      ctx.save();
      ctx.strokeStyle = style.colour;
      ctx.lineWidth = 2;
      ctx.setLineDash([...style.dash]);
      ctx.beginPath(); ctx.moveTo(x - 12, y); ctx.lineTo(x + 12, y); ctx.stroke();
      ctx.restore();
    }
    drawMarker(ctx, style, x, y, 6, hollow(id));
    ctx.fillStyle = '#222222';
    ctx.fillText(legendLabel(id, hollow(id)), x + 16, y + 4);
  }
  ctx.restore();
  return Math.ceil(ids.length / cols) * LEGEND_ROW;
}

/** The height drawPolicyLegend takes for these policies (x0 = 20), to size the canvas before drawing. */
export const legendHeight = (ids: readonly string[], hollow: (id: string) => boolean, width: number) => Math.ceil(ids.length / legendColumns(ids, hollow, 20, width).cols) * LEGEND_ROW;
