// What one input may ask for; each breach is a one-line error. Documented in
// scenarios/REFERENCE.yaml and the README.
export const LIMITS = {
  /** Bytes of a scenario or host file. */
  fileBytes: 4 * 1024 * 1024,
  groupsPerHost: 10_000,
  regionsPerGroup: 100_000,
  timelineEvents: 10_000,
  /** trials × timeline events for one scenario × policy pair. */
  trialEvents: 200_000_000,
} as const;
