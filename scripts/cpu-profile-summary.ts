/**
 * Self time by function from a V8 CPU profile (docs/performance.md, "Where the time goes"):
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/msp-twin.js run commercial-portfolio --transport memory --duration 1d
 *   npx tsx scripts/cpu-profile-summary.ts /tmp/prof/CPU.*.001.cpuprofile [top]
 *
 * The sampler counts wall time, so on a busy machine the absolute seconds are inflated; read the
 * shares. Functions inlined by the optimiser are counted in their caller, and sources run through
 * tsx report line 1, so a row is a function, not a line.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, top_arg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: tsx scripts/cpu-profile-summary.ts FILE.cpuprofile [top]\n');
  process.exit(2);
}
const top = Number(top_arg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const self_us = new Map<number, number>();
profile.samples.forEach((id, i) => self_us.set(id, (self_us.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const by_function = new Map<string, number>();
let total_us = 0;
for (const node of profile.nodes) {
  const us = self_us.get(node.id) ?? 0;
  total_us += us;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\/.*?\/node_modules\//, 'node_modules/').replace(/^file:\/\/.*?\/(sim|platform|harness|common|viewer)\//, '$1/');
  const key = `${functionName || '(anonymous)'}  ${where}${where ? `:${lineNumber + 1}` : ''}`;
  by_function.set(key, (by_function.get(key) ?? 0) + us);
}

process.stdout.write(`total ${(total_us / 1e6).toFixed(1)} s sampled\n`);
for (const [key, us] of [...by_function].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`${((100 * us) / total_us).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2).padStart(7)} s  ${key}\n`);
}
