import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A timeout catches a hang, not slowness (speed targets live in npm run bench):
    // studies over every built-in take minutes on a loaded 2-core machine.
    testTimeout: 300_000,
    pool: 'forks',
  },
});
