// A capture becomes a doorbell host file. sysfs prints SW_MSI and hardware
// MSI both as `msi` (iommu.c, iommu_resv_type_string): on arm64 the 1 MiB
// window at 0x8000000 is the kernel's SW_MSI (arm-smmu-v3.h MSI_IOVA_BASE,
// MSI_IOVA_LENGTH); anything else is taken as hardware MSI. Every inference
// is written into the file as a comment.
import { type Arch, type Host, type IommuVendor, type ReservedRegion, sysfsTypeName } from '../model/host.js';
import { formatRange, hex16 } from '../model/addr.js';
import type { Capture } from './sysfs.js';

export interface ImportOptions {
  readonly platform: string;
  readonly arch: Arch;
  readonly iommu: IommuVendor;
  readonly apertureBits: number;
  readonly physBits: number;
  readonly kernel: string;
  /** 'auto' (the arm64 rule above), 'none', or the start address of the SW_MSI window. */
  readonly swMsi: 'auto' | 'none' | bigint;
}

export const ARM_SW_MSI = { start: 0x8000000n, last: 0x80fffffn } as const;

export const IMPORT_DEFAULTS = { arch: 'x86_64', apertureBits: 48, physBits: 48, kernel: '6.8', swMsi: 'auto' } as const;

export function defaultIommu(arch: Arch): IommuVendor {
  return arch === 'aarch64' ? 'arm-smmu-v3' : 'intel';
}

export function captureToHost(capture: Capture, opts: ImportOptions): { host: Host; notes: string[] } {
  const notes: string[] = [];
  const isSwMsi = (r: { start: bigint; last: bigint }) =>
    opts.swMsi === 'none' ? false
      : opts.swMsi === 'auto' ? opts.arch === 'aarch64' && r.start === ARM_SW_MSI.start && r.last === ARM_SW_MSI.last
        : r.start === opts.swMsi;
  const groups = capture.groups.map((g) => ({
    id: g.id,
    devices: g.devices,
    regions: g.regions.map((r): ReservedRegion => {
      // Intel's ISA-bridge range (5.3/5.4: `direct`) is synthetic, no DMAR RMRR (intel/iommu.c).
      if (r.type === 'direct' && opts.iommu === 'intel' && r.start === 0n && r.last === 0xffffffn) {
        notes.push(`group ${g.id} ${formatRange(r)} direct taken as Intel's ISA-bridge range (rmrr: false)`);
        return { start: r.start, last: r.last, type: r.type, rmrr: false };
      }
      if (r.type !== 'msi') return { start: r.start, last: r.last, type: r.type };
      const sw = isSwMsi(r);
      notes.push(`group ${g.id} ${formatRange(r)} msi taken as ${sw ? 'sw-msi (kernel-managed window)' : 'msi (hardware doorbell)'}`);
      return { start: r.start, last: r.last, type: sw ? 'sw-msi' : 'msi' };
    }),
  }));
  return {
    host: { platform: opts.platform, arch: opts.arch, iommu: opts.iommu, apertureBits: opts.apertureBits, physBits: opts.physBits, kernel: opts.kernel, groups, bridges: [] },
    notes,
  };
}

/** The host as YAML doorbell reads back: addresses as sysfs prints them. */
export function hostToYaml(host: Host, header: readonly string[]): string {
  const q = (s: string) => JSON.stringify(s);
  const out = [...header.map((h) => `# ${h}`)];
  out.push(`platform: ${q(host.platform)}`, `arch: ${host.arch}`, `iommu: ${host.iommu}`, `aperture_bits: ${host.apertureBits}`, `phys_bits: ${host.physBits}`, `kernel: ${q(host.kernel)}`, 'groups:');
  for (const g of host.groups) {
    out.push(`  - id: ${g.id}`);
    if (g.devices.length) out.push(`    devices: [${g.devices.map(q).join(', ')}]`);
    if (g.regions.length === 0) out.push('    regions: []');
    else {
      out.push('    regions:');
      for (const r of g.regions) {
        const rmrr = r.rmrr === false ? ', rmrr: false' : '';
        out.push(`      - { start: ${hex16(r.start)}, last: ${hex16(r.last)}, type: ${r.type}${rmrr} }  # sysfs: ${sysfsTypeName(r.type)}`);
      }
    }
  }
  if (host.bridges.length === 0) out.push('# bridges: PCI bridge windows are never in sysfs; add them by hand (see scenarios/REFERENCE.yaml)');
  return out.join('\n') + '\n';
}
