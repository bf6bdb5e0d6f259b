import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts', 'transports/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
