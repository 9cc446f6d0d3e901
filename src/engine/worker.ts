// A worker thread of --jobs: rebuilds the plan from references, then runs
// the pairs it is sent, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { resolvePolicyList } from './policies.js';
import { runPair, studyUnits } from './study.js';
import { parseSweep, sweepPoints } from '../scenario/params.js';
import { resolveScenarios } from '../scenario/builtin.js';
import type { PlanRefs } from './parallel.js';

const refs = workerData as PlanRefs;
const scenarios = resolveScenarios(refs.scenarioRefs, refs.hostFlag, refs.deviceFlags).map((l) => l.scenario);
const policies = await resolvePolicyList(refs.policySpecs);
const units = studyUnits({ scenarios, policies, trials: refs.trials, seed: refs.seed, points: sweepPoints(parseSweep(refs.sweepFlags)) });

parentPort!.on('message', async ({ index }: { index: number }) => {
  const { scenario } = units[Math.floor(index / policies.length)]!;
  const policy = policies[index % policies.length]!;
  const { results, ...pair } = await runPair(scenario, policy, refs.trials, refs.seed);
  parentPort!.postMessage({ index, ...pair, ...(refs.keepTrials ? { results } : {}) });
});
parentPort!.postMessage({ ready: true });
