import { defineConfig } from 'vitest/config';

/**
 * The test set StrykerJS runs against each mutant (stryker.config.mjs): unit and property tests
 * only, because a mutant run repeats them hundreds of times. Integration, e2e and crash tests
 * (real brokers, browsers, processes) are too slow for that; docs/testing.md says what this
 * costs the score. MUTATE_TESTS (comma-separated globs) narrows it further for a quick local run
 * on one module: the score is then a lower bound.
 */
const only = process.env.MUTATE_TESTS?.split(',').map((s) => s.trim()).filter(Boolean);

export default defineConfig({
  test: {
    include: only && only.length > 0 ? only : ['test/unit/**/*.test.ts', 'test/property/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
