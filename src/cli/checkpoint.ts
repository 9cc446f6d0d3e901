// Resume: an interrupted run keeps the pairs it finished in checkpoint.jsonl
// beside a run.json that marks the directory incomplete (no report, no CSV:
// it cannot pass for a result). `--resume DIR` with the same flags checks
// the fingerprint and runs only what is missing.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PairPiece } from '../engine/study.js';
import { InputError } from '../errors.js';

const FILE = 'checkpoint.jsonl';

const replacer = (_: string, v: unknown) => (typeof v === 'bigint' ? { $big: v.toString() } : v);
const reviver = (_: string, v: unknown) => (v && typeof v === 'object' && '$big' in v ? BigInt((v as { $big: string }).$big) : v);

export interface IncompleteRun {
  readonly incomplete: true;
  readonly fingerprint: string;
  readonly pairsDone: number;
  readonly pairsTotal: number;
  readonly resume: string;
}

export class Checkpoint {
  done = 0;
  constructor(private readonly dir: string) {}

  add(index: number, piece: PairPiece): void {
    appendFileSync(join(this.dir, FILE), JSON.stringify({ index, ...piece }, replacer) + '\n');
    this.done++;
  }

  markIncomplete(fingerprint: string, total: number, command: string): void {
    const run: IncompleteRun = { incomplete: true, fingerprint, pairsDone: this.done, pairsTotal: total, resume: command };
    writeFileSync(join(this.dir, 'run.json'), JSON.stringify(run, null, 2) + '\n');
  }
}

/** The finished pairs of an incomplete run, after checking it is the same run. */
export function loadCheckpoint(dir: string, fingerprint: string): Map<number, PairPiece> {
  const runFile = join(dir, 'run.json');
  if (!existsSync(runFile)) throw new InputError(`--resume ${dir}: no run.json`, 'a directory left by an interrupted doorbell run');
  const run = JSON.parse(readFileSync(runFile, 'utf8')) as Partial<IncompleteRun>;
  if (run.incomplete !== true) throw new InputError(`--resume ${dir}: the run there is complete`, 'an interrupted run (run.json marks it incomplete)');
  if (run.fingerprint !== fingerprint) {
    throw new InputError(`--resume ${dir}: the run there differs in scenarios, policies, seed, trials or parameters`, `the same flags as the interrupted run: ${run.resume ?? ''}`);
  }
  const out = new Map<number, PairPiece>();
  const text = existsSync(join(dir, FILE)) ? readFileSync(join(dir, FILE), 'utf8') : '';
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const { index, ...piece } = JSON.parse(line, reviver) as { index: number } & PairPiece;
    // JSON writes an absent outcome (undefined: the trial does not count) as null.
    const absent = <T>(xs: readonly (T | null | undefined)[]) => xs.map((x) => (x === null ? undefined : x));
    out.set(index, { ...piece, loss: absent(piece.loss), hotplug: absent(piece.hotplug), outcomes: absent(piece.outcomes ?? []) });
  }
  return out;
}
