// The explicit list of policies, in report order: the baseline first.
import type { PolicyDefinition } from '../src/policy.js';
import capabilityAwareLayout from './capability-aware-layout.js';
import firmwareReservedHotplug from './firmware-reserved-hotplug.js';
import guestAvoidsRange from './guest-avoids-range.js';
import kernelRejects from './kernel-rejects.js';
import noChecks2016 from './no-checks-2016.js';
import qemuAborts from './qemu-aborts.js';
import qemuTolerates from './qemu-tolerates.js';
import viommuGuestAvoids from './viommu-guest-avoids.js';
import kernelMovesMsiWindow from './kernel-moves-msi-window.js';
import staticCarveOut from './static-carve-out.js';
import vmmPicksMsiWindow from './vmm-picks-msi-window.js';

export const POLICIES: readonly PolicyDefinition<Record<string, string>>[] = [
  noChecks2016,
  kernelRejects,
  qemuAborts,
  qemuTolerates,
  guestAvoidsRange,
  viommuGuestAvoids,
  firmwareReservedHotplug,
  capabilityAwareLayout,
  vmmPicksMsiWindow,
  kernelMovesMsiWindow,
  staticCarveOut,
] as PolicyDefinition<Record<string, string>>[];

export const BASELINE = noChecks2016.name;
