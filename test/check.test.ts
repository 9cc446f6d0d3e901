// doorbell check: a libvirt domain and a QEMU command line, as their owners
// run them, on a host file or this machine; one verdict per policy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyval, parseQemuCommandLine, qemuSize } from '../src/check/qemu-cmdline.js';
import { parseDomainXml } from '../src/check/libvirt.js';
import { machineOf, toVmSpec } from '../src/check/vm-spec.js';
import { iommuFromClass, kernelVersionOf, physBitsFromCpuinfo } from '../src/check/live-host.js';
import { normaliseBdf } from '../src/check/vm-input.js';
import { loadHostFile } from '../src/scenario/load-host.js';

const ROOT = resolve(__dirname, '..');
const FIX = 'test/fixtures/check';
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
const tmp = () => mkdtempSync(join(tmpdir(), 'doorbell-check-'));
const EPYC = 'scenarios/hosts/amd-epyc.yaml';
const D05 = 'scenarios/hosts/hisilicon-d05.yaml';
const line = (out: string, policy: string) => out.split('\n').find((l) => l.startsWith(`${policy} (`)) ?? '';

describe('check: a libvirt domain (virsh dumpxml)', () => {
  it('EPYC, pc-q35-7.0, 1011 GiB: kernel-rejects does not start, with the map QEMU prints (Joao Martins, qemu-devel 20210622154905)', () => {
    const r = cli('check', `${FIX}/epyc-1011g.xml`, '--host', EPYC);
    expect(r.status, r.stderr).toBe(0);
    expect(line(r.stdout, 'kernel-rejects')).toBe(
      'kernel-rejects (kernel type1): does not start: qemu-system-x86_64: -device vfio-pci,host=0000:41:00.2: vfio 0000:41:00.2: failed to setup container for group 40: ' +
        'memory listener initialization failed: Region pc.ram: vfio_dma_map(0x..., 0x100000000, 0xfc40000000, 0x...) = -22 (Invalid argument) [over [0xfd00000000-0xffffffffff] reserved]',
    );
    expect(r.stdout).toContain('guest RAM covers: [0xfd00000000-0xffffffffff] reserved (group 40)');
    expect(line(r.stdout, 'no-checks-2016')).toBe('no-checks-2016 (kernel v4.9): starts');
    expect(r.stdout).toMatch(/DMA loss assumes each device's working set is 256 buffers of 64 KiB/);
  });

  it('the same domain on pc-q35-7.1 starts: the machine type, not the binary, carries the 1 TiB relocation (hw/i386/pc.c enforce_amd_1tb_hole)', () => {
    const dir = tmp();
    const xml = readFileSync(join(ROOT, FIX, 'epyc-1011g.xml'), 'utf8').replace("machine='pc-q35-7.0'", "machine='pc-q35-7.1'");
    writeFileSync(join(dir, 'vm.xml'), xml);
    const r = cli('check', join(dir, 'vm.xml'), '--host', EPYC);
    expect(line(r.stdout, 'kernel-rejects')).toBe('kernel-rejects (kernel type1): starts');
    expect(r.stdout).toContain('guest RAM: [0x0-0x7fffffff] [0x10000000000-0x1fc3fffffff]');
  });

  it('D05, virt-6.2, NIC hot-added: device_add fails cleanly under kernel-rejects, the pc-dimm plugs', () => {
    const r = cli('check', `${FIX}/d05-virt.xml`, '--host', D05, '--hotplug', '0000:7d:00.0', '--hotplug-memory', '1GiB');
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.split('\n');
    const at = out.findIndex((l) => l.startsWith('kernel-rejects ('));
    expect(out.slice(at, at + 4)).toEqual([
      'kernel-rejects (kernel type1): starts',
      '  device_add 0000:7d:00.0: fails: vfio 0000:7d:00.0: failed to setup container for group 3: memory listener initialization failed: Region ram-node0: vfio_dma_map(0x..., 0x40000000, 0x100000000, 0x...) = -22 (Invalid argument) [over [0xc6010000-0xc601ffff] msi]; the VM keeps running',
      '  pc-dimm of 1 GiB: plugged',
      '  DMA data loss: 0% of runs (silent, nothing logs it: 0%)',
    ]);
    expect(r.stdout).toMatch(/^no-checks-2016 \(kernel v4\.9\): starts\n {2}device_add 0000:7d:00\.0: succeeds\n {2}pc-dimm of 1 GiB: plugged\n {2}DMA data loss: (?!0%)[0-9.]+% of runs \(silent, nothing logs it: (?!0%)[0-9.]+%\)$/m);
  });

  it('reads the domain fields doorbell uses, ignoring the rest', () => {
    const vm = parseDomainXml(readFileSync(join(ROOT, FIX, 'd05-virt.xml'), 'utf8'), 'd05.xml');
    expect(vm).toMatchObject({ arch: 'aarch64', accel: 'kvm', ram: 4n << 30n, maxmem: 16n << 30n, slots: 4, ramRegion: 'ram-node0', machine: { name: 'virt-6.2', at: { line: 9, col: 5 } } });
    expect(vm.devices).toEqual([{ name: '0000:7d:00.0', bdf: '0000:7d:00.0', at: { file: 'd05.xml', line: 36, col: 5 } }]);
    // libvirt units: KB is 1000 bytes, KiB and k are 1024 (formatdomain.html).
    const kb = parseDomainXml("<domain type='qemu'><memory unit='KB'>4000000</memory><os><type machine='pc'>hvm</type></os></domain>", 'x.xml');
    expect(kb.ram).toBe(4_000_000_000n);
  });
});

describe('check: a QEMU command line', () => {
  it('aarch64 virt on an AMD host: 3054 MiB starts, 3055 MiB does not (Launchpad 1869006)', () => {
    const ok = cli('check', `${FIX}/lp1869006-3054.sh`, '--host', EPYC, '--qemu', '7.2');
    expect(line(ok.stdout, 'kernel-rejects')).toBe('kernel-rejects (kernel type1): starts');
    const bad = cli('check', `${FIX}/lp1869006.sh`, '--host', EPYC, '--qemu', '7.2');
    // The message as QEMU 7.2 printed it on the real stack (shared realstack logs, virt-3055M).
    expect(line(bad.stdout, 'kernel-rejects')).toContain('Region mach-virt.ram: vfio_dma_map(0x..., 0x40000000, 0xbef00000, 0x...) = -22 (Invalid argument)');
    expect(bad.stdout).toContain("assumed: machine type 'virt' names no upstream version: QEMU 7.2 rules assumed (--qemu)");
  });

  it('QEMU from 9.0 names the call vfio_container_dma_map (qemu/qemu b08501a999e2)', () => {
    const r = cli('check', `${FIX}/lp1869006.sh`, '--host', EPYC, '--qemu', '10.0');
    expect(line(r.stdout, 'kernel-rejects')).toContain('vfio_container_dma_map(0x..., 0x40000000, 0xbef00000, 0x...) = -22');
  });

  it('libvirt-style lines: environment first, JSON -device, size=...k, slots and maxmem', () => {
    const text = `LC_ALL=C \\\nPATH=/bin \\\n/usr/bin/qemu-system-x86_64 \\\n-name guest=vm1,debug-threads=on \\\n-S \\\n-machine pc-q35-7.1,usb=off,dump-guest-core=off,memory-backend=pc.ram \\\n-accel kvm \\\n-cpu EPYC-Rome,x2apic=on,phys-bits=46 \\\n-m size=8388608k,slots=16,maxmem=1099511627776k \\\n-object '{"qom-type":"memory-backend-ram","id":"pc.ram","size":8589934592}' \\\n-device '{"driver":"vfio-pci","host":"0000:41:00.2","id":"hostdev0","bus":"pci.6","addr":"0x0"}' \\\n-msg timestamp=on\n`;
    const vm = parseQemuCommandLine(text, 'vm.args');
    expect(vm).toMatchObject({ arch: 'x86_64', accel: 'kvm', ram: 8n << 30n, maxmem: 1n << 50n, slots: 16, ramRegion: 'pc.ram', machine: { name: 'pc-q35-7.1' }, cpu: { model: 'EPYC-Rome', physBits: 46 } });
    expect(vm.devices.map((d) => [d.name, d.bdf])).toEqual([['hostdev0', '0000:41:00.2']]);
  });

  it('keyval: implied first key, ",," for a comma (util/qemu-option.c); sizes: -m defaults to MiB', () => {
    expect([...keyval('virt,gic-version=3,x=a,,b', 'type')].map(([k, v]) => [k, v.value])).toEqual([['type', 'virt'], ['gic-version', '3'], ['x', 'a,b']]);
    expect(qemuSize('3055', 1n << 20n)).toBe(3055n << 20n);
    expect(qemuSize('4G', 1n << 20n)).toBe(4n << 30n);
    expect(qemuSize('219136k', 1n << 20n)).toBe(219136n << 10n);
    expect(qemuSize('4Q', 1n << 20n)).toBeUndefined();
    expect(normaliseBdf('41:00.2')).toBe('0000:41:00.2');
    expect(normaliseBdf('0000:zz:00.0')).toBeUndefined();
  });
});

describe('check: the VM adapter (machine type, vendor, phys-bits)', () => {
  const epyc = loadHostFile(join(ROOT, EPYC), EPYC).host;
  const vmOf = (line: string) => toVmSpec(parseQemuCommandLine(line, 'x'), epyc);
  it('versioned machine types carry their version; aliases and distribution types do not', () => {
    expect(machineOf('pc-q35-7.0')).toEqual({ family: 'q35', version: '7.0' });
    expect(machineOf('pc-i440fx-2.11')).toEqual({ family: 'pc', version: '2.11' });
    expect(machineOf('virt-7.2')).toEqual({ family: 'virt', version: '7.2' });
    expect(machineOf('pc-q35-rhel9.2.0')).toEqual({ family: 'q35' });
    expect(machineOf('microvm')).toBeUndefined();
  });
  it('named models get 40 phys-bits, -cpu host under KVM the host\'s (target/i386/cpu.c, host-cpu.c)', () => {
    expect(vmOf('qemu-system-x86_64 -M q35 -accel kvm -cpu EPYC').spec.physBits).toBe(40);
    expect(vmOf('qemu-system-x86_64 -M q35 -accel kvm -cpu host').spec.physBits).toBe(48);
    expect(vmOf('qemu-system-x86_64 -M q35 -accel kvm -cpu host,host-phys-bits-limit=39').spec.physBits).toBe(39);
    expect(vmOf('qemu-system-x86_64 -M q35 -cpu Skylake-Server,phys-bits=42').spec.physBits).toBe(42);
  });
  it('under KVM the vCPU takes the host\'s vendor; under TCG the model\'s, qemu64 being AMD (host_cpu_instance_init; builtin_x86_defs)', () => {
    expect(vmOf('qemu-system-x86_64 -M q35 -enable-kvm -cpu Skylake-Server').spec.cpuVendor).toBe('amd');
    expect(vmOf('qemu-system-x86_64 -M q35 -cpu Skylake-Server').spec.cpuVendor).toBe('intel');
    expect(vmOf('qemu-system-x86_64 -M q35').spec.cpuVendor).toBe('amd');
  });
});

describe('check: this machine', () => {
  it('with no IOMMU groups: one line, exit 2', () => {
    const empty = tmp();
    const r = cli('check', `${FIX}/lp1869006.sh`, '--sysfs', empty);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`doorbell: this machine has no IOMMU groups (${empty}/kernel/iommu_groups is missing) — boot with the IOMMU on (intel_iommu=on; AMD and arm64 turn theirs on by default), or name a host with --host FILE\n`);
  });

  it('the real one: a verdict where it has groups, else the one line', () => {
    const dir = '/sys/kernel/iommu_groups';
    const groups = existsSync(dir) ? readdirSync(dir).length : 0;
    const r = cli('check', `${FIX}/lp1869006.sh`, '--device', 'vf0=0');
    if (groups === 0) {
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^doorbell: this machine has no IOMMU groups \(\/sys\/kernel\/iommu_groups is (empty|missing)\) — .*\n$/);
    } else expect(r.stderr).not.toMatch(/internal error/);
  });

  it('a copy of sysfs: groups and device lists from the tree, kernel and arch from the system', () => {
    const root = tmp();
    const g = join(root, 'kernel', 'iommu_groups', '40');
    spawnSync('mkdir', ['-p', join(g, 'devices', '0000:41:00.2'), join(root, 'class', 'iommu', 'ivhd0')]);
    writeFileSync(join(g, 'reserved_regions'), '0x00000000fee00000 0x00000000feefffff msi\n0x000000fd00000000 0x000000ffffffffff reserved\n');
    const r = cli('check', `${FIX}/lp1869006.sh`, '--sysfs', root);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^host: this machine \((x86_64|aarch64), amd, kernel [0-9.]+, 1 IOMMU group\)$/m);
    expect(r.stdout).toContain('vf0 = 0000:41:00.2 (group 40)');
  });

  it('reads kernel, IOMMU driver and phys-bits as the system prints them', () => {
    expect(kernelVersionOf('6.8.0-45-generic')).toBe('6.8.0');
    expect(iommuFromClass(['dmar0', 'dmar1'])).toBe('intel');
    expect(iommuFromClass(['ivhd0'])).toBe('amd');
    expect(iommuFromClass(['smmu3.0x0000000140000000'])).toBe('arm-smmu-v3');
    expect(physBitsFromCpuinfo('model name\t: x\naddress sizes\t: 46 bits physical, 48 bits virtual\n')).toBe(46);
  });
});

describe('check: bad input is one line, exit 2', () => {
  const bad: Array<[string, string]> = [
    ['mismatched-tag.xml', "test/fixtures/check/bad/mismatched-tag.xml:6:3: XML: Expected closing tag 'os' (opened in line 4, col 3) instead of closing tag 'devices' — a domain XML as `virsh dumpxml` prints it"],
    ['memory-unit.xml', "test/fixtures/check/bad/memory-unit.xml:3:3: <memory> unit 'parsecs' — b, KiB, MiB, GiB, TiB (or KB, MB, GB, TB)"],
    ['microvm.xml', "test/fixtures/check/bad/microvm.xml:5:5: machine type 'microvm' — pc, q35 or virt, versioned (pc-q35-7.0, virt-7.2) or not"],
    ['m-size.sh', "test/fixtures/check/bad/m-size.sh:2:6: -m size '4Q' — a size such as 4096, 4G or size=4194304k"],
    ['not-qemu.sh', "test/fixtures/check/bad/not-qemu.sh:1:1: 'cloud-hypervisor' is not a QEMU binary — a command line starting with qemu-system-x86_64, qemu-system-aarch64 or qemu-kvm"],
    ['bad-host.sh', "test/fixtures/check/bad/bad-host.sh:1:55: host='0000:zz:00.0' is not a PCI address — DDDD:BB:DD.F, e.g. 0000:41:00.2"],
  ];
  for (const [f, message] of bad) {
    it(f, () => {
      const r = cli('check', `${FIX}/bad/${f}`, '--host', EPYC);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`doorbell: ${message}\n`);
      expect(r.stdout).toBe('');
    });
  }
  it('a device in no group of the host names the flag that fixes it', () => {
    const r = cli('check', `${FIX}/lp1869006.sh`, '--host', D05);
    expect(r.stderr).toBe('doorbell: test/fixtures/check/lp1869006.sh:8:13: device vf0 (0000:41:00.2) is in no group scenarios/hosts/hisilicon-d05.yaml lists — --device vf0=GROUP with one of: 3, 4\n');
    expect(cli('check', `${FIX}/lp1869006.sh`, '--host', D05, '--device', 'vf0=9').stderr).toBe('doorbell: --device vf0=9: scenarios/hosts/hisilicon-d05.yaml has no IOMMU group 9 — one of: 3, 4\n');
    expect(cli('check', `${FIX}/lp1869006.sh`, '--host', D05, '--device', 'vf0=3').status).toBe(0);
  });
  it('memory hotplug needs maxmem', () => {
    expect(cli('check', `${FIX}/lp1869006.sh`, '--host', EPYC, '--hotplug-memory', '1GiB').stderr).toBe('doorbell: --hotplug-memory: the VM has no maxmem — a VM with -m ...,slots=N,maxmem=SIZE (libvirt <maxMemory slots=...>) and room for it\n');
  });
});
