// A worker thread of a run: rebuilds the plan from references, then runs
// the units it is sent (engine/work-units.ts), one at a time. The main
// thread stays free to honour Ctrl-C at once: stopping terminates the
// worker, whatever it is running (a long exact computation, policy code
// that does not return).
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { resolvePolicyList } from './policies.js';
import { pairExact, pairRanges, runTrials, studyUnits } from './study.js';
import { parseSweep, sweepPoints } from '../scenario/params.js';
import { resolveScenarios } from '../scenario/builtin.js';
import { type PlanRefs, type WorkerMessage, planKey } from './parallel.js';
import type { WorkUnit } from './work-units.js';

const post = (m: WorkerMessage) => parentPort!.postMessage(m);
const fatal = (e: unknown) =>
  post({ fatal: e instanceof Error ? (e.stack ?? e.message) : String(e), ...(e instanceof InputError ? { input: { what: e.what, expected: e.expected, where: e.where } } : {}) });

try {
  const refs = workerData as PlanRefs;
  const scenarios = resolveScenarios(refs.scenarioRefs, refs.hostFlag, refs.deviceFlags).map((l) => l.scenario);
  const policies = await resolvePolicyList(refs.policySpecs);
  const plan = { scenarios, policies, trials: refs.trials, seed: refs.seed, points: sweepPoints(parseSweep(refs.sweepFlags)) };
  if (planKey(plan) !== refs.planKey) throw new InputError('a scenario, host or policy file changed while the run started', 'files left unchanged during a run');
  const units = studyUnits(plan);
  parentPort!.on('message', (unit: WorkUnit) => {
    try {
      const { pair } = unit;
      const { scenario } = units[Math.floor(pair / policies.length)]!;
      const policy = policies[pair % policies.length]!;
      if (unit.kind === 'trials') post({ pair, kind: 'trials', from: unit.from, results: runTrials(scenario, policy, refs.seed, unit.from, unit.to) });
      else {
        const exact = pairExact(scenario, policy, refs.seed);
        post({ pair, kind: 'exact', exact, ranges: exact.loss && pairRanges(scenario, policy) });
      }
    } catch (e) {
      fatal(e);
    }
  });
  post({ ready: true });
} catch (e) {
  fatal(e);
}
