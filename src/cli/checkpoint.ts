// Resume: an interrupted run keeps the pairs it finished in checkpoint.jsonl
// beside a run.json that marks the directory incomplete (no report, no CSV:
// it cannot pass for a result) and records the checkpoint's SHA-256.
// `--resume DIR` with the same flags checks the fingerprint, the hash and
// every line, and runs only what is missing.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PairPiece, TrialLoss } from '../engine/study.js';
import type { TrialOutcome } from '../results/outcomes.js';
import { InputError } from '../errors.js';
import type { ResultsDir } from './output.js';

const FILE = 'checkpoint.jsonl';

const replacer = (_: string, v: unknown) => (typeof v === 'bigint' ? { $big: v.toString() } : v);
const reviver = (_: string, v: unknown) => (v && typeof v === 'object' && '$big' in v ? BigInt((v as { $big: string }).$big) : v);

export interface IncompleteRun {
  readonly incomplete: true;
  readonly fingerprint: string;
  readonly pairsDone: number;
  readonly pairsTotal: number;
  readonly checkpointSha256: string;
  readonly resume: string;
}

export class Checkpoint {
  done = 0;
  private readonly hash = createHash('sha256');
  constructor(private readonly results: ResultsDir) {}

  add(index: number, piece: PairPiece): void {
    const line = JSON.stringify({ index, ...piece }, replacer) + '\n';
    this.results.guard(() => appendFileSync(join(this.results.path, FILE), line));
    this.hash.update(line);
    this.done++;
  }

  markIncomplete(fingerprint: string, total: number, command: string): void {
    const run: IncompleteRun = { incomplete: true, fingerprint, pairsDone: this.done, pairsTotal: total, checkpointSha256: this.hash.copy().digest('hex'), resume: command };
    this.results.guard(() => writeFileSync(join(this.results.path, 'run.json'), JSON.stringify(run, null, 2) + '\n'));
  }
}

const isOutcomes = (xs: unknown, trials: number, ok: (x: unknown) => boolean) => Array.isArray(xs) && xs.length === trials && xs.every((x) => x === null || ok(x));
const isLoss = (x: unknown) => x === 'none' || x === 'seen' || x === 'silent';
const isBool = (x: unknown) => typeof x === 'boolean';

/** The finished pairs of an incomplete run, after checking it is the same run and what it left is intact. */
export function loadCheckpoint(dir: string, fingerprint: string, total: number, trials: number): Map<number, PairPiece> {
  const fail = (what: string, expected = 'a directory left by an interrupted doorbell run, as it left it'): never => {
    throw new InputError(`--resume ${dir}: ${what}`, expected);
  };
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch (e) {
      return fail(`cannot read ${name} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  if (!existsSync(join(dir, 'run.json'))) fail('no run.json');
  let run: Partial<IncompleteRun> & { doorbell?: unknown };
  try {
    run = JSON.parse(read('run.json')) as typeof run;
  } catch {
    return fail('run.json is not valid JSON');
  }
  if (!run || typeof run !== 'object') fail('run.json is not a run description');
  if (run.incomplete !== true) {
    if (typeof run.doorbell === 'string') fail('the run there is complete', 'an interrupted run (run.json marks it incomplete)');
    fail('run.json is not one doorbell wrote');
  }
  if (run.fingerprint !== fingerprint) {
    fail('the run there differs in scenarios, policies, seed, trials or parameters', `the same flags as the interrupted run: ${typeof run.resume === 'string' ? run.resume : ''}`);
  }
  const text = existsSync(join(dir, FILE)) ? read(FILE) : '';
  if (createHash('sha256').update(text).digest('hex') !== run.checkpointSha256) fail(`${FILE} does not match the SHA-256 in run.json (edited or cut short)`);
  const out = new Map<number, PairPiece>();
  text.split('\n').forEach((line, i) => {
    if (!line) return;
    const bad = (what: string): never => fail(`${FILE}:${i + 1}: ${what}`);
    let parsed: { index?: unknown } & Partial<Record<keyof PairPiece, unknown>>;
    try {
      parsed = JSON.parse(line, reviver) as typeof parsed;
    } catch {
      return bad('not valid JSON');
    }
    const { index, row, loss, hotplug, outcomes, results } = parsed;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= total) bad(`pair index ${String(index)} is not one of this run's 0..${total - 1}`);
    if (out.has(index as number)) bad(`pair ${String(index)} is there twice`);
    const r = row as Partial<PairPiece['row']> | undefined;
    if (!r || typeof r !== 'object' || typeof r.scenario !== 'string' || typeof r.policy !== 'string' || r.trials !== trials) bad(`not a summary row of ${trials} trials`);
    if (!isOutcomes(loss, trials, isLoss) || !isOutcomes(hotplug, trials, isBool)) bad(`loss and hotplug are not ${trials} outcomes each`);
    if (results !== undefined && (!Array.isArray(results) || results.length !== trials)) bad(`results are not ${trials} trials`);
    if (!isOutcomes(outcomes, trials, (x) => typeof x === 'object')) bad(`outcomes are not ${trials} trial outcomes`);
    // JSON writes an absent outcome (undefined: the trial does not count) as null.
    const absent = <T>(xs: unknown) => (xs as Array<T | null>).map((x) => (x === null ? undefined : x));
    out.set(index as number, { row: r as PairPiece['row'], loss: absent<TrialLoss>(loss), hotplug: absent<boolean>(hotplug), outcomes: absent<TrialOutcome>(outcomes), ...(results ? { results: results as PairPiece['results'] } : {}) } as PairPiece);
  });
  if (out.size !== run.pairsDone) fail(`run.json says ${String(run.pairsDone)} pairs are done, ${FILE} holds ${out.size}`);
  return out;
}
