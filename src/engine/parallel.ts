// Pairs run on worker threads (--jobs N of them, at least one), each of
// which loads the scenarios and policies itself from the same references.
// A pair is cut into units (engine/work-units.ts) so no worker idles while
// another finishes a long pair; each pair is put back together here, and
// the pairs in canonical order, so every output byte is the same whatever
// N is. The main thread only coordinates: a stop terminates the workers at
// once, and a worker that dies is noticed at once.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.js';
import type { TrialResult } from './result.js';
import { type PairPiece, type PairResult, Interrupted, type StudyOptions, type StudyPlan, pairExact, pairPiece, pairRanges, studyUnits } from './study.js';
import { CHUNK_TRIALS, type WorkUnit, unitsPerPair, workUnits } from './work-units.js';
import { type FactResult, factTrials } from './fact.js';

/** What a worker needs to rebuild the plan: references, not objects. */
export interface PlanRefs {
  readonly scenarioRefs: readonly string[];
  readonly hostFlag: string | undefined;
  /** --device NAME=GROUP, with --host. */
  readonly deviceFlags?: readonly string[];
  readonly policySpecs: readonly string[];
  readonly trials: number;
  readonly seed: string;
  readonly keepTrials: boolean;
  readonly sweepFlags: readonly string[];
  /** planKey of the plan as the main thread loaded it: a worker that loads something else (a file edited meanwhile) refuses. */
  readonly planKey: string;
}

/** What a worker must load to run the same pairs: every scenario file's and policy module's SHA-256. */
export function planKey(plan: StudyPlan): string {
  return JSON.stringify([plan.scenarios.map((s) => s.files), plan.policies.map((p) => [p.id, p.module?.sha256 ?? null])]);
}

/** What a worker sends back for one unit (engine/work-units.ts). */
export type WorkerReply =
  | { readonly pair: number; readonly kind: 'trials'; readonly from: number; readonly results: TrialResult[] }
  | { readonly pair: number; readonly kind: 'exact'; readonly exact: ReturnType<typeof pairExact>; readonly ranges: ReturnType<typeof pairRanges> };

/** `input`: the fields of an InputError (bad input found by the worker), to be reported as such. */
export type WorkerMessage = WorkerReply | { readonly ready: true } | { readonly fatal: string; readonly input?: Pick<InputError, 'what' | 'expected' | 'where'> };

export function defaultJobs(): number {
  return availableParallelism();
}

export async function runStudyParallel(plan: StudyPlan, refs: PlanRefs, jobs: number, opts: StudyOptions = {}): Promise<PairResult[]> {
  const pairs = studyUnits(plan).flatMap((u) => plan.policies.map((policy) => ({ ...u, policy })));
  const done: Array<PairPiece | undefined> = pairs.map((_, i) => opts.done?.get(i));
  const todo = pairs.map((_, i) => i).filter((i) => !done[i]);
  const units = workUnits(pairs.map((p) => p.scenario), todo, plan.trials, refs.keepTrials);
  // Each pair's pieces until its last unit is in: trials by chunk, exact value and ranges.
  const parts = new Map<number, { chunks: TrialResult[][]; exact?: ReturnType<typeof pairExact>; ranges?: ReturnType<typeof pairRanges>; left: number; fact?: FactResult }>();
  for (const i of todo) parts.set(i, { chunks: [], left: unitsPerPair(plan.trials) });
  // A pair's trials wait for its exact part (it may make them one fact, engine/fact.ts), unless every trial is to be played.
  const exactIn = new Set<number>();
  const taken = units.map(() => false);
  const n = Math.max(1, Math.min(jobs, units.length));
  let finished = pairs.length - todo.length;
  let flushed = 0;
  const flush = () => {
    // Trials are streamed in canonical order as soon as they are contiguous.
    while (flushed < pairs.length && done[flushed]) {
      const { results, ...kept } = done[flushed]!;
      if (results) opts.onTrials?.(pairs[flushed]!.scenario, pairs[flushed]!.policy, results, pairs[flushed]!.point);
      done[flushed] = kept; // the trials are written: do not hold them
      flushed++;
    }
  };
  flush();
  const assemble = () => pairs.map((p, i) => ({ ...p, row: { ...done[i]!.row, point: p.point }, loss: done[i]!.loss, hotplug: done[i]!.hotplug, outcomes: done[i]!.outcomes }));
  if (todo.length === 0) return assemble();
  if (opts.signal?.aborted) throw new Interrupted('interrupted');
  /** A unit's piece is in; the pair's last one assembles it, in trial order, as runPair would. */
  const take = (m: WorkerReply) => {
    const part = parts.get(m.pair)!;
    if (m.kind === 'trials') part.chunks[m.from / CHUNK_TRIALS] = m.results;
    else {
      [part.exact, part.ranges] = [m.exact, m.ranges];
      exactIn.add(m.pair);
      if (m.exact.fact && !plan.simulate) part.fact = m.exact.fact;
    }
    if (--part.left > 0) {
      // A pair computed once: its trial units are the fact repeated, here.
      if (part.fact && m.kind === 'exact') {
        units.forEach((u, k) => {
          if (u.pair !== m.pair || u.kind !== 'trials' || taken[k]) return;
          taken[k] = true;
          take({ pair: u.pair, kind: 'trials', from: u.from, results: factTrials(part.fact!, u.from, u.to) });
        });
      }
      return;
    }
    parts.delete(m.pair);
    const { scenario, policy, point } = pairs[m.pair]!;
    const { results, ...piece } = pairPiece(scenario, policy, part.chunks.flat(), part.exact!, part.exact!.loss && part.ranges, part.fact ? 1 : plan.trials);
    const row = { ...piece.row, point };
    done[m.pair] = { ...piece, row, ...(refs.keepTrials ? { results } : {}) };
    finished++;
    opts.onPairDone?.(m.pair, done[m.pair]!);
    flush();
    opts.onPair?.(finished, pairs.length);
  };
  const workers: Worker[] = [];
  const running = new Map<Worker, WorkUnit>();
  const idle: Worker[] = [];
  let head = 0;
  /** The first unit not yet taken that can run now: an exact part, or trials whose pair is known not to be a fact. */
  const feed = (worker: Worker) => {
    while (head < units.length && taken[head]) head++;
    let k = head;
    while (k < units.length && (taken[k] || !(units[k]!.kind === 'exact' || plan.simulate || exactIn.has(units[k]!.pair)))) k++;
    if (k === units.length) k = -1;
    if (k < 0) {
      if (taken.some((t) => !t)) idle.push(worker);
      return;
    }
    taken[k] = true;
    running.set(worker, units[k]!);
    worker.postMessage(units[k]!);
  };
  const pairName = (i: number) => `${pairs[i]!.scenario.name}${pairs[i]!.point ? ` (${pairs[i]!.point})` : ''} × ${pairs[i]!.policy.id}`;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (e?: unknown) => {
        if (settled) return;
        settled = true;
        if (e === undefined) resolve();
        else reject(e);
      };
      onAbort = () => settle(new Interrupted('interrupted'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      for (let w = 0; w < n && !settled; w++) {
        const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: refs });
        workers.push(worker);
        const current = () => running.get(worker);
        worker.on('error', (e) => settle(current() === undefined ? e : new Error(`running ${pairName(current()!.pair)}: ${e.message}`)));
        worker.on('exit', (code) => {
          if (settled) return;
          // Built-in policies never exit a thread; a module's process.exit() does.
          const what = current() === undefined ? 'a worker thread' : `the worker thread running ${pairName(current()!.pair)}`;
          settle(new InputError(`${what} stopped (exit code ${code})`, 'policy code that returns a decision (a policy module must not call process.exit)'));
        });
        worker.on('message', (m: WorkerMessage) => {
          if (settled) return;
          if ('fatal' in m) return settle(m.input ? new InputError(m.input.what, m.input.expected, m.input.where) : new Error(m.fatal));
          if ('pair' in m) {
            running.delete(worker);
            try {
              take(m);
            } catch (e) {
              return settle(e);
            }
            if (finished === pairs.length) return settle();
          }
          feed(worker);
          // Another worker's exact part may have released trials a parked worker can run.
          for (const w of idle.splice(0)) feed(w);
        });
      }
    });
  } finally {
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return assemble();
}
