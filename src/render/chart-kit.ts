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
  /** Horizontal intervals (the trade-off chart's loss axis). */
  readonly xLo?: readonly (number | null)[];
  readonly xHi?: readonly (number | null)[];
  /** Exact values: no whisker; a bar gets a bold cap, a point a ring (chart-values.ts EXACT_CAPTION). */
  readonly exact?: readonly boolean[];
}

/** Draws a whisker from lo to hi over each bar or point (datasets carry `errorBars`), and marks exact values. */
export const errorBars: Plugin = {
  id: 'doorbellErrorBars',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const y = chart.scales['y']!;
    const xs = chart.scales['x']!;
    const bar = (chart.config as { type?: string }).type === 'bar';
    // Nested markers of policies on one spot share one ring (the first, largest, policy's).
    const ringed = new Set<string>();
    chart.data.datasets.forEach((ds, di) => {
      const bars = (ds as unknown as { errorBars?: ErrorBarData }).errorBars;
      if (!bars) return;
      chart.getDatasetMeta(di).data.forEach((el, i) => {
        if (ds.data[i] == null) return;
        const { x, y: py } = el as unknown as { x: number; y: number };
        ctx.save();
        ctx.strokeStyle = '#333333';
        ctx.lineWidth = 1.5;
        if (bars.exact?.[i]) {
          ctx.strokeStyle = '#000000';
          ctx.lineWidth = 3;
          ctx.beginPath();
          if (bar) {
            const half = ((el as unknown as { width?: number }).width ?? 10) / 2 + 2;
            ctx.moveTo(x - half, py); ctx.lineTo(x + half, py);
          } else {
            const spot = `${Math.round(x)},${Math.round(py)}`;
            if (ringed.has(spot)) { ctx.restore(); return; }
            ringed.add(spot);
            ctx.lineWidth = 1.5;
            const r = Number((el as unknown as { options?: { radius?: number } }).options?.radius ?? 5) + 3;
            ctx.arc(x, py, r, 0, 2 * Math.PI);
          }
          ctx.stroke();
          ctx.restore();
          return;
        }
        const lo = bars.lo[i];
        const hi = bars.hi[i];
        ctx.beginPath();
        if (lo != null && hi != null) {
          const top = y.getPixelForValue(hi);
          const bottom = y.getPixelForValue(lo);
          ctx.moveTo(x, top); ctx.lineTo(x, bottom);
          ctx.moveTo(x - 5, top); ctx.lineTo(x + 5, top);
          ctx.moveTo(x - 5, bottom); ctx.lineTo(x + 5, bottom);
        }
        const xl = bars.xLo?.[i];
        const xh = bars.xHi?.[i];
        if (xl != null && xh != null) {
          const left = xs.getPixelForValue(xl);
          const right = xs.getPixelForValue(xh);
          ctx.moveTo(left, py); ctx.lineTo(right, py);
          ctx.moveTo(left, py - 5); ctx.lineTo(left, py + 5);
          ctx.moveTo(right, py - 5); ctx.lineTo(right, py + 5);
        }
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
    // Every labelled point's marker (and its exact-value ring) is kept free too: a label never covers a point.
    chart.data.datasets.forEach((ds, di) => {
      if (!(ds as unknown as { pointLabels?: readonly string[] }).pointLabels) return;
      for (const el of chart.getDatasetMeta(di).data) {
        const { x, y } = el as unknown as { x: number; y: number };
        const r = Number((el as unknown as { options?: { radius?: number } }).options?.radius ?? 5) + 4;
        placed.push({ x: x - r, y: y - r, w: 2 * r, h: 2 * r });
      }
      // And its whiskers.
      const bars = (ds as unknown as { errorBars?: ErrorBarData }).errorBars;
      chart.getDatasetMeta(di).data.forEach((el, i) => {
        const { x, y } = el as unknown as { x: number; y: number };
        const [lo, hi, xl, xh] = [bars?.lo[i], bars?.hi[i], bars?.xLo?.[i], bars?.xHi?.[i]];
        if (lo != null && hi != null) { const [t, b] = [chart.scales['y']!.getPixelForValue(hi), chart.scales['y']!.getPixelForValue(lo)]; placed.push({ x: x - 5, y: t, w: 10, h: b - t }); }
        if (xl != null && xh != null) { const [l, r] = [chart.scales['x']!.getPixelForValue(xl), chart.scales['x']!.getPixelForValue(xh)]; placed.push({ x: l, y: y - 5, w: r - l, h: 10 }); }
      });
    });
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
        const r = Number((el as unknown as { options?: { radius?: number } }).options?.radius ?? 5) + 6;
        // Beside the point first, then above and below it, then further out, right before left.
        const candidates: Array<readonly [number, number]> = [[x + r, y - h / 2], [x + r, y - r - h], [x + r, y + r], [x - r - w, y - h / 2], [x - r - w, y - r - h], [x - r - w, y + r]];
        for (let step = 1; step <= 8; step++) for (const dx of [x + r, x - r - w, x - w / 2]) candidates.push([dx, y - r - h - step * lineH], [dx, y + r + step * lineH]);
        const clamp = ([cx, cy]: readonly [number, number]) => ({
          x: Math.min(Math.max(cx, area.left + 2), area.right - w - 2),
          y: Math.min(Math.max(cy, area.top + 2), area.bottom - h - 2),
          w, h,
        });
        const free = (b: Box) => placed.every((p) => b.x + b.w < p.x || p.x + p.w < b.x || b.y + b.h < p.y || p.y + p.h < b.y);
        const boxes = candidates.map(clamp);
        const k = boxes.findIndex(free);
        const box = boxes[k] ?? boxes[0]!;
        placed.push(box);
        // A label set further out gets a thin leader line to its point.
        if (k >= 6) {
          const [lx, ly] = [Math.min(Math.max(x, box.x), box.x + box.w), y < box.y ? box.y : box.y + box.h];
          ctx.save();
          ctx.strokeStyle = '#999999';
          ctx.lineWidth = 0.8;
          ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(lx, ly); ctx.stroke();
          ctx.restore();
        }
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
