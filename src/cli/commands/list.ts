// doorbell list policies|scenarios
import { defineCommand } from '../define.js';
import { POLICIES } from '../../../policies/registry.js';
import { builtinScenarioNames, resolveScenario } from '../../scenario/builtin.js';
import { policyStatus } from '../../policy.js';

export default defineCommand({
  command: 'list <what>',
  describe: 'List built-in policies or scenarios',
  builder: (y) =>
    y
      .positional('what', { choices: ['policies', 'scenarios'] as const, demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON array' }),
  run(args) {
    if (args.what === 'policies') {
      const items = POLICIES.map((p) => ({
        name: p.name,
        position: p.position,
        heldBy: p.heldBy,
        arguedAgainstBy: p.arguedAgainstBy ?? '',
        status: p.status ?? '',
        year: p.year ?? null,
        source: p.source,
        // '' when the position shipped; rows on a kernel the era never ran on are labelled too (doorbell explain).
        counterfactual: policyStatus(p),
        params: Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, { values: v.values, default: v.default, doc: v.doc }])),
      }));
      if (args.json) process.stdout.write(JSON.stringify(items, null, 2) + '\n');
      else {
        for (const p of items) {
          process.stdout.write(`${p.name}\n    ${p.position}\n    held by: ${p.heldBy}\n    source: ${p.source}\n`);
          process.stdout.write(`    status: ${p.counterfactual ? `counterfactual: ${p.counterfactual}` : 'shipped'}\n`);
          if (p.arguedAgainstBy) process.stdout.write(`    argued against by: ${p.arguedAgainstBy}\n`);
          if (p.status) process.stdout.write(`    history: ${p.status}${p.year !== null ? ` (${p.year})` : ''}\n`);
          for (const [k, v] of Object.entries(p.params)) process.stdout.write(`    --policy ${p.name}:${k}=${v.values.join('|')} (default ${v.default}): ${v.doc}\n`);
        }
      }
      return 0;
    }
    const items = builtinScenarioNames().map((n) => {
      const s = resolveScenario(n);
      return { name: s.name, title: s.title, source: s.source, description: s.description, counterfactual: s.counterfactual ?? '' };
    });
    if (args.json) process.stdout.write(JSON.stringify(items, null, 2) + '\n');
    else for (const s of items) process.stdout.write(`${s.name}\n    ${s.title}\n    source: ${s.source}\n${s.counterfactual ? `    counterfactual: ${s.counterfactual}\n` : ''}`);
    return 0;
  },
});
