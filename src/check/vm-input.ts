// A VM as the user runs it, read from a libvirt domain XML or a QEMU command
// line, before it becomes a scenario's VM (vm-spec.ts). Every field keeps
// where it was written, so a value doorbell cannot use is reported at its
// file:line:col.
import { InputError } from '../errors.js';

export interface Where {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface VmDevice {
  /** The name the user knows it by: libvirt alias or QEMU id, else the host address. */
  readonly name: string;
  /** Host PCI address, 0000:41:00.2. */
  readonly bdf: string;
  readonly at: Where;
}

export interface VmCpu {
  /** As written: host, max, EPYC-Rome, qemu64 (QEMU's default for pc and q35). */
  readonly model: string;
  readonly physBits?: number;
  readonly hostPhysBits?: boolean;
  readonly hostPhysBitsLimit?: number;
  readonly at: Where;
}

export interface VmInput {
  readonly file: string;
  readonly format: 'libvirt' | 'qemu';
  /** Guest architecture, when the input names it (libvirt arch, the QEMU binary). */
  readonly arch?: 'x86_64' | 'aarch64';
  /** The machine type as written (pc-q35-7.0, virt-7.2, q35) and where. */
  readonly machine: { readonly name: string; readonly at: Where };
  readonly accel: 'kvm' | 'tcg';
  /** Boot RAM in bytes (-m size; libvirt <memory> less cold-plugged DIMMs). */
  readonly ram: bigint;
  readonly maxmem?: bigint;
  readonly slots?: number;
  /** Bytes of cold-plugged DIMMs, which the model does not place. */
  readonly coldDimmBytes: bigint;
  readonly cpu: VmCpu;
  /** The RAM region's name as QEMU prints it in a failed map (pc.ram, mach-virt.ram, a backend id). */
  readonly ramRegion?: string;
  readonly devices: readonly VmDevice[];
}

/** 1-based line and column of a character offset. */
export function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

export function failAt(at: Where, what: string, expected: string): never {
  throw new InputError(what, expected, at);
}

/** `0000:41:00.2`, or `41:00.2` with domain 0 (QEMU's host= accepts both); undefined when malformed. */
export function normaliseBdf(text: string): string | undefined {
  const parts = text.trim().toLowerCase().split(':');
  const [domain, bus, devfn] = parts.length === 3 ? parts : parts.length === 2 ? ['0000', ...parts] : [];
  if (domain === undefined || bus === undefined || devfn === undefined) return undefined;
  const [dev, fn] = devfn.split('.');
  const hexOk = (s: string | undefined, max: number) => s !== undefined && s.length > 0 && s.length <= max && [...s].every((c) => '0123456789abcdef'.includes(c));
  if (!hexOk(domain, 4) || !hexOk(bus, 2) || !hexOk(dev, 2) || !hexOk(fn, 1)) return undefined;
  return `${domain.padStart(4, '0')}:${bus.padStart(2, '0')}:${dev!.padStart(2, '0')}.${fn}`;
}
