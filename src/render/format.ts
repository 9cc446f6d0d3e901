// Formatting shared by the text and markdown reports.
import { formatSize, hex } from '../model/addr.js';
import type { Rate } from '../results/stats.js';

const pct = (x: number) => {
  const v = x * 100;
  if (v === 0 || v === 100) return String(v);
  return v < 0.1 ? v.toFixed(2) : v.toFixed(1);
};

/** `k/n (p%) [lo-hi]`, percentages; `-` when nothing was attempted. */
export function rateText(r: Rate): string {
  if (r.n === 0) return '-';
  return `${r.k}/${r.n} (${pct(r.p)}%) [${pct(r.lo)}-${pct(r.hi)}]`;
}

/** `k/n` with the percentage, for compact columns. */
export function fractionText(k: number, n: number): string {
  return n === 0 ? '-' : `${k}/${n}`;
}

export function percentText(x: number): string {
  return `${pct(x)}%`;
}

/** Bytes in binary units: exact (64 KiB) when a whole unit, else 3 significant digits. */
export function bytesText(b: number | bigint): string {
  if (typeof b === 'bigint') {
    const exact = formatSize(b);
    if (!exact.endsWith(' B') || b < 1024n) return b === 0n ? '0' : exact;
  }
  const v = Number(b);
  if (v === 0) return '0';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  let x = v;
  while (x >= 1024 && u < units.length - 1) { x /= 1024; u++; }
  return `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)} ${units[u]}`;
}

export { hex };

/** Greedy word wrap at `width` columns; `rest` indents continuation lines. */
export function wrap(text: string, width = 72, first = '', rest = first): string[] {
  const out: string[] = [];
  let prefix = first;
  let line = prefix;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > prefix.length && line.length + 1 + word.length > width) {
      out.push(line);
      prefix = rest;
      line = prefix + word;
    } else {
      line = line.length > prefix.length ? `${line} ${word}` : prefix + word;
    }
  }
  if (line.length > prefix.length) out.push(line);
  return out;
}

/** A shell command wrapped with ` \` continuations to fit `width`. */
export function wrapCommand(cmd: string, width = 72, indent = '  '): string[] {
  const words = cmd.split(' ');
  const out: string[] = [];
  let line = `${indent}$ `;
  for (const w of words) {
    const sep = line.endsWith(' ') ? '' : ' ';
    if (line.trim().length > 1 && line.length + sep.length + w.length + 2 > width) {
      out.push(`${line} \\`);
      line = `${indent}    ${w}`;
    } else {
      line += sep + w;
    }
  }
  out.push(line);
  return out;
}

/**
 * ASCII tables, first column left-aligned, others right-aligned. When a row
 * would pass `width`, the columns are split over stacked tables that each
 * repeat the first column.
 */
export function asciiTable(header: readonly string[], rows: readonly (readonly string[])[], indent = '  ', width = 72): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const groups: number[][] = [];
  let current: number[] = [];
  let used = indent.length + widths[0]!;
  for (let i = 1; i < header.length; i++) {
    if (current.length > 0 && used + 2 + widths[i]! > width) {
      groups.push(current);
      current = [];
      used = indent.length + widths[0]!;
    }
    current.push(i);
    used += 2 + widths[i]!;
  }
  groups.push(current);
  return groups.flatMap((cols, g) => [
    ...(g > 0 ? [''] : []),
    ...oneTable([0, ...cols].map((i) => header[i]!), rows.map((r) => [0, ...cols].map((i) => r[i]!)), indent),
  ]);
}

function oneTable(header: readonly string[], rows: readonly (readonly string[])[], indent: string): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: readonly string[]) =>
    (indent + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).trimEnd();
  return [fmt(header), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
}

/** Guest ABI change: the RAM moved or carved out, or `none`; existing guests see any change. */
export function abiText(bytes: bigint): string {
  return bytes === 0n ? 'none' : `${bytesText(bytes)} moved`;
}

/** Migratable across the pool: k/n trials, or `-` for a pool of one host. */
export function migratableText(r: { readonly k: number; readonly n: number }): string {
  return r.n === 0 ? '-' : fractionText(r.k, r.n);
}
