// doorbell import sysfs PATH: a host file from /sys/kernel/iommu_groups as pasted.
import { closeSync, lstatSync, openSync, readSync } from 'node:fs';
import { defineCommand } from '../define.js';
import { InputError } from '../../errors.js';
import { parseQuantity } from '../../model/addr.js';
import { readCapture } from '../../import/sysfs.js';
import { IMPORT_DEFAULTS, hostToYaml } from '../../import/to-host.js';
import { hostFromCapture } from '../../import/from-capture.js';
import { readHost } from '../../scenario/load-host.js';
import { VERSION, openYaml } from '../../scenario/cursor.js';
import { writeFileAtomic } from '../output.js';
import { withFs } from '../fs-errors.js';

const HEADER = '# doorbell import sysfs ';

function firstBytes(path: string, n: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** `--out FILE`: new, or with --force a host file this command wrote (its first line says so). */
function checkHostOut(out: string, force: boolean): void {
  if (out.trim() === '') throw new InputError("--out: '' is not a file name", 'a path for the host file');
  const st = withFs(`--out ${out}`, 'a path doorbell can look at', () => {
    try {
      return lstatSync(out);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  });
  if (!st) return;
  if (!force) throw new InputError(`--out: ${out} already exists`, 'a new file, or --force to replace it');
  const ours = st.isFile() && withFs(`--out ${out}`, 'a readable file', () => firstBytes(out, HEADER.length)) === HEADER;
  if (!ours) throw new InputError(`--out ${out}: not a host file doorbell import wrote; --force replaces only those`, 'a new file, or one doorbell import wrote');
}

export default defineCommand({
  command: 'import <what> <path>',
  describe: 'Turn a /sys/kernel/iommu_groups capture into a host file',
  builder: (y) =>
    y
      .positional('what', { choices: ['sysfs'] as const, demandOption: true })
      .positional('path', { type: 'string', demandOption: true, describe: 'a copied iommu_groups tree, a grep -H capture, or bare lines' })
      .option('out', { type: 'string', describe: 'write the host file here (default: stdout)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing --out file' })
      .option('platform', { type: 'string', describe: 'platform name (default: "imported from PATH")' })
      .option('arch', { choices: ['x86_64', 'aarch64'] as const, describe: 'default: what the capture shows (0x8000000 SW_MSI: aarch64; 0xfee00000 or AMD HT: x86_64)' })
      .option('iommu', { choices: ['intel', 'amd', 'arm-smmu-v3', 'arm-smmu'] as const, describe: 'default: what the capture shows (AMD HT range: amd; x86 otherwise intel; arm64 arm-smmu-v3)' })
      .option('aperture-bits', { type: 'string', default: String(IMPORT_DEFAULTS.apertureBits) })
      .option('phys-bits', { type: 'string', default: String(IMPORT_DEFAULTS.physBits) })
      .option('kernel', { type: 'string', describe: `host kernel version (default: ${IMPORT_DEFAULTS.kernel}, or 5.4 where the capture shows Intel's ISA range as direct)` })
      .option('group', { type: 'string', describe: 'group number for bare lines that name none (refused when the capture names its groups)' })
      .option('sw-msi', { type: 'string', default: IMPORT_DEFAULTS.swMsi, describe: "which `msi` lines are SW_MSI: auto (arm64 0x8000000 window), none, or a start address" }),
  run(args) {
    const bits = (flag: string, v: string) => {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 32 || n > 64) throw new InputError(`--${flag}: '${v}' is not a bit count`, 'a whole number from 32 to 64');
      return n;
    };
    const swRaw = String(args.swMsi);
    const swMsi = swRaw === 'auto' || swRaw === 'none' ? swRaw : parseQuantity(swRaw);
    if (swMsi === undefined) throw new InputError(`--sw-msi: '${swRaw}' is not auto, none or an address`, 'auto, none, or e.g. 0x8000000');
    if (args.kernel !== undefined && !VERSION.test(String(args.kernel))) throw new InputError(`--kernel: '${String(args.kernel)}' is not a version`, 'major.minor or major.minor.patch, such as 6.6 or 6.6.12');
    const path = String(args.path);
    if (args.out !== undefined) checkHostOut(args.out, args.force);
    if (args.group !== undefined && !/^\d{1,7}$/.test(String(args.group))) throw new InputError(`--group: '${String(args.group)}' is not a group number`, 'a whole number');
    const { host, capture, inferred, warnings } = hostFromCapture(readCapture(path), {
      platform: args.platform ?? `imported from ${path}`,
      ...(args.arch ? { arch: args.arch } : {}),
      ...(args.iommu ? { iommu: args.iommu } : {}),
      ...(args.kernel !== undefined ? { kernel: String(args.kernel) } : {}),
      ...(args.group !== undefined ? { group: String(args.group) } : {}),
      apertureBits: bits('aperture-bits', String(args.apertureBits)),
      physBits: bits('phys-bits', String(args.physBits)),
      swMsi,
    });
    for (const w of warnings) process.stderr.write(`doorbell: warning: ${w}\n`);
    const header = [`${HEADER.slice(2)}${path} (${capture.form} form, ${capture.groups.length} group${capture.groups.length === 1 ? '' : 's'})`, ...inferred.map((n) => `inferred: ${n}`)];
    const yaml = hostToYaml(host, header);
    readHost(openYaml(yaml, args.out ?? '<stdout>', 'host')); // what we write must load back
    if (args.out) {
      writeFileAtomic(args.out, yaml, `--out ${args.out}`);
      process.stderr.write(`doorbell: wrote ${args.out} (${capture.groups.length} groups); use it with: doorbell run --host ${args.out}\n`);
    } else process.stdout.write(yaml);
    return 0;
  },
});
