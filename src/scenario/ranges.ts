// `LO..HI[:STEP]` for --param and --find: sizes on a grid of whole 4 KiB
// pages (1 MiB by default, QEMU's -m unit), counts by 1, fractions by 0.01.
// Versions have no order doorbell can step through: they are listed.
import { InputError } from '../errors.js';
import { PAGE_SIZE, formatSize, parseQuantity } from '../model/addr.js';

export type ParamKind = 'size' | 'count' | 'fraction' | 'version' | 'placement' | 'alignment' | 'preset' | 'boolean';

/** At most this many values from one range: a sweep point each. */
export const MAX_RANGE_VALUES = 1000;

export interface Grid {
  readonly length: number;
  /** The i-th value, as the scenario parameter takes it. */
  readonly at: (i: number) => string;
  /** How a value reads in a sentence ("2145 MiB"). */
  readonly show: (v: string) => string;
}

export function gridValues(g: Grid): string[] {
  return Array.from({ length: g.length }, (_, i) => g.at(i));
}

export function isRange(text: string): boolean {
  return text.includes('..');
}

/** A size as it goes back into a scenario: the largest whole unit (2304MiB, 4GiB, 12KiB). */
export function sizeValue(bytes: bigint): string {
  return formatSize(bytes).replace(' ', '');
}

/** The grid of LO..HI[:STEP]; `limit` caps its length (a sweep), undefined leaves it (a search). */
export function rangeGrid(flag: string, key: string, kind: ParamKind, text: string, limit?: number): Grid {
  const [span = '', stepText, extra] = text.split(':');
  const [loText = '', hiText = '', more] = span.split('..');
  const bad = (what: string, expected: string) => new InputError(`${flag} ${key}: '${text}' ${what}`, expected);
  if (extra !== undefined || more !== undefined || loText === '' || hiText === '') throw bad('is not a range', `LO..HI or LO..HI:STEP, e.g. ${kind === 'size' ? '2GiB..4GiB:256MiB' : '1..64:1'}`);
  if (kind === 'version') throw bad('is a range of versions', `a list: ${key}=7.0,7.1,8.0`);
  if (kind === 'placement' || kind === 'alignment' || kind === 'preset') throw bad('is a range of names', `a list of names: ${key}=A,B`);
  if (kind === 'boolean') throw bad('is a range of booleans', `a list: ${key}=false,true`);
  if (kind === 'size') {
    const lo = parseQuantity(loText);
    const hi = parseQuantity(hiText);
    const step = stepText === undefined ? 1n << 20n : parseQuantity(stepText);
    if (lo === undefined || hi === undefined || lo % PAGE_SIZE !== 0n || hi % PAGE_SIZE !== 0n || lo === 0n) throw bad('has an end that is not a size in whole 4 KiB pages', 'sizes such as 2GiB..4GiB');
    if (step === undefined || step === 0n || step % PAGE_SIZE !== 0n) throw bad('has a step that is not a whole number of 4 KiB pages', 'a step such as :1MiB or :4KiB');
    if (hi <= lo) throw bad('is empty', 'LO below HI');
    if ((hi - lo) % step !== 0n) throw bad(`does not end on the grid of ${formatSize(step)} from ${formatSize(lo)}`, 'HI - LO a multiple of the step');
    const n = (hi - lo) / step + 1n;
    if (limit !== undefined && n > BigInt(limit)) throw bad(`has ${n} values`, `at most ${limit}: a larger step`);
    return { length: Number(n), at: (i) => sizeValue(lo + BigInt(i) * step), show: (v) => formatSize(parseQuantity(v)!) };
  }
  const num = (t: string) => (kind === 'count' ? (/^[0-9]+$/.test(t) ? Number(t) : NaN) : /^[0-9.]+$/.test(t) ? Number(t) : NaN);
  const [lo, hi] = [num(loText), num(hiText)];
  const step = stepText === undefined ? (kind === 'count' ? 1 : 0.01) : num(stepText);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(step > 0)) throw bad('is not a range of numbers', kind === 'count' ? 'whole numbers, e.g. 64..1024:64' : 'fractions, e.g. 0..1:0.05');
  if (kind === 'fraction' && (lo < 0 || hi > 1)) throw bad('leaves 0..1', 'fractions from 0 to 1');
  if (kind === 'count' && lo < 1) throw bad('starts below 1', 'counts from 1');
  if (hi <= lo) throw bad('is empty', 'LO below HI');
  const n = Math.round((hi - lo) / step) + 1;
  if (Math.abs(lo + (n - 1) * step - hi) > 1e-9) throw bad(`does not end on the grid of ${step} from ${lo}`, 'HI - LO a multiple of the step');
  if (limit !== undefined && n > limit) throw bad(`has ${n} values`, `at most ${limit}: a larger step`);
  const at = (i: number) => String(kind === 'count' ? lo + i * step : Number((lo + i * step).toFixed(10)));
  return { length: n, at, show: (v) => v };
}
