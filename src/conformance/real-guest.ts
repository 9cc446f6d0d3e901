// The real side of the kernel and VMM tiers: the script a test guest runs,
// generated from the typed cases, and the fixture made from its serial log.
import { hex } from '../model/addr.js';
import { FIXTURE_HEADER } from './fixtures.js';
import { TARGET_IDS, type KernelBoot, type KernelStep, type VmmBoot, type VmmCase } from './types.js';

/** One step as a vfioprobe line (conformance/vfioprobe.c); `@target` is the device's group, filled in the guest. */
export function probeLine(s: KernelStep): string {
  switch (s.op) {
    case 'container': return 'container';
    case 'group': return `group @${s.target}`;
    case 'iommu': return `iommu ${s.type}`;
    case 'info': return 'info';
    case 'limit': return `limit ${s.entries}`;
    case 'map': case 'unmap': return `${s.op}${s.op === 'map' && s.beyondPinCap ? '!' : ''} ${hex(s.iova)} ${hex(s.size)}`;
  }
}

/** vfioprobe's input for a boot's cases. */
export function probeInput(boot: KernelBoot): string {
  return boot.cases.flatMap((c) => [`case ${c.name}`, ...c.steps.map(probeLine)]).join('\n') + '\n';
}

const bindAll = (targets: readonly string[]) => targets.map((t) => `bind ${t} ${TARGET_IDS[t as keyof typeof TARGET_IDS]}`);

export function kernelScript(boot: KernelBoot): string {
  const subst = boot.targets.map((t) => `-e "s/@${t}/$GROUP_${t}/g"`).join(' ');
  return ['. /mnt/lib.sh', ...bindAll(boot.targets), 'capture', `sed ${subst} /mnt/cases.txt | vfioprobe`, ''].join('\n');
}

/** The nested QEMU's arguments and QMP commands for one case (@BDF: the device, filled in the guest). */
export function l2Invocation(c: VmmCase): { binary: string; args: string[]; qmp: string[] } {
  const binary = `qemu-system-${c.guest}`;
  const args = ['-M', c.machine, ...(c.cpu ? ['-cpu', c.cpu] : [])];
  const trace = ['-trace', 'vfio_listener_region_add_ram'];
  const vfio = ['-device', 'vfio-pci,host=$BDF_nic'];
  if (c.phase === 'start') return { binary, args: [...args, '-m', `${c.ramMiB}M`, ...trace, ...vfio], qmp: [] };
  if (c.phase === 'hotplug') {
    return {
      binary, args: [...args, '-m', `${c.ramMiB}M`, '-device', 'pcie-root-port,id=rp0,chassis=1'],
      qmp: ['{"execute":"device_add","arguments":{"driver":"vfio-pci","host":"@BDF","id":"hp0","bus":"rp0"}}'],
    };
  }
  // virt builds the acpi-ged that pc-dimm needs only with firmware: an empty flash image (the guest never runs)
  const size = BigInt(c.dimmMiB ?? 0) << 20n;
  return {
    binary, args: [...args, '-m', `${c.ramMiB}M,slots=2,maxmem=4G`, '-bios', '/tmp/bios.fd', ...trace, ...vfio],
    qmp: [
      `{"execute":"object-add","arguments":{"qom-type":"memory-backend-ram","id":"mem1","size":${size}}}`,
      '{"execute":"device_add","arguments":{"driver":"pc-dimm","id":"dimm1","memdev":"mem1"}}',
    ],
  };
}

/** What a case asks the nested QEMU, as recorded in its capture (a capture of another case list is not compared). */
export function invocationText(c: VmmCase): string {
  const inv = l2Invocation(c);
  return [inv.binary, ...inv.args, ...inv.qmp].join(' ');
}

export function vmmScript(boot: VmmBoot): { script: string; files: Record<string, string> } {
  const files: Record<string, string> = {};
  const lines = ['. /mnt/lib.sh', ...bindAll(['nic']), 'capture', `use_root ${boot.root === 'host' ? 'usr' : 'root'}`];
  if (boot.cases.some((c) => c.phase === 'dimm')) lines.push('dd if=/dev/zero of=$ROOT/tmp/bios.fd bs=1M count=2 2>/dev/null');
  for (const c of boot.cases) {
    const inv = l2Invocation(c);
    files[`${c.name}.qmp`] = inv.qmp.map((q) => q + '\n').join('');
    lines.push(`l2 ${c.name} ${inv.binary} /mnt/${c.name}.qmp ${inv.args.join(' ')}`);
  }
  lines.push('');
  return { script: lines.join('\n'), files };
}

const lines = (log: string) => log.replace(/\r/g, '').split('\n');

/** Kernel tier fixture: the results, and the sysfs capture `doorbell import sysfs` reads. */
export function kernelFixture(boot: KernelBoot, log: string): { results: string; sysfs: string } {
  const all = lines(log);
  const results = all.filter((l) => /^(TARGET|CASE|STEP|RANGE) /.test(l));
  const sysfs = all.filter((l) => l.startsWith('SYSFS ')).map((l) => l.slice(6));
  return {
    results: [FIXTURE_HEADER, `# kernel tier, boot ${boot.id}: Debian ${boot.series} kernel, QEMU ${boot.iommu}`, ...results, ''].join('\n'),
    sysfs: sysfs.join('\n') + '\n',
  };
}

/** Pointers and host addresses in QEMU's messages change run to run: masked. */
export function maskQemu(text: string): string {
  return text.replace(/dma_map\(0x[0-9a-f]+, (0x[0-9a-f]+), (0x[0-9a-f]+), 0x[0-9a-f]+\)/g, 'dma_map(*, $1, $2, *)');
}

/** One nested QEMU's output as stable lines: RAM sections, errors, QMP errors, final status. */
export function normalizeL2(name: string, out: readonly string[]): string[] {
  const ram: string[] = [], err: string[] = [], qmp: string[] = [];
  let status: string | undefined;
  for (const l of out) {
    const t = l.trim();
    let m: RegExpExecArray | null;
    if ((m = /vfio_listener_region_add_ram region_add \[ram\] (0x[0-9a-f]+) - (0x[0-9a-f]+)/.exec(t))) ram.push(`${m[1]} ${m[2]}`);
    else if (t.startsWith('{')) {
      try {
        const j = JSON.parse(t) as { error?: { desc?: string }; return?: { status?: string } };
        if (j.error) qmp.push(maskQemu(j.error.desc ?? 'error'));
        else if (j.return && typeof j.return.status === 'string') status = j.return.status;
      } catch { /* a cut line: not a QMP message */ }
    } else if (/^qemu(-system-\S+)?: /.test(t) && !/TCG doesn't support requested feature/.test(t)) err.push(maskQemu(t));
  }
  return [
    ...ram.map((x) => `L2 ${name} RAM ${x}`), ...err.map((x) => `L2 ${name} ERR ${x}`),
    ...qmp.map((x) => `L2 ${name} QMP-ERROR ${x}`), `L2 ${name} STATUS ${status ?? 'none'}`,
  ];
}

export function vmmFixture(boot: VmmBoot, log: string): { results: string; sysfs: string } {
  const all = lines(log);
  const outs = new Map<string, string[]>();
  for (const l of all) {
    const m = /^L2 (\S+) OUT (.*)$/.exec(l);
    if (m) outs.set(m[1]!, [...(outs.get(m[1]!) ?? []), m[2]!]);
  }
  const results = [
    FIXTURE_HEADER, `# vmm tier, boot ${boot.id}: Debian ${boot.series} kernel, QEMU ${boot.iommu}; nested QEMU from ${boot.root}`,
    ...all.filter((l) => l.startsWith('TARGET ')),
    ...boot.cases.flatMap((c) => [
      `L2 ${c.name} ARGS ${invocationText(c)}`,
      ...(all.includes(`L2 ${c.name} END`) ? normalizeL2(c.name, outs.get(c.name) ?? []) : [`L2 ${c.name} STATUS not-run`]),
    ]),
    '',
  ];
  return { results: results.join('\n'), sysfs: all.filter((l) => l.startsWith('SYSFS ')).map((l) => l.slice(6)).join('\n') + '\n' };
}
