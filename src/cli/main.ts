#!/usr/bin/env node
// doorbell's command line. Exit codes: 0 ok, 1 some trials errored,
// 2 usage, input or environment error (one line, no stack trace),
// 130 interrupted (Ctrl-C, SIGTERM). Output is flushed before exiting.
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InputError } from '../errors.js';
import type { CommandDef } from './define.js';
import { fsFailure, isFsError } from './fs-errors.js';
import list from './commands/list.js';
import run from './commands/run.js';
import validate from './commands/validate.js';
import explain from './commands/explain.js';
import importCmd from './commands/import.js';
import report from './commands/report.js';
import merge from './commands/merge.js';
import conformance from './commands/conformance.js';
import check from './commands/check.js';
import { versionLine } from './version.js';

const COMMANDS = [run, check, merge, report, explain, importCmd, list, validate, conformance] as unknown as CommandDef<Record<string, unknown>>[];

/** A yargs message as one line; a choice error says what was expected. */
function usageMessage(msg: string): InputError {
  const choice = /Argument: ([^,]+), Given: (.*), Choices: (.*)$/m.exec(msg);
  if (choice) {
    const [, name, given, choices] = choice;
    const flag = process.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)) ? `--${name}` : `<${name}>`;
    return new InputError(`${flag}: ${given!.replace(/^"(.*)"$/, "'$1'")} is not a choice`, `one of: ${choices!.replace(/"/g, '')}`);
  }
  const line = msg.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  const dash = line.indexOf(' — ');
  return dash < 0 ? new InputError(line, "see 'doorbell --help'") : new InputError(line.slice(0, dash), line.slice(dash + 3));
}

/**
 * What yargs would accept silently: a flag that takes one value given twice
 * (read as a list), and a flag that takes a value given none (read as its
 * default).
 */
function checkFlags(raw: readonly string[]) {
  return (argv: Record<string, unknown>, y: Argv): void => {
    const options = (y as unknown as { getOptions(): { array?: string[]; string?: string[] } }).getOptions();
    const lists = new Set<string>(options.array ?? []);
    for (const [key, value] of Object.entries(argv)) {
      if (Array.isArray(value) && key !== '_' && /^[a-z0-9-]+$/.test(key) && !lists.has(key)) {
        throw new InputError(`--${key} given ${value.length} times`, `--${key} once`);
      }
    }
    const valued = new Set<string>(options.string ?? []);
    raw.forEach((a, i) => {
      const key = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
      if (key !== undefined && valued.has(key) && (i + 1 >= raw.length || raw[i + 1]!.startsWith('--'))) {
        throw new InputError(`--${key} has no value`, `--${key} VALUE (see 'doorbell ${String((argv['_'] as unknown[])[0] ?? '')} --help')`);
      }
    });
  };
}

export async function main(argv: string[]): Promise<number> {
  // --version anywhere before `--`, with or without a command: print and stop (git runs only then).
  const flags = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (flags.includes('--version')) {
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  let code = 0;
  let cli = yargs(argv)
    .scriptName('doorbell')
    .strict()
    .demandCommand(1, 'a command is required — one of: run, check, merge, report, explain, import, list, validate, conformance')
    .recommendCommands()
    .help()
    .version(false)
    .option('version', { type: 'boolean', describe: 'Print the version (with the git commit and a dirty flag when run from a checkout) and exit' })
    .wrap(Math.min(100, process.stdout.columns || 100))
    .middleware(checkFlags(argv) as never, true)
    .fail((msg, err) => {
      throw err ?? usageMessage(msg);
    });
  for (const c of COMMANDS) {
    cli = cli.command(c.command, c.describe, c.builder, async (args) => {
      code = await c.run(args);
    });
  }
  await cli.parseAsync();
  return code;
}

/** Resolves once everything written so far has left the process (or the stream is gone). */
function drained(s: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed || !s.writable) return resolve();
    s.write('', () => resolve());
  });
}

let writeFailure: NodeJS.ErrnoException | undefined;
for (const s of [process.stdout, process.stderr]) {
  // A reader that went away (EPIPE: `| head`) is not a failure; anything else is.
  s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && s === process.stdout) writeFailure ??= e;
  });
}

async function exit(code: number): Promise<never> {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  if (writeFailure && code !== 130) {
    const failure = fsFailure(writeFailure, 'cannot write to stdout', 'a writable output');
    process.stderr.write(`doorbell: ${failure instanceof Error ? failure.message : String(failure)}\n`);
    await drained(process.stderr);
    process.exit(2);
  }
  process.exit(code);
}

main(hideBin(process.argv)).then(
  (code) => exit(code),
  (e: unknown) => {
    const failure = fsFailure(e, `${(e as NodeJS.ErrnoException).syscall ?? 'access'} ${(e as NodeJS.ErrnoException).path ?? ''}`.trim(), 'a path doorbell can read and write');
    if (failure instanceof InputError) {
      process.stderr.write(`doorbell: ${failure.message.split('\n')[0]}\n`);
      return exit(2);
    }
    process.stderr.write(`doorbell: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return exit(isFsError(e) ? 2 : 70);
  },
);
