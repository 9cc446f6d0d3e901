// The running machine as a host: its IOMMU groups and reserved regions from
// sysfs, kernel version and architecture from the system. `root` is /sys
// (tests point it at a copy).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { arch as cpuArch, release } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { Arch, Host, IommuVendor } from '../model/host.js';
import { readCapture } from '../import/sysfs.js';
import { IMPORT_DEFAULTS, captureToHost, defaultIommu } from '../import/to-host.js';

/** Kernel version as doorbell compares them: "6.8.0-45-generic" → "6.8.0". */
export function kernelVersionOf(releaseText: string): string | undefined {
  return /^([0-9]+\.[0-9]+(\.[0-9]+)?)/.exec(releaseText)?.[1];
}

/**
 * The IOMMU driver from /sys/class/iommu's entries, as each driver names its
 * device: intel/iommu.c "dmar%d", amd/init.c "ivhd%d", arm-smmu-v3.c
 * "smmu3.%pa", arm-smmu.c "smmu.%pa".
 */
export function iommuFromClass(names: readonly string[]): IommuVendor | undefined {
  if (names.some((n) => n.startsWith('dmar'))) return 'intel';
  if (names.some((n) => n.startsWith('ivhd'))) return 'amd';
  if (names.some((n) => n.startsWith('smmu3.'))) return 'arm-smmu-v3';
  if (names.some((n) => n.startsWith('smmu.'))) return 'arm-smmu';
  return undefined;
}

/** x86 /proc/cpuinfo: "address sizes : 46 bits physical, 48 bits virtual". */
export function physBitsFromCpuinfo(text: string): number | undefined {
  const m = /address sizes\s*:\s*([0-9]+) bits physical/.exec(text);
  return m ? Number(m[1]) : undefined;
}

export function readLiveHost(root = '/sys', cpuinfo = '/proc/cpuinfo'): { host: Host; notes: string[] } {
  const dir = join(root, 'kernel', 'iommu_groups');
  const ids = existsSync(dir) ? readdirSync(dir).filter((n) => /^[0-9]+$/.test(n)) : [];
  if (ids.length === 0) {
    throw new InputError(`this machine has no IOMMU groups (${dir} is ${existsSync(dir) ? 'empty' : 'missing'})`, 'boot with the IOMMU on (intel_iommu=on; AMD and arm64 turn theirs on by default), or name a host with --host FILE');
  }
  const notes: string[] = [];
  const archName: Arch | undefined = cpuArch() === 'x64' ? 'x86_64' : cpuArch() === 'arm64' ? 'aarch64' : undefined;
  if (!archName) throw new InputError(`this machine is ${cpuArch()}`, 'an x86_64 or aarch64 host, or --host FILE');
  const classDir = join(root, 'class', 'iommu');
  const iommu = iommuFromClass(existsSync(classDir) ? readdirSync(classDir) : []);
  if (!iommu) notes.push(`IOMMU driver not named in ${classDir}: ${defaultIommu(archName)} assumed`);
  const kernel = kernelVersionOf(release()) ?? IMPORT_DEFAULTS.kernel;
  const physBits = existsSync(cpuinfo) ? physBitsFromCpuinfo(readFileSync(cpuinfo, 'utf8')) : undefined;
  if (physBits === undefined) notes.push(`CPU address size not in ${cpuinfo}: ${IMPORT_DEFAULTS.physBits} phys-bits assumed`);
  notes.push(`IOMMU aperture not read: ${IMPORT_DEFAULTS.apertureBits} bits assumed`);
  const capture = readCapture(dir);
  const made = captureToHost(capture, {
    platform: 'this machine', arch: archName, iommu: iommu ?? defaultIommu(archName), apertureBits: IMPORT_DEFAULTS.apertureBits,
    physBits: physBits ?? IMPORT_DEFAULTS.physBits, kernel, swMsi: 'auto',
  });
  return { host: made.host, notes: [...notes, ...made.notes] };
}
