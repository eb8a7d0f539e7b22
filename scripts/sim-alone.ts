/**
 * The simulator alone, without the platform (docs/performance.md, "Where the simulator's time
 * goes"): a scenario's fleet on the in-memory bus, stepped a lockstep minute at a time as a run
 * steps it, the trace hashed but not kept. Prints the build and run times, the events and the
 * trace hash, so a change to the simulator's hot paths can be timed against the commit before
 * it with the hash held equal:
 *
 *   npx tsx scripts/sim-alone.ts [SCENARIO.yaml] [DAYS]
 *
 * Time the old checkout's copy and this one in turn (pairs), and compare the ratios, not seconds.
 *
 * The platform takes the rest of a run's time (the difference from `msp-twin run … --transport
 * memory` of the same span); faults and operator actions of the scenario's timeline are not
 * played, so its events are the fleet's own.
 */
import { buildSimulation } from '../harness/bench/sim-bench.ts';
import { loadScenario } from '../harness/scenario/scenario.ts';

const STEP_MS = 60_000;
const [file = 'scenarios/commercial-portfolio.yaml', days_arg = '1'] = process.argv.slice(2);
const days = Number(days_arg);
if (!(days > 0)) {
  process.stderr.write(`sim-alone: DAYS must be a positive number, got ${days_arg}\n`);
  process.exit(2);
}
const scenario = loadScenario(file);
const duration_ms = Math.round(days * 86_400_000);
const wall = (): number => performance.now(); // wall-clock: what this script measures
const t0 = wall();
const { sim, devices, trace } = buildSimulation(scenario, duration_ms);
const t1 = wall();
for (let t = scenario.start_ms + STEP_MS; t < sim.end_ms + STEP_MS; t += STEP_MS) sim.runUntil(Math.min(t, sim.end_ms));
const t2 = wall();
const seconds = (ms: number): string => (ms / 1000).toFixed(2);
process.stdout.write(
  `${scenario.name}: ${devices} devices, ${days} d; build ${seconds(t1 - t0)} s, run ${seconds(t2 - t1)} s; ` +
    `${sim.stats.events} events, ${Math.round(sim.stats.events / ((t2 - t1) / 1000))} events/s; trace ${trace.digestHex()}\n`,
);
