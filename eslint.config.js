// Lint rules that protect the product's core promise: a run is a pure function of its seed.
// sim/ and the pure platform cores may not read the wall clock, timers or Math.random; only
// adapters (edge/, service/, harness/) touch real time, each line marked `// wall-clock: why`.
import tseslint from 'typescript-eslint';

const wallClock = [
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'DET001: Date.now() in deterministic code; use the injected clock.' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'DET001: new Date() reads the wall clock; use the injected clock.' },
  { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'DET002: Math.random() in deterministic code; use a named RNG stream.' },
  { selector: "CallExpression[callee.object.name='performance'][callee.property.name='now']", message: 'DET001: performance.now() in deterministic code.' },
  { selector: "CallExpression[callee.name=/^(setTimeout|setInterval|setImmediate|queueMicrotask)$/]", message: 'DET003: timers in deterministic code; schedule on the event queue.' },
  { selector: "CallExpression[callee.object.name='process'][callee.property.name='hrtime']", message: 'DET001: process.hrtime() in deterministic code.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'viewer/dist/**', 'viewer/dist.tmp-*/**', 'coverage/**', 'scratch/**', 'bench-results/**', '.stryker-tmp/**', 'reports/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['sim/**/*.ts', 'platform/contract/**/*.ts', 'platform/core/**/*.ts', 'platform/ingest/**/*.ts', 'platform/registry/**/*.ts', 'platform/monitoring/**/*.ts', 'platform/patching/**/*.ts', 'platform/sla/**/*.ts'],
    ignores: ['sim/edge/mqtt/**', '**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', ...wallClock] },
  },
);
