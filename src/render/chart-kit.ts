// What every chart shares: size, font, the colour-blind-safe palette, and
// the plugins for white backgrounds, error bars and point labels.
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { Plugin } from 'chart.js';

export const CHART_WIDTH = 960;
export const CHART_HEIGHT = 540;
export const FONT = 'DejaVu Sans';

/** Okabe & Ito (2008) colour-blind-safe palette. */
export const PALETTE = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'];

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

let canvas: ChartJSNodeCanvas | undefined;
export function renderer(): ChartJSNodeCanvas {
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

