// The committed captures of the real stack (test/fixtures/realstack/) and
// what the real side did, read back from them. A fixture holds only lines
// that are the same run after run: no timestamps, pointers or versions.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tier } from './types.js';

export const FIXTURE_HEADER = '# doorbell conformance: real-stack capture, written by `doorbell conformance`; do not edit';

export function fixtureDir(root: string, tier: Tier): string {
  return join(root, 'test', 'fixtures', 'realstack', tier);
}

export function readFixture(root: string, tier: Tier, name: string): string | undefined {
  const p = join(fixtureDir(root, tier), name);
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}

const body = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

/** Kernel tier: per case, the steps with their results ("0", "-EINVAL", ...) and the RANGE lines of `info`. */
export interface RealKernelCase {
  readonly name: string;
  readonly steps: ReadonlyArray<{ readonly command: string; readonly result: string; readonly ranges: readonly string[] }>;
}
export interface RealKernelBoot {
  readonly targets: ReadonlyMap<string, number | undefined>;
  readonly cases: readonly RealKernelCase[];
}

export function parseKernelFixture(text: string): RealKernelBoot {
  const targets = new Map<string, number | undefined>();
  const cases: Array<{ name: string; steps: Array<{ command: string; result: string; ranges: string[] }> }> = [];
  let ranges: string[] = [];
  for (const line of body(text)) {
    let m: RegExpExecArray | null;
    if ((m = /^TARGET (\S+) (\S+)/.exec(line))) targets.set(m[1]!, m[2] === 'none' ? undefined : Number(m[2]));
    else if ((m = /^CASE (\S+)$/.exec(line))) cases.push({ name: m[1]!, steps: [] });
    else if ((m = /^RANGE (0x[0-9a-f]+) (0x[0-9a-f]+)$/.exec(line))) ranges.push(`${m[1]}-${m[2]}`);
    else if ((m = /^STEP (.*) = (\S+)$/.exec(line)) && cases.length) {
      cases[cases.length - 1]!.steps.push({ command: m[1]!, result: m[2]!, ranges });
      ranges = [];
    }
  }
  return { targets, cases };
}

/** VMM tier: per nested-QEMU case, what it printed, by kind. */
export interface RealVmmCase {
  readonly name: string;
  /** RAM sections the VFIO listener was given (trace vfio_listener_region_add_ram), in order. */
  readonly ram: readonly string[];
  /** QEMU's error lines (pointers masked). */
  readonly errors: readonly string[];
  /** QMP error descriptions. */
  readonly qmpErrors: readonly string[];
  /** query-status after the QMP commands: prelaunch when the VM is still there. */
  readonly status: string | undefined;
  /** The invocation the capture was made with. */
  readonly args: string;
}

export function parseVmmFixture(text: string): { targets: ReadonlyMap<string, number | undefined>; cases: RealVmmCase[] } {
  const targets = new Map<string, number | undefined>();
  const cases = new Map<string, { name: string; ram: string[]; errors: string[]; qmpErrors: string[]; status: string | undefined; args: string }>();
  for (const line of body(text)) {
    let m: RegExpExecArray | null;
    if ((m = /^TARGET (\S+) (\S+)/.exec(line))) targets.set(m[1]!, m[2] === 'none' ? undefined : Number(m[2]));
    else if ((m = /^L2 (\S+) (ARGS|RAM|ERR|QMP-ERROR|STATUS) ?(.*)$/.exec(line))) {
      const c = cases.get(m[1]!) ?? { name: m[1]!, ram: [], errors: [], qmpErrors: [], status: undefined, args: '' };
      cases.set(m[1]!, c);
      if (m[2] === 'ARGS') c.args = m[3]!;
      else if (m[2] === 'RAM') c.ram.push(m[3]!);
      else if (m[2] === 'ERR') c.errors.push(m[3]!);
      else if (m[2] === 'QMP-ERROR') c.qmpErrors.push(m[3]!);
      else c.status = m[3];
    }
  }
  return { targets, cases: [...cases.values()] };
}

/** Layout tier: per probe, the flat view's sections, or QEMU's exit message. */
export interface RealLayout {
  readonly name: string;
  readonly sections: ReadonlyArray<{ readonly start: bigint; readonly last: bigint; readonly kind: string; readonly region: string }>;
  readonly errors: readonly string[];
  readonly args: string;
}

export function parseLayoutFixture(text: string): RealLayout[] {
  const out = new Map<string, { name: string; sections: Array<{ start: bigint; last: bigint; kind: string; region: string }>; errors: string[]; args: string }>();
  for (const line of body(text)) {
    const m = /^(\S+) (ARGS|SECTION|ERR) (.*)$/.exec(line);
    if (!m) continue;
    const c = out.get(m[1]!) ?? { name: m[1]!, sections: [], errors: [], args: '' };
    out.set(m[1]!, c);
    if (m[2] === 'ARGS') c.args = m[3]!;
    else if (m[2] === 'ERR') c.errors.push(m[3]!);
    else {
      const s = /^(0x[0-9a-f]+) (0x[0-9a-f]+) (\S+) (\S+)$/.exec(m[3]!);
      if (s) c.sections.push({ start: BigInt(s[1]!), last: BigInt(s[2]!), kind: s[3]!, region: s[4]! });
    }
  }
  return [...out.values()];
}
