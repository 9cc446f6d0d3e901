// citty-style: a command is one object, defined in one file.
import type { Argv, ArgumentsCamelCase } from 'yargs';

export interface CommandDef<A> {
  readonly command: string;
  readonly describe: string;
  readonly builder: (y: Argv) => Argv<A>;
  /** Returns the process exit code. */
  readonly run: (args: ArgumentsCamelCase<A>) => Promise<number> | number;
}

export function defineCommand<A>(def: CommandDef<A>): CommandDef<A> {
  return def;
}
