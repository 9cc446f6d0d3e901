// One look per policy, the same in every chart of every run: a colour from
// the Okabe & Ito (2008) colour-blind-safe palette and a marker, assigned by
// policy name from a fixed table (never by position in the run, which
// changes with --policy). The baseline is always grey. A policy the table
// does not know (a policy module) gets a look hashed from its name, with a
// dashed line; a parameterised built-in (`kernel-rejects:backend=iommufd`)
// keeps its colour and takes another marker and a dashed line.
import type { CanvasRenderingContext2D } from 'canvas';

export const MARKERS = ['circle', 'square', 'diamond', 'triangle-up', 'triangle-down', 'triangle-left', 'triangle-right'] as const;
export type Marker = (typeof MARKERS)[number];

export interface PolicyStyle {
  readonly colour: string;
  readonly marker: Marker;
  /** Line dash for paths and sweep lines; [] is solid. */
  readonly dash: readonly number[];
}

/** Okabe & Ito's eight colours, by name; grey is kept for the baseline. */
export const OKABE_ITO = {
  black: '#000000', orange: '#E69F00', sky: '#56B4E9', green: '#009E73',
  yellow: '#F0E442', blue: '#0072B2', vermillion: '#D55E00', purple: '#CC79A7',
} as const;
export const BASELINE_GREY = '#8C8C8C';

const C = OKABE_ITO;
/**
 * Every policy name doorbell ships or is about to, with its look. Add new
 * names at the end with a (colour, marker) pair no other entry has; never
 * change an entry (a talk's slides from an older run must still match).
 */
export const POLICY_STYLES: Readonly<Record<string, PolicyStyle>> = {
  'no-checks-2016': { colour: BASELINE_GREY, marker: 'circle', dash: [] },
  'kernel-rejects': { colour: C.blue, marker: 'square', dash: [] },
  'qemu-aborts': { colour: C.vermillion, marker: 'triangle-up', dash: [] },
  'qemu-tolerates': { colour: C.orange, marker: 'triangle-down', dash: [] },
  'guest-avoids-range': { colour: C.purple, marker: 'diamond', dash: [] },
  'firmware-reserved-hotplug': { colour: C.green, marker: 'circle', dash: [] },
  'vmm-picks-msi-window': { colour: C.sky, marker: 'triangle-left', dash: [] },
  'kernel-moves-msi-window': { colour: C.black, marker: 'diamond', dash: [] },
  'static-carve-out': { colour: C.sky, marker: 'square', dash: [] },
  'capability-aware-layout': { colour: C.green, marker: 'triangle-right', dash: [] },
  'viommu-guest-avoids': { colour: C.purple, marker: 'square', dash: [] },
};

/** Colours and markers for names outside the table: every pair the table does not use, in a fixed order. */
const FALLBACK: readonly PolicyStyle[] = [C.orange, C.sky, C.green, C.blue, C.vermillion, C.purple, C.black]
  .flatMap((colour) => MARKERS.map((marker) => ({ colour, marker, dash: [6, 3] as readonly number[] })))
  .filter((s) => !Object.values(POLICY_STYLES).some((t) => t.colour === s.colour && t.marker === s.marker));

/** FNV-1a, 32 bits: a hash that is the same on every machine and Node version. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The look of a policy id (`name` or `name:key=value,...`), the same in every run. */
export function policyStyle(id: string): PolicyStyle {
  const known = POLICY_STYLES[id];
  if (known) return known;
  const base = POLICY_STYLES[id.split(':')[0]!];
  if (base) {
    const others = MARKERS.filter((m) => m !== base.marker);
    return { colour: base.colour, marker: others[fnv1a(id) % others.length]!, dash: [6, 3] };
  }
  return FALLBACK[fnv1a(id) % FALLBACK.length]!;
}

/** Chart.js draws these markers itself: a style name and a rotation. */
export function chartjsPoint(marker: Marker): { pointStyle: 'circle' | 'rect' | 'rectRot' | 'triangle'; pointRotation: number } {
  switch (marker) {
    case 'circle': return { pointStyle: 'circle', pointRotation: 0 };
    case 'square': return { pointStyle: 'rect', pointRotation: 0 };
    case 'diamond': return { pointStyle: 'rectRot', pointRotation: 0 };
    case 'triangle-up': return { pointStyle: 'triangle', pointRotation: 0 };
    case 'triangle-down': return { pointStyle: 'triangle', pointRotation: 180 };
    case 'triangle-left': return { pointStyle: 'triangle', pointRotation: 270 };
    case 'triangle-right': return { pointStyle: 'triangle', pointRotation: 90 };
  }
}

/** The same markers on a plain canvas (legends, markers over bars): filled, or hollow for a counterfactual. */
export function drawMarker(ctx: CanvasRenderingContext2D, style: PolicyStyle, x: number, y: number, r: number, hollow = false): void {
  const { pointStyle, pointRotation } = chartjsPoint(style.marker);
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate((pointRotation * Math.PI) / 180);
  ctx.beginPath();
  if (pointStyle === 'circle') ctx.arc(0, 0, r, 0, 2 * Math.PI);
  else if (pointStyle === 'rect') ctx.rect(-r * 0.85, -r * 0.85, r * 1.7, r * 1.7);
  else if (pointStyle === 'rectRot') { ctx.moveTo(0, -r * 1.15); ctx.lineTo(r * 1.15, 0); ctx.lineTo(0, r * 1.15); ctx.lineTo(-r * 1.15, 0); ctx.closePath(); }
  else { ctx.moveTo(0, -r * 1.15); ctx.lineTo(r, r * 0.75); ctx.lineTo(-r, r * 0.75); ctx.closePath(); }
  ctx.fillStyle = hollow ? '#ffffff' : style.colour;
  ctx.strokeStyle = hollow ? style.colour : '#000000';
  ctx.lineWidth = hollow ? 2.5 : 1;
  ctx.fill();
  ctx.stroke();
  ctx.restore();
}
