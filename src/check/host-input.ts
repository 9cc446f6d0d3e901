// The host `check` answers for: this machine, a host file, or a sysfs
// capture (a pasted file or a copied iommu_groups directory), imported with
// the same inference as `import sysfs`.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { Host } from '../model/host.js';
import { hostFromCapture } from '../import/from-capture.js';
import { looksLikeCapture } from '../import/prompt.js';
import { parseCaptureText, readCapture } from '../import/sysfs.js';
import { loadHostFile } from '../scenario/load-host.js';
import { readLiveHost } from './live-host.js';

export function readCheckHost(flag: string | undefined, sysfs: string): { host: Host; name: string; notes: string[] } {
  if (flag === undefined) {
    const live = readLiveHost(sysfs);
    return { host: live.host, name: 'this machine', notes: live.notes };
  }
  let isDir: boolean;
  try {
    isDir = statSync(flag).isDirectory();
  } catch {
    throw new InputError(`--host ${flag}: no such file or directory`, 'a host file, a sysfs capture or a copied iommu_groups directory');
  }
  const capture = isDir ? readCapture(flag) : looksLikeCapture(readFileSync(flag, 'utf8')) ? parseCaptureText(readFileSync(flag, 'utf8'), flag) : undefined;
  if (!capture) return { host: loadHostFile(resolve(flag), flag).host, name: flag, notes: [] };
  const made = hostFromCapture(capture, { platform: `captured in ${flag}` });
  for (const w of made.warnings) process.stderr.write(`doorbell: warning: ${w}\n`);
  return { host: made.host, name: flag, notes: made.inferred };
}
