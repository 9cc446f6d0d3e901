// Every placement profile a scenario may name, by name (like policies/).
import { coherent } from './coherent.js';
import { dma32 } from './dma32.js';
import { freshBoot } from './fresh-boot.js';
import type { PlacementProfile } from './profile.js';
import { steadyState } from './steady-state.js';

export const PLACEMENT_PROFILES: ReadonlyMap<string, PlacementProfile> = new Map([steadyState, freshBoot, coherent, dma32].map((p) => [p.name, p]));
export const PLACEMENT_NAMES: readonly string[] = [...PLACEMENT_PROFILES.keys()];
export const DEFAULT_PLACEMENT = 'steady-state';

export function placementProfile(name: string): PlacementProfile {
  const p = PLACEMENT_PROFILES.get(name);
  if (!p) throw new Error(`unknown placement profile '${name}'`);
  return p;
}
