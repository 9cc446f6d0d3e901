// What a device's DMA write to a guest buffer turns into (domain.md §3).
// Ordered by precedence: the first that applies to a page wins.

export const Outcome = {
  delivered: 0,
  /** Without ACS a switch routes the write to a peer's BAR before the IOMMU sees it. */
  peerToPeer: 1,
  /** Beyond the IOMMU aperture: nothing can translate it. */
  faultAperture: 2,
  /** Hardware MSI window (x86 0xfee00000, HiSilicon ITS frame): untranslated, an interrupt. */
  interruptMsi: 3,
  /** The doorbell page the kernel mapped inside the SW_MSI window: an interrupt. */
  interruptSwMsi: 4,
  /** Firmware owns a DIRECT (RMRR/RMR/IVMD) range and DMAs there any time. */
  firmware: 5,
  /** RESERVED (e.g. AMD HyperTransport): the write does not reach the mapped page. */
  reserved: 6,
  /** Not mapped in the IOMMU: an IOMMU fault, loud. */
  faultUnmapped: 7,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export const OUTCOME_COUNT = 8;

export const OUTCOME_NAMES: Record<Outcome, string> = {
  0: 'delivered',
  1: 'peer-to-peer',
  2: 'iommu-fault (aperture)',
  3: 'interrupt (hw msi)',
  4: 'interrupt (sw msi doorbell)',
  5: 'firmware collision',
  6: 'lost (reserved)',
  7: 'iommu-fault (unmapped)',
};

/** Silent data loss: the guest believes the data landed, and nothing says otherwise. */
export const SILENT_MECHANISMS = [Outcome.interruptMsi, Outcome.interruptSwMsi, Outcome.peerToPeer, Outcome.firmware, Outcome.reserved] as const;

/** Column-friendly names for the silent mechanisms. */
export const MECHANISM_KEYS: Record<(typeof SILENT_MECHANISMS)[number], string> = {
  3: 'msi',
  4: 'sw_msi',
  1: 'p2p',
  5: 'firmware',
  6: 'reserved',
};

export function isSilent(o: Outcome): boolean {
  return o !== Outcome.delivered && o !== Outcome.faultAperture && o !== Outcome.faultUnmapped;
}

export function isFault(o: Outcome): boolean {
  return o === Outcome.faultAperture || o === Outcome.faultUnmapped;
}
