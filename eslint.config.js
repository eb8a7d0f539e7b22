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

// The layers of docs/architecture.md, enforced: each room may import only the rooms below it.
// Specifiers are relative, so a pattern matches "../" runs followed by the room's folder.
const up = '^(\\.\\./)+';
const layer = (name, rooms, message) => ({ regex: `${up}(${rooms})/`, message: `LAYER ${name}: ${message}` });
const PLATFORM_LAYER = layer('platform', 'sim|harness|viewer', 'platform/ runs in production with no simulator: it never imports sim/, harness/ or viewer/.');
const LAYERS = [
  {
    files: ['common/**/*.ts'],
    patterns: [layer('common', 'sim|platform|harness|viewer', 'common/ is the leaf every room may use; it imports no room of the project.')],
  },
  {
    files: ['platform/**/*.ts'],
    patterns: [PLATFORM_LAYER],
  },
  {
    // A later block replaces an earlier one's options for the same rule, so the contract repeats the platform's.
    files: ['platform/contract/**/*.ts'],
    patterns: [PLATFORM_LAYER, { regex: '^\\.\\./(core|ingest|registry|monitoring|patching|sla|service)/', message: 'LAYER contract: the contract is shared by devices, platform and viewer; it imports no other platform room.' }],
  },
  {
    files: ['sim/**/*.ts'],
    patterns: [
      layer('sim', 'harness|viewer', 'sim/ never imports the harness or the viewer.'),
      { regex: `${up}platform/(?!contract/)`, message: 'LAYER sim: of the platform, sim/ imports only platform/contract.' },
    ],
  },
  {
    files: ['viewer/src/**/*.ts'],
    patterns: [
      layer('viewer', 'sim|harness', 'the viewer imports only platform/contract and its own code.'),
      { regex: `${up}platform/(?!contract/)`, message: 'LAYER viewer: of the platform, the viewer imports only platform/contract.' },
    ],
  },
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
  ...LAYERS.map(({ files, patterns }) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } })),
);
