// Every hint channel, in the order a VMM tries them: the ones that exist
// first, the hypothetical one last (policies that accept only existing
// channels never reach it).
import { acpiHotRemove } from './acpi-hot-remove.js';
import type { HintChannel } from './channel.js';
import { firmwareTables } from './firmware-tables.js';
import { iortRmr } from './iort-rmr.js';
import { runtimeMessage } from './runtime-message.js';
import { virtioIommu } from './virtio-iommu.js';
import { virtioMem } from './virtio-mem.js';

export const HINT_CHANNELS: readonly HintChannel[] = [firmwareTables, virtioIommu, iortRmr, virtioMem, acpiHotRemove, runtimeMessage];

export function hintChannel(name: string): HintChannel {
  const c = HINT_CHANNELS.find((x) => x.name === name);
  if (!c) throw new Error(`unknown hint channel '${name}'`);
  return c;
}
