// The host `check` answers for: a host file, or this machine.
import { resolve } from 'node:path';
import type { Host } from '../model/host.js';
import { loadHostFile } from '../scenario/load-host.js';
import { readLiveHost } from './live-host.js';

export function readCheckHost(flag: string | undefined, sysfs: string): { host: Host; name: string; notes: string[] } {
  if (flag === undefined) {
    const live = readLiveHost(sysfs);
    return { host: live.host, name: 'this machine', notes: live.notes };
  }
  return { host: loadHostFile(resolve(flag), flag).host, name: flag, notes: [] };
}
