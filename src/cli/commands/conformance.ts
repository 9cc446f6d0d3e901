// doorbell conformance: the model against the real kernel and QEMU (see src/conformance/).
import { join } from 'node:path';
import { defineCommand } from '../define.js';
import { InputError } from '../../errors.js';
import { packageRoot } from '../../scenario/builtin.js';
import { TIERS, type Tier } from '../../conformance/types.js';

export default defineCommand({
  command: 'conformance',
  describe: 'Check the model against real Linux kernels and QEMU booted under emulation (KTAP)',
  builder: (y) =>
    y
      .option('tier', { type: 'string', array: true, default: [...TIERS], describe: 'layout, kernel, vmm (repeatable)' })
      .option('from-fixtures', { type: 'boolean', default: false, describe: 'compare the committed captures only: no QEMU, no set-up' })
      .option('only', { type: 'string', describe: 'run only the boots whose id contains this (e.g. intel-6.12)' })
      .option('jobs', { type: 'number', default: 2, describe: 'guests booted at once (each pins up to 4.5 GiB)' })
      .option('work', { type: 'string', describe: 'where serial logs go (default: the set-up cache)' })
      .option('boot-timeout', { type: 'number', default: 300, describe: 'seconds per kernel-tier boot (vmm: twice that)' }),
  async run(args) {
    const tiers = (args.tier as string[]).flatMap((t) => t.split(','));
    for (const t of tiers) if (!TIERS.includes(t as Tier)) throw new InputError(`--tier: unknown tier '${t}'`, `one of: ${TIERS.join(', ')}`);
    if (!Number.isInteger(args.jobs) || args.jobs < 1 || args.jobs > 8) throw new InputError(`--jobs: ${args.jobs}`, 'a whole number from 1 to 8');
    const root = packageRoot();
    // Loaded on use: the other commands start no slower for it.
    const { cacheDir } = await import('../../conformance/real-run.js');
    const { runConformance } = await import('../../conformance/run.js');
    const { text, ok } = await runConformance({
      root, tiers: TIERS.filter((t) => tiers.includes(t)), fromFixtures: args.fromFixtures, jobs: args.jobs, ...(args.only ? { only: args.only } : {}),
      work: args.work ?? join(cacheDir(), 'runs'), timeouts: { kernel: args.bootTimeout, vmm: 2 * args.bootTimeout },
      log: (line) => process.stderr.write(`doorbell conformance: ${line}\n`),
    });
    process.stdout.write(text);
    return ok ? 0 : 1;
  },
});
