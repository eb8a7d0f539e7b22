#!/usr/bin/env -S node --max-semi-space-size=64
// The flag: a 64 MB young generation (V8's default is 16 MB), which V8 sizes only when node
// starts, hence here and in package.json's scripts rather than in code (docs/performance.md,
// "Garbage collection"). env -S passes it without a wrapper process, so a signal sent to this
// pid reaches node itself. env -S needs GNU coreutils 8.30+, macOS or FreeBSD; where env has no
// -S (BusyBox), run `node bin/msp-twin.js …`.
// Entry point: the sources are TypeScript run through tsx's loader, so there is no build step
// between `git clone` and `npm start` (the viewer bundle, which a browser needs, is the exception).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
