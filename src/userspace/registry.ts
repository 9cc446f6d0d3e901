// The explicit list of userspaces a scenario may name in `vmm:` / `vmms:`.
import { cloudHypervisor } from './cloud-hypervisor.js';
import { crosvm } from './crosvm.js';
import { dpdk, spdk } from './eal-driver.js';
import { openvmm } from './openvmm.js';
import { qemu } from './qemu.js';
import type { Userspace, UserspaceId } from './types.js';

export const USERSPACES: Readonly<Record<UserspaceId, Userspace>> = {
  qemu,
  'cloud-hypervisor': cloudHypervisor,
  crosvm,
  dpdk,
  spdk,
  openvmm,
};

export function userspace(id: UserspaceId): Userspace {
  return USERSPACES[id];
}
