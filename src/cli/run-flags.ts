// The flags of `doorbell run`, checked before anything runs, and the argv
// filters that keep run.json and the resume command free of where and how
// a run writes.
import { InputError } from '../errors.js';
import { defaultJobs } from '../engine/parallel.js';

export function parseTrials(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isSafeInteger(n) || n < 1 || n > 10_000_000) throw new InputError(`--trials: '${String(v)}' is not a trial count`, 'a whole number from 1 to 10000000');
  return n;
}

export function parseShard(v: unknown): { index: number; count: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^([0-9]{1,4})\/([0-9]{1,4})$/.exec(String(v));
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new InputError(`--shard: '${String(v)}' is not a shard`, 'I/N with 1 <= I <= N, e.g. 2/8');
  return { index, count };
}

export function parseJobs(v: unknown): number {
  if (v === undefined) return defaultJobs();
  const n = Number(String(v));
  if (!/^[0-9]{1,3}$/.test(String(v)) || n < 1 || n > 256) throw new InputError(`--jobs: '${String(v)}' is not a job count`, 'a whole number from 1 to 256');
  return n;
}

export function parseSeed(v: unknown): string {
  const s = String(v);
  if (!/^[0-9]{1,15}$/.test(s)) throw new InputError(`--seed: '${s}' is not a seed`, 'a whole number from 0 to 999999999999999');
  return String(Number(s));
}

/** Flags that take no value: dropping one drops no following word. */
const BOOLEAN_FLAGS = new Set(['--force', '--quiet', '--json', '--keep-trials', '--simulate']);

/** argv less the named flags (and their values). */
export function withoutFlags(argv: readonly string[], flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.split('=')[0]!;
    if (!flags.includes(name)) out.push(a);
    else if (!a.includes('=') && !BOOLEAN_FLAGS.has(name)) i++;
  }
  return out;
}

/** A word as a shell reads it back: quoted when it holds anything but plain characters. */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}
