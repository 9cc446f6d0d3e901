#!/usr/bin/env node
// doorbell's command line. Exit codes: 0 ok, 1 some trials errored,
// 2 usage or input error (one line, no stack trace).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InputError } from '../errors.js';
import type { CommandDef } from './define.js';
import list from './commands/list.js';
import run from './commands/run.js';
import validate from './commands/validate.js';
import explain from './commands/explain.js';
import importCmd from './commands/import.js';
import report from './commands/report.js';
import merge from './commands/merge.js';
import check from './commands/check.js';

const COMMANDS = [run, check, merge, report, explain, importCmd, list, validate] as unknown as CommandDef<Record<string, unknown>>[];

function usageError(message: string): never {
  process.stderr.write(`doorbell: ${message.split('\n')[0]}\n`);
  process.exit(2);
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  let cli = yargs(argv)
    .scriptName('doorbell')
    .strict()
    .demandCommand(1, 'a command is required — one of: run, check, merge, report, explain, import, list, validate')
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err instanceof InputError) usageError(err.message);
      if (err) throw err;
      usageError(`${msg} — see 'doorbell --help'`);
    });
  for (const c of COMMANDS) {
    cli = cli.command(c.command, c.describe, c.builder, async (args) => {
      code = await c.run(args);
    });
  }
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof InputError) usageError(e.message);
    throw e;
  }
  return code;
}

main(hideBin(process.argv)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof InputError) usageError(e.message);
    process.stderr.write(`doorbell: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(70);
  },
);
