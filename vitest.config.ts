import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts', 'transports/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
