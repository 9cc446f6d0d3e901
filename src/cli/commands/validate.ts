// doorbell validate PATH...: check scenario and host files without running.
import { resolve } from 'node:path';
import { defineCommand } from '../define.js';
import { InputError } from '../../errors.js';
import { openYaml } from '../../scenario/cursor.js';
import { capturedNotImported, loadHostFile, readFileOrFail } from '../../scenario/load-host.js';
import { looksLikeCapture } from '../../import/prompt.js';
import { loadScenarioFile } from '../../scenario/load.js';
import { isMap } from 'yaml';

export default defineCommand({
  command: 'validate <paths..>',
  describe: 'Check scenario or host YAML files without running them',
  builder: (y) => y.positional('paths', { type: 'string', array: true, demandOption: true, describe: 'scenario or host files' }),
  run(args) {
    let bad = 0;
    for (const p of args.paths as string[]) {
      try {
        // A file with a timeline is a scenario; one with groups at the top is a host.
        const text = readFileOrFail(resolve(p), p, 'file').toString('utf8');
        if (looksLikeCapture(text)) throw capturedNotImported(p);
        const root = openYaml(text, p, 'file');
        const isHost = isMap(root.node) && root.node.has('groups') && !root.node.has('timeline');
        if (isHost) loadHostFile(resolve(p), p);
        else loadScenarioFile(resolve(p), p);
        process.stdout.write(`${p}: ok (${isHost ? 'host' : 'scenario'})\n`);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        bad++;
        process.stderr.write(`${e.message}\n`);
      }
    }
    return bad > 0 ? 2 : 0;
  },
});
