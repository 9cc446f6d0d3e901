// The risk-versus-success picture: a panel per scenario, data-loss risk
// (any lost write: Alex's criterion) against requests granted, a point per
// policy (the Alex-versus-Will trade-off).
import { type CanvasRenderingContext2D, createCanvas, loadImage } from 'canvas';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartConfiguration } from 'chart.js';
import type { SummaryRow } from '../results/model.js';
import type { RunInfo } from '../results/run-info.js';
import { FONT, PALETTE, pointLabels, whiteBackground } from './chart-kit.js';

export const SHAPES = ['circle', 'rect', 'triangle', 'rectRot', 'star', 'crossRot'] as const;
const PANEL_W = 480;
const PANEL_H = 400;

/** One panel: a scenario's policies, data-loss risk against requests granted. */
async function tradeoffPanel(info: RunInfo, scenario: string, rows: readonly SummaryRow[]): Promise<Buffer> {
  const ran = rows.filter((r) => r.dataLoss.n > 0);
  // Policies that land on the same point share one label instead of overprinting.
  const key = (r: SummaryRow) => `${(r.dataLoss.p * 100).toFixed(1)}/${(r.requests.p * 100).toFixed(1)}`;
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
          data: r ? [{ x: r.dataLoss.p * 100, y: r.requests.p * 100 }] : [],
          pointLabels: [label],
          // Hollow: a counterfactual row (the report's legend says why).
          backgroundColor: r?.counterfactual ? '#ffffff' : PALETTE[(i + 1) % PALETTE.length],
          borderColor: r?.counterfactual ? PALETTE[(i + 1) % PALETTE.length] : '#000000',
          borderWidth: r?.counterfactual ? 2.5 : 1,
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
        x: { min: -6, max: 106, afterBuildTicks: percentTicks, title: { display: true, text: 'data loss, any lost write (% of trials)' } },
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
  const noteH = rows.some((r) => r.counterfactual) ? 24 : 0;
  const out = createCanvas(cols * PANEL_W, titleH + gridRows * PANEL_H + legendH + noteH);
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
  if (noteH) ctx.fillText('Hollow marker: a counterfactual row (see the report\'s legend).', 20, titleH + gridRows * PANEL_H + legendH + 10);
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

