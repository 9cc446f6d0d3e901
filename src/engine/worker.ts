// A worker thread of --jobs: rebuilds the plan from references, then runs
// the pairs it is sent, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { resolve } from 'node:path';
import { canonicalOrder, resolvePolicies, allPolicies } from './policies.js';
import { runPair, studyUnits } from './study.js';
import { parseSweep, sweepPoints } from '../scenario/params.js';
import { resolveScenario } from '../scenario/builtin.js';
import { loadHostFile } from '../scenario/load-host.js';
import { withHost } from '../scenario/load.js';
import type { PlanRefs } from './parallel.js';

const refs = workerData as PlanRefs;
const host = refs.hostFlag ? loadHostFile(resolve(refs.hostFlag), refs.hostFlag) : undefined;
const scenarios = refs.scenarioRefs
  .map((ref) => {
    const s = resolveScenario(ref);
    return host ? withHost(s, host.host, host.file, host.sha256) : s;
  })
  .sort((a, b) => (a.name < b.name ? -1 : 1));
const policies = canonicalOrder(refs.policySpecs.length ? await resolvePolicies(refs.policySpecs) : allPolicies());
const units = studyUnits({ scenarios, policies, trials: refs.trials, seed: refs.seed, points: sweepPoints(parseSweep(refs.sweepFlags)) });

parentPort!.on('message', async ({ index }: { index: number }) => {
  const { scenario } = units[Math.floor(index / policies.length)]!;
  const policy = policies[index % policies.length]!;
  const { results, ...pair } = await runPair(scenario, policy, refs.trials, refs.seed);
  parentPort!.postMessage({ index, ...pair, ...(refs.keepTrials ? { results } : {}) });
});
parentPort!.postMessage({ ready: true });
