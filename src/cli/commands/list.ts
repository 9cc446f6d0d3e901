// doorbell list policies|scenarios
import { defineCommand } from '../define.js';
import { POLICIES } from '../../../policies/registry.js';
import { builtinScenarioNames, resolveScenario } from '../../scenario/builtin.js';

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
        source: p.source,
        params: Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, { values: v.values, default: v.default, doc: v.doc }])),
      }));
      if (args.json) process.stdout.write(JSON.stringify(items, null, 2) + '\n');
      else {
        for (const p of items) {
          process.stdout.write(`${p.name}\n    ${p.position}\n    held by: ${p.heldBy}\n    source: ${p.source}\n`);
          for (const [k, v] of Object.entries(p.params)) process.stdout.write(`    --policy ${p.name}:${k}=${v.values.join('|')} (default ${v.default}): ${v.doc}\n`);
        }
      }
      return 0;
    }
    const items = builtinScenarioNames().map((n) => {
      const s = resolveScenario(n);
      return { name: s.name, title: s.title, source: s.source, description: s.description };
    });
    if (args.json) process.stdout.write(JSON.stringify(items, null, 2) + '\n');
    else for (const s of items) process.stdout.write(`${s.name}\n    ${s.title}\n    source: ${s.source}\n`);
    return 0;
  },
});
