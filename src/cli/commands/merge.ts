// doorbell merge SHARD_DIR... --out DIR: shards of one run become the
// results directory the unsharded run would have written, byte for byte.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand } from '../define.js';
import { InputError } from '../../errors.js';
import type { RunInfo } from '../../results/run-info.js';
import { dataFilesOf, readData, renderedFiles } from '../../results/run-files.js';
import { ResultsDir, checkWritable, inspectOut } from '../output.js';
import { Stop } from '../stop.js';
import { withFs } from '../fs-errors.js';

export default defineCommand({
  command: 'merge <dirs..>',
  describe: 'Merge the shard directories of one run (--shard I/N) into one results directory',
  builder: (y) =>
    y
      .positional('dirs', { type: 'string', array: true, demandOption: true })
      .option('out', { type: 'string', demandOption: true, describe: 'the merged results directory' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing directory' }),
  async run(args) {
    const dirs = (args.dirs as string[]).map(String);
    checkWritable(String(args.out), Boolean(args.force));
    const shards = dirs.map((d) => {
      const existing = withFs(d, 'a shard directory written by doorbell run --shard', () => inspectOut(d));
      if (existing.kind !== 'results') throw new InputError(`${d}: not a doorbell results directory${existing.kind === 'foreign' ? ` (${existing.why})` : ''}`, 'a shard directory written by doorbell run --shard');
      const data = new Map<string, string>();
      for (const f of ['run.json', 'summary.csv', 'paired.csv']) {
        if (!existsSync(join(d, f))) throw new InputError(`${d}: no ${f}`, 'a shard directory written by doorbell run --shard');
        data.set(f, withFs(`${d}: ${f}`, 'a readable shard directory', () => readFileSync(join(d, f), 'utf8')));
      }
      // Each shard is checked on its own first: hashes, every pair once, counts within trials.
      const { info } = readData(data, `${d}/`);
      if (!info.shard) throw new InputError(`${d}: run.json has no shard`, 'directories written with --shard I/N');
      return { dir: d, info, data };
    });
    const first = shards[0]!.info;
    // Everything but the shard itself must agree: the same run, cut in pieces.
    const same = (i: RunInfo) => JSON.stringify({ ...i, shard: { ...i.shard, index: 0 }, scenarios: [], trialErrors: 0, data: null });
    for (const s of shards) {
      if (same(s.info) !== same(first)) throw new InputError(`${s.dir}: run.json differs from ${shards[0]!.dir} in more than the shard`, 'shards of one run: same seed, trials, scenarios, policies, parameters and doorbell');
    }
    const count = first.shard!.count;
    const seen = shards.map((s) => s.info.shard!.index).sort((a, b) => a - b);
    const expected = Array.from({ length: count }, (_, i) => i + 1);
    if (JSON.stringify(seen) !== JSON.stringify(expected)) throw new InputError(`shards ${seen.join(', ')} of ${count}`, `each of 1..${count} exactly once`);
    const order = first.shard!.scenarios;
    const rank = (name: string) => order.indexOf(name);
    // Rows regrouped in the canonical scenario order, each shard's own order kept inside.
    const joinCsv = (file: string) => {
      const texts = shards.map((s) => s.data.get(file) ?? withFs(`${s.dir}: ${file}`, 'a readable shard directory', () => readFileSync(join(s.dir, file), 'utf8')));
      const header = texts[0]!.slice(0, texts[0]!.indexOf('\n') + 1);
      const lines = texts.flatMap((t) => recordsOf(t.slice(t.indexOf('\n') + 1)));
      const stable = lines.map((l, i) => ({ l, i, r: rank(l.slice(0, l.indexOf(','))) }));
      stable.sort((a, b) => a.r - b.r || a.i - b.i);
      return header + stable.map((x) => x.l).join('');
    };
    const all = shards.flatMap((s) => s.info.scenarios);
    if (all.length !== order.length || !order.every((n) => all.filter((x) => x.name === n).length === 1)) {
      throw new InputError(`shards hold scenarios ${all.map((x) => x.name).join(', ')}`, `each of ${order.join(', ')} in exactly one shard`);
    }
    const info: RunInfo = { ...first, scenarios: order.map((n) => all.find((x) => x.name === n)!), trialErrors: shards.reduce((t, s) => t + s.info.trialErrors, 0) };
    delete (info as { shard?: unknown }).shard;
    const data = dataFilesOf(info, joinCsv('summary.csv'), joinCsv('paired.csv'));
    const files = new Map<string, string | Buffer>([...data, ...(await renderedFiles(data))]);
    if (shards.every((s) => existsSync(join(s.dir, 'trials.csv')))) files.set('trials.csv', joinCsv('trials.csv'));
    // Until here a signal ends the process with nothing written; from here it waits for the rename.
    const stop = new Stop();
    const out = new ResultsDir(String(args.out), Boolean(args.force));
    try {
      out.write(files);
      await out.commit();
    } catch (e) {
      out.abort();
      throw e;
    }
    stop.finished(0);
    process.stderr.write(`doorbell: merged ${shards.length} shards → ${String(args.out)}/\n`);
    return 0;
  },
});

/** CSV records (a quoted field may hold a newline), each with its line end. */
function recordsOf(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === '\n' && !quoted) {
      out.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}
