// A QEMU command line as people paste it (a shell line with `\` continuations,
// quotes, environment assignments first, as libvirt logs it in
// /var/log/libvirt/qemu/NAME.log) → VmInput. Options are QEMU's
// (qemu/qemu:qemu-options.hx); keyval values split on `,` with `,,` for a
// comma (util/qemu-option.c), -device may also be JSON (libvirt ≥ 7.x).
import { type VmDevice, type VmInput, type Where, failAt, normaliseBdf, positionOf } from './vm-input.js';

interface Token {
  readonly text: string;
  readonly offset: number;
}

/** Shell words with their offsets: quotes, backslash escapes, `\`-newline continuations, `#` comments. */
export function shellWords(text: string, file: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) { i += text[i + 1] === '\n' ? 2 : 3; continue; }
    if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    const start = i;
    let word = '';
    while (i < text.length && !' \t\n\r'.includes(text[i]!)) {
      const d = text[i]!;
      if (d === "'") {
        const end = text.indexOf("'", i + 1);
        if (end < 0) failAt({ file, ...positionOf(text, i) }, 'unterminated single quote', "a closing '");
        word += text.slice(i + 1, end);
        i = end + 1;
      } else if (d === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && '"\\$`'.includes(text[i + 1] ?? '')) i++;
          word += text[i++];
        }
        if (i >= text.length) failAt({ file, ...positionOf(text, start) }, 'unterminated double quote', 'a closing "');
        i++;
      } else if (d === '\\') {
        if (text[i + 1] === '\n') { i += 2; continue; }
        word += text[i + 1] ?? '';
        i += 2;
      } else word += text[i++];
    }
    out.push({ text: word, offset: start });
  }
  return out;
}

/** QEMU options that take no argument (qemu-options.hx); every other option takes one. */
const FLAGS = new Set(['S', 's', 'enable-kvm', 'no-user-config', 'nodefaults', 'no-shutdown', 'no-reboot', 'nographic', 'daemonize', 'snapshot', 'no-hpet', 'no-acpi', 'full-screen', 'enable-fips', 'no-fd-bootchk', 'only-migratable', 'preconfig', 'win2k-hack', 'no-quit', 'localtime', 'usb', 'no-kvm', 'version', 'help', 'semihosting', 'old-param']);

/** key=value,key=value with `,,` for a comma; a leading bare word is `implied` (QEMU's implied_opt_name). */
export function keyval(text: string, implied: string): Map<string, { value: string; col: number }> {
  const out = new Map<string, { value: string; col: number }>();
  let i = 0;
  while (i <= text.length) {
    const start = i;
    let item = '';
    while (i < text.length) {
      if (text[i] === ',' && text[i + 1] === ',') { item += ','; i += 2; continue; }
      if (text[i] === ',') break;
      item += text[i++];
    }
    const eq = item.indexOf('=');
    if (item !== '') out.set(eq < 0 ? (start === 0 ? implied : item) : item.slice(0, eq), { value: eq < 0 ? (start === 0 ? item : 'on') : item.slice(eq + 1), col: start + (eq < 0 ? 0 : eq + 1) });
    i++;
  }
  return out;
}

/** qemu_strtosz: K, M, G, T, P, E are binary; `defaultUnit` when none is written (MiB for -m, bytes for maxmem). */
export function qemuSize(text: string, defaultUnit: bigint): bigint | undefined {
  const units: Record<string, bigint> = { b: 1n, k: 1n << 10n, m: 1n << 20n, g: 1n << 30n, t: 1n << 40n, p: 1n << 50n, e: 1n << 60n };
  const last = text.slice(-1).toLowerCase();
  const unit = units[last];
  const digits = unit === undefined ? text : text.slice(0, -1);
  if (!/^[0-9]{1,20}$/.test(digits)) return undefined;
  return BigInt(digits) * (unit ?? defaultUnit);
}

export function parseQemuCommandLine(text: string, file: string): VmInput {
  const words = shellWords(text, file);
  const at = (t: Token, col = 0): Where => {
    const p = positionOf(text, t.offset);
    return { file, line: p.line, col: p.col + col };
  };
  let i = 0;
  // A prompt word ($, #, user@host:~$) and VAR=value assignments come before the binary.
  while (i < words.length && (/^[$#]$/.test(words[i]!.text) || /^\S+@\S+[$#]$/.test(words[i]!.text) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!.text))) i++;
  const binary = words[i];
  const base = binary?.text.split('/').pop() ?? '';
  if (!binary || !(base.startsWith('qemu-system-') || base === 'qemu-kvm')) {
    failAt(binary ? at(binary) : { file, line: 1, col: 1 }, `'${binary?.text ?? ''}' is not a QEMU binary`, 'a command line starting with qemu-system-x86_64, qemu-system-aarch64 or qemu-kvm');
  }
  const archName = base === 'qemu-kvm' ? 'x86_64' : base.slice('qemu-system-'.length);
  if (archName !== 'x86_64' && archName !== 'aarch64') failAt(at(binary), `guest architecture '${archName}'`, 'qemu-system-x86_64 or qemu-system-aarch64');
  let machine: { name: string; at: Where } | undefined;
  let accel: 'kvm' | 'tcg' = base === 'qemu-kvm' ? 'kvm' : 'tcg'; // system/vl.c: tcg first unless the binary's name ends in "kvm"
  let ram = 128n << 20n; // hw/core/machine.c: default_ram_size 128 MiB for pc, q35 and virt
  let maxmem: bigint | undefined;
  let slots: number | undefined;
  let cpu: VmInput['cpu'] = { model: 'qemu64', at: at(binary) };
  let ramRegion: string | undefined;
  const devices: VmDevice[] = [];
  for (i++; i < words.length; i++) {
    const w = words[i]!;
    if (!w.text.startsWith('-')) failAt(at(w), `unexpected '${w.text}'`, 'QEMU options (-machine, -m, -cpu, -device ...)');
    const name = w.text.replace(/^--?/, '');
    if (FLAGS.has(name)) {
      if (name === 'enable-kvm') accel = 'kvm';
      continue;
    }
    const arg = words[++i];
    if (!arg) failAt(at(w), `option -${name} has no value`, `-${name} VALUE`);
    const kv = (implied: string) => keyval(arg.text, implied);
    switch (name) {
      case 'machine':
      case 'M': {
        const m = kv('type');
        const type = m.get('type');
        if (type) machine = { name: type.value, at: at(arg, type.col) };
        if (m.get('accel')) accel = m.get('accel')!.value.split(':')[0] === 'kvm' ? 'kvm' : 'tcg';
        if (m.get('memory-backend')) ramRegion = m.get('memory-backend')!.value;
        break;
      }
      case 'accel':
        accel = kv('accel').get('accel')?.value === 'kvm' ? 'kvm' : 'tcg';
        break;
      case 'm': {
        const m = kv('size');
        const sz = m.get('size');
        if (sz) {
          const v = qemuSize(sz.value, 1n << 20n);
          if (v === undefined || v === 0n) failAt(at(arg, sz.col), `-m size '${sz.value}'`, 'a size such as 4096, 4G or size=4194304k');
          ram = v;
        }
        const mx = m.get('maxmem');
        if (mx) {
          maxmem = qemuSize(mx.value, 1n);
          if (maxmem === undefined) failAt(at(arg, mx.col), `-m maxmem '${mx.value}'`, 'a size such as 64G');
        }
        const sl = m.get('slots');
        if (sl) {
          if (!/^[0-9]{1,3}$/.test(sl.value)) failAt(at(arg, sl.col), `-m slots '${sl.value}'`, 'a whole number of DIMM slots');
          slots = Number(sl.value);
        }
        break;
      }
      case 'cpu':
        cpu = readCpu(arg, at);
        break;
      case 'numa': {
        const memdev = kv('type').get('memdev');
        if (memdev && ramRegion === undefined) ramRegion = memdev.value;
        break;
      }
      case 'device': {
        const d = readDevice(arg, at);
        if (d) devices.push(d);
        break;
      }
    }
  }
  if (!machine) {
    // qemu-system-x86_64 defaults to pc (i440fx); qemu-system-aarch64 has no default machine.
    if (archName === 'aarch64') failAt(at(binary), 'no -machine', "-machine virt (qemu-system-aarch64 has no default: 'No machine specified')");
    machine = { name: 'pc', at: at(binary) };
  }
  return { file, format: 'qemu', arch: archName, machine, accel, ram, ...(maxmem !== undefined ? { maxmem } : {}), ...(slots !== undefined ? { slots } : {}), coldDimmBytes: 0n, cpu, ...(ramRegion ? { ramRegion } : {}), devices };
}

/** -cpu MODEL[,phys-bits=N][,host-phys-bits=on][,host-phys-bits-limit=N] (target/i386/cpu.c properties). */
function readCpu(arg: Token, at: (t: Token, col?: number) => Where): VmInput['cpu'] {
  const m = keyval(arg.text, 'model');
  const bits = (k: string) => {
    const v = m.get(k);
    if (!v) return undefined;
    if (!/^[0-9]{1,2}$/.test(v.value) || Number(v.value) < 32 || Number(v.value) > 64) failAt(at(arg, v.col), `-cpu ${k}=${v.value}`, 'a bit count from 32 to 64');
    return Number(v.value);
  };
  const hpb = m.get('host-phys-bits')?.value;
  const physBits = bits('phys-bits');
  const limit = bits('host-phys-bits-limit');
  return {
    model: m.get('model')?.value ?? 'qemu64',
    ...(physBits !== undefined ? { physBits } : {}),
    ...(hpb !== undefined ? { hostPhysBits: hpb === 'on' || hpb === 'true' || hpb === 'yes' } : {}),
    ...(limit !== undefined ? { hostPhysBitsLimit: limit } : {}),
    at: at(arg),
  };
}

/** -device vfio-pci,host=BDF[,id=NAME] or its JSON form; sysfsdev=/sys/bus/pci/devices/BDF too. */
function readDevice(arg: Token, at: (t: Token, col?: number) => Where): VmDevice | undefined {
  let props: Record<string, string>;
  if (arg.text.startsWith('{')) {
    try {
      props = Object.fromEntries(Object.entries(JSON.parse(arg.text) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    } catch (e) {
      return failAt(at(arg), `-device JSON: ${(e as Error).message}`, '{"driver":"vfio-pci","host":"0000:41:00.2","id":"hostdev0"}');
    }
  } else props = Object.fromEntries([...keyval(arg.text, 'driver')].map(([k, v]) => [k, v.value]));
  if (props['driver'] !== 'vfio-pci') return undefined;
  const raw = props['host'] ?? props['sysfsdev']?.split('/').pop();
  if (raw === undefined) failAt(at(arg), 'vfio-pci without host= or sysfsdev=', '-device vfio-pci,host=0000:41:00.2');
  const bdf = normaliseBdf(raw);
  if (!bdf) failAt(at(arg, Math.max(0, arg.text.indexOf(raw))), `host='${raw}' is not a PCI address`, 'DDDD:BB:DD.F, e.g. 0000:41:00.2');
  return { name: props['id'] ?? bdf, bdf, at: at(arg) };
}
