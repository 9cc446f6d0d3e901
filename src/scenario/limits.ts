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

// The work a valid scenario may demand, in steps (scenario/work-budget.ts
// estimates them before running). Documented in scenarios/REFERENCE.yaml.
export const WORK_BUDGET = {
  /** Paths of the discrete draws the exact computation plays; beyond, no exact value. */
  exactPaths: 4096,
  /** Paths × (steps per analytic trial + this fixed cost per path); beyond, no exact value. */
  exactSteps: 1_000_000,
  exactStepsPerPath: 300,
  /** Steps of one simulated trial; beyond, the scenario is refused (validate and run). */
  trialSteps: 10_000_000,
  /** Trials × steps per trial for one scenario × policy pair; beyond, run refuses the --trials. */
  pairSteps: 200_000_000,
  /** Steps to attach or remap one plugged device, simulated and exact (measured against a DMA round). */
  attachSteps: 8,
  attachStepsExact: 100,
} as const;
