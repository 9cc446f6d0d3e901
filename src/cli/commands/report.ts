// doorbell report DIR: render report.txt, report.md and charts again from
// the directory's summary.csv, paired.csv and run.json alone.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defineCommand } from '../define.js';
import { InputError } from '../../errors.js';
import { renderedFiles } from '../../results/run-files.js';

export default defineCommand({
  command: 'report <dir>',
  describe: 'Regenerate report.txt, report.md and charts of a results directory from its CSVs and run.json',
  builder: (y) => y.positional('dir', { type: 'string', demandOption: true }),
  async run(args) {
    const dir = String(args.dir);
    const data = new Map<string, string>();
    for (const f of ['run.json', 'summary.csv', 'paired.csv']) {
      const p = join(dir, f);
      if (!existsSync(p)) throw new InputError(`${dir}: no ${f}`, 'a results directory written by doorbell run');
      data.set(f, readFileSync(p, 'utf8'));
    }
    const files = await renderedFiles(data);
    for (const [name, content] of files) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    process.stderr.write(`doorbell: rendered ${files.size} files in ${dir}/ from its CSVs and run.json\n`);
    return 0;
  },
});
