// Defaults of a run (flags); scenario defaults live in scenario/defaults.ts.
export const RUN_DEFAULTS = {
  /** Enough for a Wilson interval of about ±3 points at 50%, in a few seconds. */
  trials: 1000,
  seed: '1',
} as const;
