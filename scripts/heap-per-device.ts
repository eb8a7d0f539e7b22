/**
 * Heap per device (docs/performance.md, "Memory per device"), each figure after two full
 * collections, so run it under --expose-gc:
 *
 *   node --expose-gc --import tsx scripts/heap-per-device.ts built SCENARIO.yaml [SNAPSHOT]
 *   node --expose-gc --import tsx scripts/heap-per-device.ts running SCENARIO.yaml HOURS [SNAPSHOT]
 *
 * `built`: the portfolio generated and the simulation built and started (its boot events queued),
 * three times, each against its own baseline; prints every reading and the median (a single
 * reading moves by ±20 %: V8's number-to-string cache and compiled code come and go).
 * `running`: the whole run with the platform in the loop on the in-memory bus, read in the run's
 * last progress call while everything is alive. With SNAPSHOT, heap snapshots are written at the
 * baseline (SNAPSHOT.base) and at the reading, for scripts/heap-holders.mjs.
 */
import v8 from 'node:v8';
import { buildSimulation } from '../harness/bench/sim-bench.ts';
import { runScenario } from '../harness/run/run-scenario.ts';
import { loadScenario } from '../harness/scenario/scenario.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('heap-per-device: run under node --expose-gc (see the header)\n');
  process.exit(2);
}
const used = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const [mode, file, ...rest] = process.argv.slice(2);
if ((mode !== 'built' && mode !== 'running') || file === undefined) {
  process.stderr.write('usage: node --expose-gc --import tsx scripts/heap-per-device.ts built|running SCENARIO.yaml [HOURS] [SNAPSHOT]\n');
  process.exit(2);
}
const scenario = loadScenario(file);

if (mode === 'built') {
  const snapshot = rest[0];
  // One build per call: a simulation left in this frame's registers would still be alive at the
  // next baseline and make the next reading come out near zero.
  const builtOnce = (last: boolean): { bytes: number; devices: number } => {
    const base = used();
    if (last && snapshot) v8.writeHeapSnapshot(`${snapshot}.base`);
    const { sim, devices } = buildSimulation(scenario);
    const bytes = used() - base;
    if (last && snapshot) v8.writeHeapSnapshot(snapshot);
    void sim.stats; // alive until after the reading
    return { bytes, devices };
  };
  const runs = [builtOnce(false), builtOnce(false), builtOnce(true)];
  const per = runs.map((r) => Math.round(r.bytes / r.devices));
  console.log(`${scenario.name}: ${runs[0]!.devices} devices built: ${per.join(', ')} B/device, median ${[...per].sort((a, b) => a - b)[1]}`);
} else {
  const hours = Number(rest[0] ?? 6);
  const snapshot = rest[1];
  const base = used();
  if (snapshot) v8.writeHeapSnapshot(`${snapshot}.base`);
  let at_end = 0;
  const summary = await runScenario(scenario, {
    duration_ms: hours * 3_600_000,
    on_progress: (p) => {
      if (p.sim_ms < p.end_ms) return;
      at_end = used() - base;
      if (snapshot) v8.writeHeapSnapshot(snapshot);
    },
  });
  console.log(`${scenario.name}: ${summary.devices} devices, ${hours} h with the platform: ${Math.round(at_end / summary.devices)} B/device (trace hash ${summary.trace_hash})`);
}
