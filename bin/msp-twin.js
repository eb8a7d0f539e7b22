#!/usr/bin/env node
// Entry point: the sources are TypeScript run through tsx's loader, so there is no build step
// between `git clone` and `npm start` (the viewer bundle, which a browser needs, is the exception).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
