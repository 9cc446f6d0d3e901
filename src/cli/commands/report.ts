// doorbell report DIR: render report.txt, report-full.txt, report.md and charts again from
// the directory's summary.csv, paired.csv and run.json alone, after checking
// them. Only a results directory doorbell wrote is written into, and each
// rendered file replaces its old version whole.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand } from '../define.js';
import { InputError } from '../../errors.js';
import { renderedFiles } from '../../results/run-files.js';
import { inspectOut, replaceRendered } from '../output.js';
import { withFs } from '../fs-errors.js';
import { Stop } from '../stop.js';

export default defineCommand({
  command: 'report <dir>',
  describe: 'Regenerate report.txt, report-full.txt, report.md and charts of a results directory from its CSVs and run.json',
  builder: (y) => y.positional('dir', { type: 'string', demandOption: true }),
  async run(args) {
    const dir = String(args.dir);
    const expected = 'a results directory written by doorbell run';
    const existing = withFs(dir, expected, () => inspectOut(dir));
    if (existing.kind === 'absent') throw new InputError(`${dir}: no such directory`, expected);
    if (existing.kind === 'foreign') throw new InputError(`${dir}: not a doorbell results directory (${existing.why}); report writes only into those`, expected);
    const data = new Map<string, string>();
    for (const f of ['run.json', 'summary.csv', 'paired.csv']) {
      const p = join(dir, f);
      data.set(f, withFs(`${dir}: ${f}`, expected, () => {
        try {
          return readFileSync(p, 'utf8');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`${dir}: no ${f}`, expected);
          throw e;
        }
      }));
    }
    // Until here a signal ends the process with nothing written; from here it waits for the renames.
    const files = await renderedFiles(data);
    const stop = new Stop();
    replaceRendered(dir, files);
    stop.finished(0);
    process.stderr.write(`doorbell: rendered ${files.size} files in ${dir}/ from its CSVs and run.json\n`);
    return 0;
  },
});
