// Where the package's own files are: package.json beside scenarios/.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder above this file with package.json and scenarios/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('doorbell: cannot find the package root (package.json beside scenarios/)');
    dir = up;
  }
}

/** Built-in hosts, named `builtin:NAME` from a scenario anywhere: scenarios/hosts/NAME.yaml. */
export function builtinHostNames(): string[] {
  return readdirSync(join(packageRoot(), 'scenarios', 'hosts')).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();
}

export function builtinHostPath(name: string): string | undefined {
  return builtinHostNames().includes(name) ? join(packageRoot(), 'scenarios', 'hosts', `${name}.yaml`) : undefined;
}
