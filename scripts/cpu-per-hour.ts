/**
 * CPU seconds (user + system of this process) per simulated hour, and per device-hour after the
 * first hour, so the build and the first hour's births do not blur how cost grows with the fleet
 * (docs/performance.md, "Growth with the fleet"):
 *
 *   npx tsx scripts/cpu-per-hour.ts scenarios/commercial-portfolio.yaml 3 [nonoc]
 *
 * The platform is in the loop on the in-memory bus. CPU time, not wall time: on a shared machine
 * the wall time of one run measures the neighbours as much as the run.
 */
import { runScenario } from '../harness/run/run-scenario.ts';
import { loadScenario } from '../harness/scenario/scenario.ts';

const [file, hours_arg, noc_arg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: tsx scripts/cpu-per-hour.ts SCENARIO.yaml [hours] [nonoc]\n');
  process.exit(2);
}
const hours = Number(hours_arg ?? 3);
const scenario = loadScenario(file);
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const t0 = cpu();
const marks: number[] = [];
const summary = await runScenario(scenario, {
  duration_ms: hours * 3_600_000,
  ...(noc_arg === 'nonoc' ? { noc: false } : {}),
  on_progress: () => marks.push(cpu()),
});
const total = cpu() - t0;
const per_hour = marks.map((m, i) => m - (i === 0 ? t0 : marks[i - 1]!));
const steady = marks.length > 1 ? (marks.at(-1)! - marks[0]!) / (marks.length - 1) : Number.NaN;
process.stdout.write(
  `${JSON.stringify({
    file,
    devices: summary.devices,
    hours,
    total_cpu_s: Number(total.toFixed(2)),
    per_hour_s: per_hour.map((x) => Number(x.toFixed(2))),
    ms_per_device_hour_after_first: Number(((steady * 1000) / summary.devices).toFixed(4)),
    trace_hash: summary.trace_hash,
  })}\n`,
);
