// doorbell explain: the story of one trial, every kernel call, VMM reaction
// and dangerous buffer, as the run that produced the summary played it.
import { defineCommand } from '../define.js';
import { resolvePolicies } from '../../engine/policies.js';
import { runTrial } from '../../engine/trial.js';
import { VISIBILITIES } from '../../engine/result.js';
import { counterfactualReasons } from '../../engine/counterfactual.js';
import type { TraceData, TraceKind } from '../../engine/trace.js';
import { InputError } from '../../errors.js';
import { hex } from '../../model/addr.js';
import { resolveScenarios } from '../../scenario/builtin.js';
import { RUN_DEFAULTS } from '../../defaults.js';
import { parseSeed } from '../run-flags.js';
import { applyPoint, parseSweep, pointLabel, sweepPoints } from '../../scenario/params.js';
import { keepApplicable } from '../../scenario/applicability.js';

export default defineCommand({
  command: 'explain',
  describe: 'Print the event trace of one trial',
  builder: (y) =>
    y
      .option('scenario', { type: 'string', demandOption: true, describe: 'built-in name or path to a .yaml' })
      .option('policy', { type: 'string', demandOption: true, describe: 'NAME[:key=value,...]' })
      .option('seed', { type: 'string', default: RUN_DEFAULTS.seed, describe: 'the run seed' })
      .option('trial', { type: 'string', default: '0', describe: 'trial index (0-based)' })
      .option('host', { type: 'string', describe: 'host YAML file to substitute' })
      .option('device', { type: 'string', array: true, describe: 'NAME=GROUP: with --host, the host group of a device' })
      .option('param', { type: 'string', array: true, describe: 'KEY=VALUE: the sweep point of the trial (one value each)' })
      .option('first-loss', { type: 'boolean', default: false, describe: 'replay the first trial from --trial on that loses data silently' })
      .option('within', { type: 'string', default: '10000', describe: 'with --first-loss: how many trials to search' })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON object per event' }),
  async run(args) {
    const seed = parseSeed(args.seed);
    const t = Number(args.trial);
    if (!/^[0-9]{1,9}$/.test(String(args.trial))) throw new InputError(`--trial: '${String(args.trial)}' is not a trial index`, 'a whole number from 0');
    const sweep = parseSweep((args.param ?? []).map(String));
    const many = sweep.find((a) => a.values.length > 1);
    if (many) throw new InputError(`--param ${many.key}: ${many.values.length} values`, 'explain replays one trial: one value per --param');
    const point = sweepPoints(sweep)[0]!;
    const loaded = resolveScenarios([String(args.scenario)], args.host, (args.device ?? []).map(String));
    keepApplicable(loaded, Object.keys(point), true, '--param', () => {});
    const scenario = applyPoint(loaded[0]!.scenario, point);
    const [policy] = await resolvePolicies([String(args.policy)]);
    if (!policy) throw new InputError('--policy: missing', 'a policy name or module');
    let trial = t;
    if (args.firstLoss) {
      const within = Number(args.within);
      if (!/^[0-9]{1,7}$/.test(String(args.within)) || within < 1) throw new InputError(`--within: '${String(args.within)}' is not a trial count`, 'a whole number from 1 to 9999999');
      const found = firstLoss(scenario, policy.instance, seed, t, within);
      if (found === undefined) {
        process.stdout.write(`# no trial from ${t} to ${t + within - 1} loses data under ${policy.id}\n`);
        return 0;
      }
      trial = found;
    }
    const events: Array<{ kind: TraceKind; text: string; data?: TraceData }> = [];
    // The row's label first: what in this trial never shipped, if anything.
    const whatIf = counterfactualReasons(scenario, policy);
    events.push({
      kind: 'policy',
      text: whatIf.length ? `counterfactual: ${whatIf.join('; ')}` : 'history: this position ran on this kernel era on every host of the scenario',
      data: { counterfactual: whatIf.join('; ') },
    });
    const result = runTrial({ scenario, policy: policy.instance, seed, trial, trace: (kind, text, data) => events.push(data ? { kind, text, data } : { kind, text }) });
    const out = process.stdout;
    if (args.json) {
      events.forEach((e, seq) => out.write(JSON.stringify({ seq, kind: e.kind, text: e.text, ...(e.data ?? {}) }) + '\n'));
      out.write(JSON.stringify({ seq: events.length, kind: 'result', ...JSON.parse(JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? hex(v) : v))) }) + '\n');
    } else {
      const param = Object.keys(point).length ? ` ${pointLabel(point).split(' ').map((p) => `--param ${p}`).join(' ')}` : '';
      out.write(`# doorbell explain --scenario ${scenario.name} --policy ${policy.id} --seed ${seed} --trial ${trial}${param}${args.firstLoss ? ` (the first trial from ${t} that loses data)` : ''}\n`);
      for (const e of events) out.write(`${e.kind.padEnd(6)}  ${e.text}\n`);
      if (result.status !== 'ok') out.write(`result  ${result.status}: ${result.message}\n`);
      else {
        out.write(
          `result  VM ${result.vmStarted ? 'started' : `did not start (${result.startFailure})`}; hotplug ${result.hotplugOk}/${result.hotplugAttempts}; ` +
            `${result.lostOps} DMA writes lost (${result.lostBytes} bytes: ${VISIBILITIES.map((v) => `${result.lostBytesByVisibility[v]} ${v.replace('_', '-')}`).join(', ')}), ` +
            `${result.silentOps} of them silently; ${result.faultOps} IOMMU faults${result.firmwareExposedBytes > 0n ? `; ${result.firmwareExposedBytes} bytes of guest RAM exposed to firmware` : ''}${result.vmCrashed ? '; the VM crashed' : ''}\n`,
        );
      }
    }
    return result.status === 'ok' ? 0 : 1;
  },
});

/** The first trial index from `from` whose result loses data (any lost write), within `count` trials. */
function firstLoss(scenario: Parameters<typeof runTrial>[0]['scenario'], policy: Parameters<typeof runTrial>[0]['policy'], seed: string, from: number, count: number): number | undefined {
  for (let trial = from; trial < from + count; trial++) {
    const r = runTrial({ scenario, policy, seed, trial });
    if (r.status === 'ok' && r.lostOps > 0) return trial;
  }
  return undefined;
}
