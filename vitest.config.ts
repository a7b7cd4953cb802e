import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'bots/**/*.test.ts', 'jobs/**/*.test.ts'],
    // Generous: several tests spawn the CLI (about 2 s per start under tsx) and CI shares two cores.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more workers only contend for them (PGlite is CPU-bound WebAssembly).
    maxWorkers: 2,
  },
});
