// A capture to a host, inferring what the flags leave open: one path for
// `import sysfs` and for `check --host CAPTURE`.
import type { Arch, Host, IommuVendor } from '../model/host.js';
import { applyGroupFlag, choose, identicalGroups, inferArch, inferIommu, inferKernel, summariseGroupNotes } from './infer.js';
import type { Capture } from './sysfs.js';
import { IMPORT_DEFAULTS, captureToHost, defaultIommu } from './to-host.js';

export interface CaptureFlags {
  readonly platform: string;
  readonly arch?: Arch;
  readonly iommu?: IommuVendor;
  readonly kernel?: string;
  readonly group?: string;
  readonly apertureBits?: number;
  readonly physBits?: number;
  readonly swMsi?: 'auto' | 'none' | bigint;
}

/** The host, what was inferred (for the file's header), and warnings for flags the capture contradicts. */
export function hostFromCapture(raw: Capture, flags: CaptureFlags): { host: Host; capture: Capture; inferred: string[]; warnings: string[] } {
  const grouped = applyGroupFlag(raw, flags.group);
  const capture = grouped.capture;
  const arch = choose('arch', flags.arch, inferArch(capture), IMPORT_DEFAULTS.arch as Arch);
  const iommu = choose('iommu', flags.iommu, inferIommu(capture, arch.value), defaultIommu(arch.value));
  const kernel = choose('kernel', flags.kernel, inferKernel(capture), IMPORT_DEFAULTS.kernel as string);
  const { host, notes } = captureToHost(capture, {
    platform: flags.platform, arch: arch.value, iommu: iommu.value, kernel: kernel.value,
    apertureBits: flags.apertureBits ?? IMPORT_DEFAULTS.apertureBits, physBits: flags.physBits ?? IMPORT_DEFAULTS.physBits, swMsi: flags.swMsi ?? 'auto',
  });
  const inferred = [arch.note, iommu.note, kernel.note, ...(grouped.note ? [grouped.note] : []), ...identicalGroups(capture), ...summariseGroupNotes(notes)];
  const warnings = [arch, iommu, kernel].flatMap((c) => (c.warning ? [c.warning] : []));
  return { host, capture, inferred, warnings };
}
