// Typed reads of a YAML node that fail with the node's file:line:col.
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { U64_MAX, parseQuantity } from '../model/addr.js';
import { InputError, didYouMean } from '../errors.js';

/** A release as written in a host or VM: major.minor[.patch]. */
export const VERSION = /^[0-9]+\.[0-9]+(\.[0-9]+)?$/;
/** C0 controls but tab and newline, DEL and C1. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Parses YAML text into a root cursor; a syntax error is an InputError at its position. */
export function openYaml(text: string, file: string, rootPath: string): Cursor {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const { line, col } = lines.linePos(err.pos[0]);
    throw new InputError(`YAML syntax: ${err.message.split('\n')[0]}`, 'valid YAML', { file, line, col });
  }
  return new Cursor(doc.contents, { file, text, lines }, rootPath);
}

/** The file a cursor reads: its name, its text and a line index. */
export interface SourceFile {
  readonly file: string;
  readonly text: string;
  readonly lines: LineCounter;
}

export class Cursor {
  constructor(
    readonly node: Node | null | undefined,
    private readonly src: SourceFile,
    readonly path: string,
    private readonly fallbackOffset = 0,
  ) {}

  where(): { file: string; line: number; col: number } {
    const off = this.node?.range?.[0] ?? this.fallbackOffset;
    const { line, col } = this.src.lines.linePos(off);
    return { file: this.src.file, line, col };
  }

  fail(what: string, expected: string): never {
    throw new InputError(`${this.path}: ${what}`, expected, this.where());
  }

  get isString(): boolean {
    return isScalar(this.node) && typeof this.node.value === 'string';
  }

  get present(): boolean {
    return this.node !== null && this.node !== undefined && !(isScalar(this.node) && this.node.value === null);
  }

  /**
   * A mapping whose keys must all be in `allowed`; returns field cursors.
   * With `shorthand`, a plain scalar stands for `{ [shorthandKey]: scalar }`
   * (`hotplug: nic0` is `hotplug: { device: nic0 }`).
   */
  map(allowed: readonly string[], shorthand = false, shorthandKey = 'device'): Map<string, Cursor> {
    if (shorthand && isScalar(this.node) && this.present) return new Map([[shorthandKey, this]]);
    if (!isMap(this.node)) this.fail(`is ${this.describe()}`, shorthand ? `a ${shorthandKey} or a mapping` : 'a mapping');
    const out = new Map<string, Cursor>();
    for (const pair of (this.node as YAMLMap).items as Pair<Node, Node>[]) {
      const keyNode = pair.key;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const keyCursor = new Cursor(keyNode, this.src, this.path);
      if (!allowed.includes(key)) {
        keyCursor.fail(`unknown key '${key}'${didYouMean(key, allowed)}`, `one of: ${allowed.join(', ')}`);
      }
      if (out.has(key)) keyCursor.fail(`duplicate key '${key}'`, 'each key once');
      out.set(key, new Cursor(pair.value, this.src, `${this.path}.${key}`, keyNode?.range?.[0] ?? 0));
    }
    return out;
  }

  seq(): Cursor[] {
    if (!isSeq(this.node)) this.fail(`is ${this.describe()}`, 'a list');
    return this.node.items.map((n, i) => new Cursor(n as Node, this.src, `${this.path}[${i}]`, this.node!.range?.[0] ?? 0));
  }

  private scalar(): unknown {
    if (!isScalar(this.node)) this.fail(this.present ? `is ${this.describe()}` : 'is missing', 'a value');
    return (this.node as Scalar).value;
  }

  string(): string {
    const v = this.scalar();
    if (typeof v === 'string' && v.trim() !== '') return this.printable(v);
    if (typeof v === 'number' && this.rawSource() !== undefined) return this.rawSource()!; // kernel: 5.10
    return this.fail(`is ${JSON.stringify(v)}`, 'a non-empty string');
  }

  /**
   * A dotted version, strictly: "6.6" or "6.6.12" (kernel, QEMU). Anything
   * else ("v6.6", "6.8.0-45-generic", "banana") would compare as a different
   * release (model/host.ts kernelAtLeast reads digits only).
   */
  version(): string {
    const v = this.string();
    if (!VERSION.test(v)) this.fail(`'${v}' is not a version`, 'major.minor or major.minor.patch, such as "6.6" or "6.6.12" (quoted)');
    return v;
  }

  /** Each weight of a list is positive() already; their sum must be finite too, or every draw picks the last entry. */
  weightSum(weights: readonly number[]): void {
    const sum = weights.reduce((a, b) => a + b, 0);
    if (!Number.isFinite(sum)) this.fail(`weights sum to ${sum}`, 'weights whose sum is a finite number');
  }

  /**
   * Text that reaches reports: no control characters (NUL, ESC of an ANSI
   * sequence, C1) except tab and newline. The column is the character's own
   * when it is written as is, else the scalar's.
   */
  private printable(v: string): string {
    const m = CONTROL.exec(v);
    if (!m) return v;
    const code = `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const start = this.node?.range?.[0];
    const raw = start === undefined ? -1 : this.src.text.indexOf(m[0], start);
    const at = start !== undefined && raw >= 0 && raw < (this.node?.range?.[1] ?? 0) ? raw : start;
    const where = at === undefined ? this.where() : { file: this.src.file, ...this.src.lines.linePos(at) };
    throw new InputError(`${this.path}: control character ${code} in text`, 'printable text (no NUL, escape sequences or other control characters)', where);
  }

  enumOf<T extends string>(values: readonly T[]): T {
    const v = this.string();
    if (!(values as readonly string[]).includes(v)) this.fail(`'${v}' is not known${didYouMean(v, values)}`, `one of: ${values.join(', ')}`);
    return v as T;
  }

  int(min: number, max: number): number {
    const v = this.scalar();
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(/_/g, '')) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) this.fail(`is ${JSON.stringify(v)}`, `a whole number from ${min} to ${max}`);
    return n;
  }

  bool(): boolean {
    const v = this.scalar();
    if (typeof v !== 'boolean') this.fail(`is ${JSON.stringify(v)}`, 'true or false');
    return v;
  }

  fraction(): number {
    const v = this.scalar();
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) this.fail(`is ${JSON.stringify(v)}`, 'a number from 0 to 1');
    return v;
  }

  positive(): number {
    const v = this.scalar();
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) this.fail(`is ${JSON.stringify(v)}`, 'a positive number');
    return v;
  }

  /** 0x8000000, 0xfd_0000_0000, 3054MiB, 4GiB, or a plain integer; within 64 bits. */
  quantity(): bigint {
    const raw = this.rawSource() ?? String(this.scalar());
    const q = parseQuantity(raw);
    if (q === undefined) this.fail(`'${raw}' is not an address or size`, 'hex (0x8000000) or a size (4GiB, 3054MiB)');
    if (q > U64_MAX) this.fail(`'${raw}' does not fit in 64 bits`, `at most 0xffffffffffffffff`);
    return q;
  }

  /** The scalar as written: YAML would turn 5.10 into 5.1 and 0xffff_ffff_ffff_f000 into a float. */
  private rawSource(): string | undefined {
    const n = this.node;
    if (!isScalar(n) || n.value === null) return undefined;
    if (typeof n.value === 'string') return n.value;
    const r = n.range;
    return r ? this.src.text.slice(r[0], r[1]).trim() : String(n.value);
  }

  private describe(): string {
    // Aliases are never expanded (no alias bombs); they are refused where they stand.
    if (isAlias(this.node)) return `an alias (*${this.node.source}): aliases are not supported`;
    if (!this.present) return 'missing';
    if (isMap(this.node)) return 'a mapping';
    if (isSeq(this.node)) return 'a list';
    return `${JSON.stringify((this.node as Scalar).value)}`;
  }
}
