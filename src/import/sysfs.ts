// Reads what people paste of /sys/kernel/iommu_groups: a copied tree, a
// `grep -H . .../reserved_regions` capture, or bare `0x… 0x… type` lines
// (iommu_group_show_resv_regions prints "0x%016llx 0x%016llx %s\n", the
// end inclusive). Shell prompts and trailing spaces are tolerated.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { U64_MAX } from '../model/addr.js';
import { readLimited } from '../read-limited.js';
import { LIMITS } from '../scenario/limits.js';
import { readCommandLine, stripMailQuote } from './prompt.js';

/** A capture file, like a scenario, is size-checked before it is read. */
const readText = (path: string) => readLimited(path, path, 'capture', LIMITS.fileBytes, 'a readable capture file').toString('utf8');

export type SysfsType = 'direct' | 'direct-relaxable' | 'reserved' | 'msi';
export interface SysfsRegionLine {
  readonly start: bigint;
  readonly last: bigint;
  readonly type: SysfsType;
}
export interface CapturedGroup {
  readonly id: number;
  readonly devices: readonly string[];
  readonly regions: readonly SysfsRegionLine[];
}
export interface Capture {
  readonly form: 'tree' | 'grep' | 'bare';
  readonly groups: readonly CapturedGroup[];
  /** Bare lines whose groups prompt or `cat` lines named (iommu_groups/N/reserved_regions). */
  readonly groupsFromCommands?: boolean;
}

const TYPES: readonly SysfsType[] = ['direct-relaxable', 'direct', 'reserved', 'msi'];
const GREP = /^(?:\S*\/)?iommu_groups\/(\d+)\/reserved_regions:(.*)$/;

export function readCapture(path: string): Capture {
  if (!existsSync(path)) throw new InputError(`${path}: no such file or directory`, 'a capture file or a copied iommu_groups directory');
  if (statSync(path).isDirectory()) return readTree(path);
  return parseCaptureText(readText(path), path);
}

export function parseCaptureText(text: string, file: string): Capture {
  const groups = new Map<number, SysfsRegionLine[]>();
  let form: 'grep' | 'bare' | undefined;
  let current: number | undefined; // the group a prompt or `cat` line named
  let fromCommands = false;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = stripMailQuote(raw).replace(/\s+$/, '');
    if (line.trim() === '') return;
    const command = readCommandLine(line.trim());
    if (command) {
      if (command.group !== undefined) current = command.group;
      return;
    }
    const where = (col: number) => ({ file, line: i + 1, col });
    const grep = GREP.exec(line.trim());
    const lineForm = grep ? 'grep' : 'bare';
    if (form && form !== lineForm) {
      throw new InputError(`a ${lineForm} line after ${form} lines`, 'one form per file: all `grep -H` lines or all bare `0x… 0x… type` lines', where(1));
    }
    form = lineForm;
    const id = grep ? Number(grep[1]) : (current ?? 0);
    if (!grep && current !== undefined) fromCommands = true;
    const body = grep ? grep[2]! : line;
    const offset = grep ? line.indexOf(body, line.indexOf('reserved_regions:') + 'reserved_regions:'.length) : 0;
    const region = parseRegionLine(body, (col) => where(offset + col));
    const list = groups.get(id);
    if (list) list.push(region); // linear: a 40,000-line capture is read in one pass
    else groups.set(id, [region]);
  });
  if (!form) throw new InputError(`${file}: no reserved_regions lines`, 'lines such as 0x00000000fee00000 0x00000000feefffff msi');
  return { form, groups: [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([id, regions]) => ({ id, devices: [], regions })), ...(fromCommands ? { groupsFromCommands: true } : {}) };
}

/** One `0x%016llx 0x%016llx %s` line; `where(col)` places an error (1-based column). */
export function parseRegionLine(body: string, where: (col: number) => { file: string; line: number; col: number }): SysfsRegionLine {
  const tokens = [...body.matchAll(/\S+/g)];
  const expected = 'start end type, as 0x00000000fee00000 0x00000000feefffff msi';
  const num = (t: RegExpMatchArray) => {
    if (!/^0x[0-9a-fA-F]{1,16}$/.test(t[0])) throw new InputError(`'${t[0]}' is not a 64-bit hex address`, 'hex such as 0x00000000fee00000', where(t.index! + 1));
    return BigInt(t[0]);
  };
  if (tokens.length === 0) throw new InputError('no region after reserved_regions:', expected, where(body.length + 1));
  // Shape first, so prose reads as "not an address", not as a short line.
  const start = num(tokens[0]!);
  if (tokens.length < 3) throw new InputError(`truncated line (${tokens.length} of 3 fields)`, expected, where(body.length + 1));
  if (tokens.length > 3) throw new InputError(`unexpected '${tokens[3]![0]}' after the type`, expected, where(tokens[3]!.index! + 1));
  const last = num(tokens[1]!);
  if (last < start) throw new InputError(`end ${tokens[1]![0]} is below start`, 'an inclusive end >= start', where(tokens[1]!.index! + 1));
  const type = tokens[2]![0] as SysfsType;
  if (!TYPES.includes(type)) throw new InputError(`unknown region type '${tokens[2]![0]}'`, `one of: ${TYPES.join(', ')} (what sysfs prints)`, where(tokens[2]!.index! + 1));
  if (last > U64_MAX) throw new InputError('address beyond 64 bits', 'at most 0xffffffffffffffff', where(tokens[1]!.index! + 1));
  return { start, last, type };
}

/** A copied tree: N/reserved_regions per group, and N/devices/ names where present. */
function readTree(dir: string): Capture {
  const ids = readdirSync(dir).filter((n) => /^\d+$/.test(n) && existsSync(join(dir, n, 'reserved_regions'))).map(Number).sort((a, b) => a - b);
  if (ids.length === 0) throw new InputError(`${dir}: no N/reserved_regions files`, 'a copy of /sys/kernel/iommu_groups');
  return {
    form: 'tree',
    groups: ids.map((id) => {
      const file = join(dir, String(id), 'reserved_regions');
      const text = readText(file);
      const devDir = join(dir, String(id), 'devices');
      const devices = existsSync(devDir) && statSync(devDir).isDirectory() ? readdirSync(devDir).sort() : [];
      if (text.trim() === '') return { id, devices, regions: [] }; // a group with no reserved region
      const parsed = parseCaptureText(text, file);
      if (parsed.form !== 'bare') throw new InputError(`${file}: not a reserved_regions file`, 'bare 0x… 0x… type lines');
      return { id, devices, regions: parsed.groups[0]?.regions ?? [] };
    }),
  };
}
