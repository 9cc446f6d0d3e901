// A libvirt domain as `virsh dumpxml` prints it (libvirt.org/formatdomain.html)
// → VmInput. Parsed with fast-xml-parser; element positions come from its
// metadata, so an unusable value is reported at its line and column.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { type VmDevice, type VmInput, type Where, failAt, normaliseBdf, positionOf } from './vm-input.js';

interface El {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly El[];
  readonly text: string;
  readonly offset: number;
}

type Raw = Record<string | symbol, unknown>;

export function parseDomainXml(text: string, file: string): VmInput {
  const valid = XMLValidator.validate(text);
  if (valid !== true) failAt({ file, line: valid.err.line, col: valid.err.col }, `XML: ${valid.err.msg.replace(/\.$/, '')}`, 'a domain XML as `virsh dumpxml` prints it');
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', captureMetaData: true, parseTagValue: false, parseAttributeValue: false, trimValues: true, processEntities: true });
  const meta = XMLParser.getMetaDataSymbol() as unknown as symbol;
  const toEl = (raw: Raw): El | undefined => {
    const name = Object.keys(raw).find((k) => k !== ':@' && k !== '#text');
    if (!name) return undefined;
    const kids = (raw[name] as Raw[]) ?? [];
    const offset = (raw[meta] as { startIndex?: number } | undefined)?.startIndex ?? 0;
    return {
      name,
      attrs: (raw[':@'] as Record<string, string> | undefined) ?? {},
      children: kids.map(toEl).filter((e): e is El => e !== undefined),
      text: kids.filter((k) => '#text' in k).map((k) => String(k['#text'])).join(''),
      offset,
    };
  };
  const roots = (parser.parse(text) as Raw[]).map(toEl).filter((e): e is El => e !== undefined);
  const at = (e: El): Where => ({ file, ...positionOf(text, e.offset) });
  const domain = roots.find((r) => r.name === 'domain');
  if (!domain) failAt(roots[0] ? at(roots[0]) : { file, line: 1, col: 1 }, `root element is <${roots[0]?.name ?? 'nothing'}>`, 'a libvirt <domain> (virsh dumpxml NAME)');
  return readDomain(domain, at, file);
}

const child = (e: El | undefined, name: string) => e?.children.find((c) => c.name === name);
const children = (e: El | undefined, name: string) => e?.children.filter((c) => c.name === name) ?? [];

/** libvirt's units: KiB unless `unit` says otherwise; KB, MB... are powers of 1000 (formatdomain.html, Memory Allocation). */
const UNITS: Record<string, bigint> = {
  b: 1n, bytes: 1n, kb: 1000n, k: 1024n, kib: 1024n, mb: 1000n ** 2n, m: 1n << 20n, mib: 1n << 20n,
  gb: 1000n ** 3n, g: 1n << 30n, gib: 1n << 30n, tb: 1000n ** 4n, t: 1n << 40n, tib: 1n << 40n,
};

function readDomain(domain: El, at: (e: El) => Where, file: string): VmInput {
  const size = (e: El, unitAttr = 'unit'): bigint => {
    const unit = UNITS[(e.attrs[unitAttr] ?? 'KiB').toLowerCase()];
    if (unit === undefined) failAt(at(e), `<${e.name}> unit '${e.attrs[unitAttr]}'`, 'b, KiB, MiB, GiB, TiB (or KB, MB, GB, TB)');
    if (!/^[0-9]{1,20}$/.test(e.text)) failAt(at(e), `<${e.name}> '${e.text}' is not a size`, 'a whole number, e.g. <memory unit=\'KiB\'>4194304</memory>');
    return BigInt(e.text) * unit;
  };
  const os = child(domain, 'os');
  const type = child(os, 'type');
  if (!type || !type.attrs['machine']) failAt(at(type ?? os ?? domain), 'no machine type', "<os><type arch='x86_64' machine='pc-q35-7.0'>hvm</type></os>, as virsh dumpxml prints it");
  const arch = type.attrs['arch'];
  if (arch !== undefined && arch !== 'x86_64' && arch !== 'aarch64') failAt(at(type), `guest arch '${arch}'`, 'x86_64 or aarch64');
  const memory = child(domain, 'memory');
  if (!memory) failAt(at(domain), 'no <memory>', "<memory unit='KiB'>...</memory>");
  const devices = child(domain, 'devices');
  // Cold-plugged DIMMs count in <memory> but are not boot RAM.
  const dimms = children(devices, 'memory').map((m) => {
    const target = child(child(m, 'target'), 'size');
    return target ? size(target) : 0n;
  });
  const coldDimmBytes = dimms.reduce((a, b) => a + b, 0n);
  const ram = size(memory) - coldDimmBytes;
  const maxMemory = child(domain, 'maxMemory');
  const cpuEl = child(domain, 'cpu');
  const numa = child(cpuEl, 'numa');
  return {
    file,
    format: 'libvirt',
    ...(arch ? { arch } : {}),
    machine: { name: type.attrs['machine'], at: at(type) },
    accel: domain.attrs['type'] === 'kvm' ? 'kvm' : 'tcg',
    ram,
    ...(maxMemory ? { maxmem: size(maxMemory), slots: Number(maxMemory.attrs['slots'] ?? '0') } : {}),
    coldDimmBytes,
    cpu: readCpu(cpuEl, at, domain),
    // libvirt names the backend ram-node0 with NUMA cells, else after the machine's default RAM id.
    ...(children(numa, 'cell').length ? { ramRegion: 'ram-node0' } : {}),
    devices: readHostdevs(devices, at),
  };
}

/** <cpu mode=...>: host-passthrough and maximum are QEMU's -cpu host / max; <maxphysaddr> sets phys-bits. */
function readCpu(cpu: El | undefined, at: (e: El) => Where, domain: El): VmInput['cpu'] {
  if (!cpu) return { model: 'qemu64', at: at(domain) };
  const mode = cpu.attrs['mode'] ?? 'custom';
  const model = mode === 'host-passthrough' ? 'host' : mode === 'maximum' ? 'max' : child(cpu, 'model')?.text || (mode === 'host-model' ? 'host-model' : 'qemu64');
  const phys = child(cpu, 'maxphysaddr');
  const num = (e: El, attr: string) => {
    const v = e.attrs[attr]!;
    if (!/^[0-9]{1,2}$/.test(v) || Number(v) < 32 || Number(v) > 64) failAt(at(e), `<maxphysaddr ${attr}='${v}'>`, 'a bit count from 32 to 64');
    return Number(v);
  };
  const base = { model, at: at(cpu) };
  if (!phys) return base;
  if (phys.attrs['mode'] === 'emulate') return { ...base, physBits: num(phys, 'bits') };
  if (phys.attrs['mode'] === 'passthrough') return { ...base, hostPhysBits: true, ...(phys.attrs['limit'] ? { hostPhysBitsLimit: num(phys, 'limit') } : {}) };
  return failAt(at(phys), `<maxphysaddr mode='${phys.attrs['mode'] ?? ''}'>`, "mode='emulate' bits='N' or mode='passthrough'");
}

/** <hostdev mode='subsystem' type='pci'>: QEMU's -device vfio-pci,host=BDF. */
function readHostdevs(devices: El | undefined, at: (e: El) => Where): VmDevice[] {
  return children(devices, 'hostdev')
    .filter((h) => h.attrs['type'] === 'pci' && (h.attrs['mode'] ?? 'subsystem') === 'subsystem')
    .map((h) => {
      const addr = child(child(h, 'source'), 'address');
      if (!addr) failAt(at(h), 'PCI <hostdev> without <source><address>', "<source><address domain='0x0000' bus='0x41' slot='0x00' function='0x2'/></source>");
      const field = (k: string, digits: number) => (addr.attrs[k] ?? '0').toLowerCase().replace(/^0x/, '').padStart(digits, '0');
      const bdf = normaliseBdf(`${field('domain', 4)}:${field('bus', 2)}:${field('slot', 2)}.${field('function', 1)}`);
      if (!bdf) failAt(at(addr), 'PCI address is not domain/bus/slot/function hex', "domain='0x0000' bus='0x41' slot='0x00' function='0x2'");
      const alias = child(h, 'alias')?.attrs['name'];
      return { name: alias ?? bdf, bdf, at: at(h) };
    });
}
