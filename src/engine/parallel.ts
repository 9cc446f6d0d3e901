// --jobs N: pairs run on worker threads, each of which loads the scenarios
// and policies itself from the same references. Results are put back in
// canonical order, so every output byte is the same whatever N is.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { TrialResult } from './result.js';
import { type PairResult, Interrupted, type StudyOptions, type StudyPlan, runStudy, studyUnits } from './study.js';

/** What a worker needs to rebuild the plan: references, not objects. */
export interface PlanRefs {
  readonly scenarioRefs: readonly string[];
  readonly hostFlag: string | undefined;
  readonly policySpecs: readonly string[];
  readonly trials: number;
  readonly seed: string;
  readonly keepTrials: boolean;
  readonly sweepFlags: readonly string[];
}

export interface WorkerReply {
  readonly index: number;
  readonly row: PairResult['row'];
  readonly loss: PairResult['loss'];
  readonly hotplug: PairResult['hotplug'];
  readonly outcomes: PairResult['outcomes'];
  readonly results?: readonly TrialResult[];
}

export function defaultJobs(): number {
  return availableParallelism();
}

export async function runStudyParallel(plan: StudyPlan, refs: PlanRefs, jobs: number, opts: StudyOptions = {}): Promise<PairResult[]> {
  const pairs = studyUnits(plan).flatMap((u) => plan.policies.map((policy) => ({ ...u, policy })));
  const n = Math.min(jobs, pairs.length);
  if (n <= 1) return runStudy(plan, opts);
  const done: Array<WorkerReply | undefined> = pairs.map((_, i) => {
    const earlier = opts.done?.get(i);
    return earlier ? { index: i, ...earlier } : undefined;
  });
  const todo = pairs.map((_, i) => i).filter((i) => !done[i]);
  let next = 0;
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
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new Interrupted('interrupted'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      for (let w = 0; w < n; w++) {
        const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: refs });
        workers.push(worker);
        worker.on('error', reject);
        worker.on('message', (m: WorkerReply | { ready: true }) => {
          if ('index' in m) {
            done[m.index] = m;
            finished++;
            opts.onPairDone?.(m.index, { row: { ...m.row, point: pairs[m.index]!.point }, loss: m.loss, hotplug: m.hotplug, outcomes: m.outcomes, ...(m.results ? { results: m.results } : {}) });
            flush();
            opts.onPair?.(finished, pairs.length);
            if (finished === pairs.length) resolve();
          }
          if (next < todo.length) worker.postMessage({ index: todo[next++] });
        });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return assemble();
}
