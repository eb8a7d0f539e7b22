import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveScenarioPath } from '../../harness/cli/scenario-path.ts';
import { runScenario, type RunOptions, type RunSummary } from '../../harness/run/run-scenario.ts';
import { loadScenario } from '../../harness/scenario/scenario.ts';
import { MspError } from '../../common/errors.ts';
import type { Platform } from '../../platform/core/platform.ts';
import { processShard } from '../../harness/run/shards/pool.ts';
import { ShardSimulator, shardMessage } from '../../harness/run/shards/shard-sim.ts';
import { MemoryBus } from '../../sim/edge/memory-bus.ts';
import { MemoryTransport } from '../../sim/edge/memory-transport.ts';
import { TraceJournal } from '../../sim/kernel/trace.ts';
import { Simulation } from '../../sim/simulation.ts';
import { ALL_DEVICE_MESSAGES } from '../../platform/contract/topics.ts';
import { compilePlan } from '../../sim/faults/plan.ts';
import { FaultRuntime } from '../../sim/faults/runtime.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { nocWindowSteps } from '../../harness/run/shards/noc-world.ts';
import { autoShards } from '../../harness/run/shards/coordinator.ts';
import { defaultOperations } from '../../sim/actors/operations.ts';
import { childPids, HAS_PROC } from '../helpers/child-processes.ts';
import { simFirmware, withInstalledFleet } from '../../harness/scenario/firmware-catalog.ts';

/**
 * Shards (docs/scale-out.md): the portfolio split by site over 2 and 3 simulator processes gives
 * the trace of one simulator byte for byte, with faults, fault-process draws and a rollout whose
 * commands go back from the one platform to the shard holding each device. Short spans keep it
 * bounded; each covers its scenario's first faults and the rollout's first waves.
 */
const CASES = [
  // A site uplink outage (1h 5m) during a rollout that starts at 30m: commands, reports, wills.
  { name: 'rollout-uplink-outage', duration_ms: 2 * 3_600_000 },
  // Malformed payloads, link flapping, packet loss and RF interference on many homes (from 30m).
  { name: 'smart-home', duration_ms: 4 * 3_600_000 },
  // Two broker outages (2h for 20m, 4h for 2m): every shard's devices lose the broker at once and
  // storm back; the coordinator tells the platform its link went, as one simulator does.
  { name: 'broker-storm', duration_ms: 5 * 3_600_000 },
];

async function run(name: string, options: RunOptions): Promise<RunSummary> {
  return runScenario(loadScenario(resolveScenarioPath(name)), { noc: false, ...options });
}

/** What must not depend on the split: the trace and everything counted from the simulator. */
function comparable(s: RunSummary): unknown {
  return { hash: s.trace_hash, lines: s.trace_lines, bytes: s.trace_bytes, messages: s.messages_by_class, events: s.events, dropped: s.dropped, wills: s.wills, faults: s.faults, rollouts: s.rollouts, platform: s.platform, steps: s.steps };
}

describe('shards', () => {
  for (const c of CASES) {
    it(`${c.name}: --shards 1, 2 and 3 (processes) give the one-process trace`, { timeout: 240_000 }, async () => {
      const one = await run(c.name, { duration_ms: c.duration_ms });
      // The run exercises what could go wrong across shards.
      expect(one.faults.injected).toBeGreaterThan(0);
      expect(one.messages).toBeGreaterThan(1_000);
      if (c.name === 'rollout-uplink-outage') expect(one.rollouts[0]!.committed).toBeGreaterThan(0);
      // One simulator process beside the platform's: the same split machinery with every site in it.
      const single = await run(c.name, { duration_ms: c.duration_ms, shards: 1 });
      const two = await run(c.name, { duration_ms: c.duration_ms, shards: 2 });
      const three = await run(c.name, { duration_ms: c.duration_ms, shards: 3 });
      expect(comparable(single)).toEqual(comparable(one));
      expect(comparable(two)).toEqual(comparable(one));
      expect(comparable(three)).toEqual(comparable(one));
    });
  }

  it('the window of steps per request does not change the trace: 1, 7 and the default (quiet before the rollout, single steps during it)', { timeout: 240_000 }, async () => {
    const one = await run('rollout-uplink-outage', { duration_ms: 2 * 3_600_000 });
    for (const shard_window_steps of [1, 7, undefined]) {
      let done: ReadonlyArray<{ devices: number; heap_bytes: number }> = [];
      const sharded = await run('rollout-uplink-outage', { duration_ms: 2 * 3_600_000, shards: 2, shard_placement: 'in-process', shard_window_steps, on_shards_done: (s) => (done = s) });
      expect(comparable(sharded)).toEqual(comparable(one));
      // Each shard says what it held, for the bench's memory per device: every device in one shard.
      expect(done).toHaveLength(2);
      expect(done[0]!.devices + done[1]!.devices).toBe(one.devices);
      for (const s of done) expect(Number.isFinite(s.heap_bytes)).toBe(true);
    }
  });

  it('the hash still tells runs apart: another seed, sharded, gives another hash', { timeout: 120_000 }, async () => {
    const a = await run('rollout-uplink-outage', { duration_ms: 3_600_000, shards: 2, shard_placement: 'in-process' });
    const b = await run('rollout-uplink-outage', { duration_ms: 3_600_000, shards: 2, shard_placement: 'in-process', seed: 'another' });
    expect(b.trace_hash).not.toBe(a.trace_hash);
  });

  // The NOC runs on the coordinator from the shards' reports of the fleet (docs/scale-out.md, "The
  // NOC in a sharded run"): battery swaps (smart-home, a week), replacement units for bricked
  // devices during a rollout (rollout-bad-hvac), a leak mopped up (demo). Each run must book and
  // finish repairs, or the comparison says nothing about them.
  for (const c of [
    { name: 'smart-home', shards: [2] },
    { name: 'rollout-bad-hvac', shards: [2, 3] },
    { name: 'demo', shards: [1, 2] },
  ]) {
    it(`${c.name} with the NOC: --shards ${c.shards.join(' and ')} give the one-simulator trace, visits and costs`, { timeout: 240_000 }, async () => {
      const one = await run(c.name, { noc: true });
      expect(one.platform?.noc?.repairs).toBeGreaterThan(0);
      expect(one.costs?.truck_rolls).toBeGreaterThan(0);
      for (const shards of c.shards) {
        const sharded = await run(c.name, { noc: true, shards });
        expect({ ...(comparable(sharded) as object), costs: sharded.costs }).toEqual({ ...(comparable(one) as object), costs: one.costs });
      }
    });
  }

  it('the NOC in a sharded run keeps windows within the technicians\' shortest lead, and is refused when a step is longer than it', async () => {
    // 20 min travel + 20 min repair at 1-minute steps: windows of 20 steps, two of them less a step (39) inside the 40-minute lead.
    expect(nocWindowSteps(defaultOperations(), 60_000)).toBe(20);
    const fast = { ...defaultOperations().field_service, travel_ms: { min: 10_000, max: 20_000 }, repair_ms: { min: 20_000, max: 30_000 } };
    expect(nocWindowSteps({ ...defaultOperations(), field_service: fast }, 60_000)).toBe(0);
    // A site's own travel time counts too.
    expect(nocWindowSteps({ ...defaultOperations(), field_service: { ...defaultOperations().field_service, site_travel_ms: { s1: 60_000 } } }, 60_000)).toBe(10);
    expect(nocWindowSteps({ ...defaultOperations(), field_service: { ...defaultOperations().field_service, site_travel_ms: { s1: 60_001 } } }, 60_000)).toBe(11);
    const scenario = loadScenario(resolveScenarioPath('demo'));
    const refused = runScenario({ ...scenario, operations: { ...defaultOperations(), field_service: fast } }, { shards: 2, shard_placement: 'in-process' });
    await expect(refused).rejects.toThrow(MspError);
    await expect(refused).rejects.toMatchObject({ code: 'RUN_SHARDS', message: expect.stringContaining('--no-noc') });
  });

  it('msp-twin run splits a long run over 2 shards by itself only when it pays, the cores are there and the scenario allows', () => {
    const flagship = loadScenario(resolveScenarioPath('commercial-portfolio'));
    const DAY = 86_400_000;
    const month = autoShards(flagship, { duration_ms: 30 * DAY, cores: 2, options: { transport: 'memory' } });
    expect(month).toMatchObject({ shards: 2, why: expect.stringContaining('135,000 device-days') });
    // A day of the flagship (4,500 device-days) is mostly start-up for a second process; one core has nowhere to put it.
    expect(autoShards(flagship, { duration_ms: DAY, cores: 2, options: { transport: 'memory' } })).toBeNull();
    expect(autoShards(flagship, { duration_ms: 30 * DAY, cores: 1, options: { transport: 'memory' } })).toBeNull();
    // healthcare's timeline sends a technician (operator.repair, one site's devices): it splits too.
    const healthcare = loadScenario(resolveScenarioPath('healthcare'));
    expect(autoShards(healthcare, { duration_ms: 365 * DAY, cores: 4, options: { transport: 'memory' } })).toMatchObject({ shards: 2 });
    // Technicians who arrive within a step of leaving cannot be told a shard in time: one process, and the line says why.
    const demo = loadScenario(resolveScenarioPath('demo'));
    const fast = { ...defaultOperations().field_service, travel_ms: { min: 10_000, max: 20_000 }, repair_ms: { min: 20_000, max: 30_000 } };
    const refused = autoShards({ ...demo, operations: { ...defaultOperations(), field_service: fast } }, { duration_ms: 365 * DAY, cores: 4, options: { transport: 'memory' } });
    expect(refused).toMatchObject({ shards: 0, why: expect.stringContaining('--no-noc') });
  });

  it('the timeline\'s actions on the platform (rollout start, pause, resume; an operator\'s ack) give the one-simulator trace over 2 shards', { timeout: 240_000 }, async () => {
    // The rollout is the timeline's to start (no `at`); the client's desk acknowledges the P1 uplink
    // incident, paused the rollout meanwhile, and resumes it once the line is back.
    const base = loadScenario(resolveScenarioPath('rollout-uplink-outage'));
    const MIN = 60_000;
    const steps = [
      ...base.timeline.steps,
      { id: 'go', at_ms: 30 * MIN, action: 'rollout.start', rollout: 'env-330' },
      { id: 'hold', at_ms: 75 * MIN + 30_000, action: 'rollout.pause', rollout: 'env-330', reason: 'uplink down' },
      { id: 'desk', at_ms: 80 * MIN, action: 'operator.ack', by: 'client-desk' },
      { id: 'again', at_ms: 110 * MIN, action: 'rollout.resume', rollout: 'env-330' },
    ] as unknown as typeof base.timeline.steps;
    const scenario = { ...base, rollouts: base.rollouts.map((r) => ({ ...r, at_ms: null })), timeline: { ...base.timeline, steps } };
    const duration_ms = 150 * MIN;
    const lines: string[] = [];
    let platform: Platform | undefined;
    const one = await runScenario(scenario, { noc: false, duration_ms, trace_sink: (l) => lines.push(l), on_platform: (p) => (platform = p) });
    const two = await runScenario(scenario, { noc: false, duration_ms, shards: 2 });
    expect(comparable(two)).toEqual(comparable(one));
    // The actions did act: the desk's ack is the P1's, at its time; the rollout ran, paused, resumed.
    const p1 = platform!.incidents.all().find((i) => i.priority === 'P1')!;
    expect(p1.acked_ms).toBe(scenario.start_ms + 80 * MIN);
    const actions = lines.filter((l) => l.includes('"k":"action"')).map((l) => JSON.parse(l) as { act: string; n: number });
    expect(actions.map((a) => a.act)).toEqual(['rollout.start', 'rollout.pause', 'operator.ack', 'rollout.resume']);
    expect(actions[2]!.n).toBeGreaterThanOrEqual(1);
    const rollout_events = lines.filter((l) => l.includes('"k":"p.rollout"')).map((l) => (JSON.parse(l) as { ev: string }).ev);
    expect(rollout_events).toContain('paused');
    expect(rollout_events).toContain('resumed');
    expect(one.rollouts[0]!.committed).toBeGreaterThan(6);
  });

  it('plays --broker-outage over shards as one simulator does, during a rollout (commands held back while the broker is down)', { timeout: 120_000 }, async () => {
    const outages = [{ at_ms: 40 * 60_000, duration_ms: 10 * 60_000 }, { at_ms: 2 * 3_600_000, duration_ms: 3 * 60_000 }];
    const one = await run('rollout-uplink-outage', { duration_ms: 3 * 3_600_000, broker_outages: outages });
    const two = await run('rollout-uplink-outage', { duration_ms: 3 * 3_600_000, broker_outages: outages, shards: 2, shard_placement: 'in-process' });
    expect(one.broker_outages).toBe(2);
    expect(comparable(two)).toEqual(comparable(one));
  });

  it('plays timeline actions on devices of several sites (a setpoint, a schedule, a repair) over 2 and 3 shards as one simulator does', { timeout: 240_000 }, async () => {
    const base = loadScenario(resolveScenarioPath('smart-home'));
    const steps = [
      ...base.timeline.steps,
      { id: 'cooler', at_ms: 3_600_000, action: 'setpoint', target: { kind: ['hvac'] }, setpoint_c: 20 },
      { id: 'away', at_ms: 5_400_000, action: 'schedule', target: { kind: ['hvac'] }, schedule: 'holiday' },
      { id: 'visit', at_ms: 7_200_000, action: 'operator.repair', target: { kind: ['leak'] }, by: 'tech' },
    ] as unknown as typeof base.timeline.steps;
    const scenario = { ...base, timeline: { ...base.timeline, steps } };
    const lines: string[] = [];
    const one = await runScenario(scenario, { noc: false, duration_ms: 3 * 3_600_000, trace_sink: (l) => lines.push(l) });
    // Every home's thermostat and leak sensor, over both sites: the actions did span them.
    const actions = lines.filter((l) => l.includes('"k":"action"')).map((l) => JSON.parse(l) as { id: string; n: number });
    expect(actions.map((a) => a.id)).toEqual(['cooler', 'away', 'visit']);
    expect(actions[0]!.n).toBe(40);
    expect(lines.filter((l) => l.includes('"k":"repair"'))).toHaveLength(actions[2]!.n);
    for (const shards of [2, 3]) {
      const sharded = await runScenario(scenario, { noc: false, duration_ms: 3 * 3_600_000, shards });
      expect(comparable(sharded)).toEqual(comparable(one));
    }
  });

  it('keeps the platform\'s durable store over shards: the same trace, and the same records in it', { timeout: 120_000 }, async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'msp-shard-store-')), mkdtempSync(join(tmpdir(), 'msp-shard-store-'))];
    try {
      const one = await run('smart-home', { duration_ms: 3 * 3_600_000, data_dir: dirs[0]! });
      const two = await run('smart-home', { duration_ms: 3 * 3_600_000, data_dir: dirs[1]!, shards: 2 });
      expect(comparable(two)).toEqual(comparable(one));
      expect(one.store!.records).toBeGreaterThan(0);
      expect({ ...two.store!, location: '' }).toEqual({ ...one.store!, location: '' });
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });

  it('plays a platform restart over 2 and 3 shards as one simulator does: the same trace, backlog, session queue and store recovery', { timeout: 240_000 }, async () => {
    // Ten minutes down from 1h (off the step grid), during which every shard's devices keep
    // publishing into the platform's queued session; the broker outage at 2h follows it.
    const base = loadScenario(resolveScenarioPath('broker-storm'));
    const restart = { id: 'restart', at_ms: 3_600_000 + 17_321, action: 'outage.start', outage: 'platform_restart', target: {}, for_ms: 600_000, with: {} };
    const restarting = { ...base, timeline: { ...base.timeline, steps: [...base.timeline.steps, restart] as unknown as typeof base.timeline.steps } };
    const one = await runScenario(restarting, { noc: false, duration_ms: 3 * 3_600_000 });
    expect(one.faults.platform_queued_delivered).toBeGreaterThan(0);
    expect(one.store!.restarts).toBe(1);
    for (const shards of [2, 3]) {
      const sharded = await runScenario(restarting, { noc: false, duration_ms: 3 * 3_600_000, shards });
      expect(comparable(sharded)).toEqual(comparable(one));
      expect(sharded.store).toEqual(one.store);
    }
    // With no platform in the loop there is nothing to restart: not applied, in one process and over shards alike.
    const bare = await runScenario(restarting, { noc: false, platform: false, duration_ms: 2 * 3_600_000 });
    expect(bare.faults.not_applied).toBe(1);
    const bare_sharded = await runScenario(restarting, { noc: false, platform: false, duration_ms: 2 * 3_600_000, shards: 2, shard_placement: 'in-process' });
    expect(comparable(bare_sharded)).toEqual(comparable(bare));
  });

  it('refuses, with RUN_SHARDS, what a shard cannot do alone: MQTT for now', async () => {
    // Refused before it connects anywhere: no broker is needed to be told no.
    const mqtt = run('rollout-uplink-outage', { duration_ms: 3_600_000, shards: 2, transport: 'mqtt' });
    await expect(mqtt).rejects.toMatchObject({ code: 'RUN_SHARDS', message: expect.stringContaining('in-memory') });
  });

  // --shards 1 is one simulator process beside this one (docs/scale-out.md, "One shard"); 0, or no
  // count at all, keeps the simulator here. Counted while the run is under way, from /proc.
  it.skipIf(!HAS_PROC)('--shards 1 runs the simulator in one process of its own; 0 and no count run it in this one', { timeout: 120_000 }, async () => {
    const scenario = loadScenario(resolveScenarioPath('smart-home'));
    const during = async (options: RunOptions): Promise<{ children: number; hash: string; shards: number }> => {
      const before = new Set(childPids());
      let children = -1;
      const summary = await runScenario(scenario, { duration_ms: 2 * 3_600_000, noc: false, ...options, on_progress: () => (children = Math.max(children, childPids().filter((pid) => !before.has(pid)).length)) });
      return { children, hash: summary.trace_hash, shards: summary.shards };
    };
    const unset = await during({});
    const zero = await during({ shards: 0 });
    const one = await during({ shards: 1 });
    expect([unset.children, zero.children, one.children]).toEqual([0, 0, 1]);
    // The summary says what ran (the CLI prints it in its first line).
    expect([unset.shards, zero.shards, one.shards]).toEqual([0, 0, 1]);
    expect(new Set([unset.hash, zero.hash, one.hash]).size).toBe(1);
  });

  // The shard processes start before the coordinator builds anything (startShards): a run refused
  // after that must not leave them behind.
  it.skipIf(!HAS_PROC)('closes the shard processes of a run that fails before it hands them their init', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'msp-twin-shards-'));
    try {
      const scenario = loadScenario(resolveScenarioPath('smart-home'));
      await runScenario(scenario, { duration_ms: 10 * 60_000, data_dir: dir });
      const before = new Set(childPids());
      await expect(runScenario(scenario, { duration_ms: 10 * 60_000, data_dir: dir, shards: 2 })).rejects.toMatchObject({ code: 'RUN_DATA_NOT_EMPTY' });
      expect(childPids().filter((pid) => !before.has(pid))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a shard process that fails says so with its own code and the shard\'s reason', async () => {
    // A window before init: the real worker refuses it, and the coordinator sees RUN_SHARD_FAILED
    // (not a load run's LOAD_CHILD_* code) naming the shard and its message.
    const link = processShard('shard 1/2');
    try {
      await expect(link.advance(1_000, [])).rejects.toMatchObject({ code: 'RUN_SHARD_FAILED', message: expect.stringMatching(/^shard 1\/2: .*shard not initialised/) });
    } finally {
      await link.close();
    }
  }, 60_000);

  it('a cell sends a device publish as the place of its pub line, and the platform gets the very messages a bus subscriber would', { timeout: 120_000 }, async () => {
    // One shard holding every site (index 0 of 1) against a plain simulator on a bus with the
    // platform's subscription: the messages read back from the cells must be the subscriber's, in
    // its order, with wills sent whole. Many homes (sites) share each step's milliseconds, so a
    // step's lines are reordered by site and the places must follow them.
    const scenario = loadScenario(resolveScenarioPath('smart-home'));
    const duration_ms = 4 * 3_600_000;
    const step_ms = 60_000;
    const shard = new ShardSimulator({
      index: 0, count: 1, scenario_name: scenario.name, fleet: scenario.fleet, firmware: scenario.firmware, steps: scenario.timeline.steps,
      processes: scenario.timeline.processes, seed: scenario.seed, start_ms: scenario.start_ms, duration_ms, step_ms,
    });
    const from_cells: Array<readonly [string, string, boolean]> = [];
    let by_line = 0;
    let whole = 0;
    // The first window is one step (the births), then windows of ten, up to the run's end.
    for (let end = scenario.start_ms + step_ms; end < scenario.start_ms + duration_ms + 10 * step_ms; end += 10 * step_ms) {
      for (const cell of shard.advance(Math.min(end, scenario.start_ms + duration_ms), []).cells) {
        for (const m of cell.messages) {
          if (typeof m === 'number') {
            by_line++;
            expect(cell.lines.kind[m]).toBe('pub');
          } else whole++;
          from_cells.push(shardMessage(cell.lines, m));
        }
      }
    }

    const portfolio = generatePortfolio(scenario.name, scenario.fleet);
    const bus = new MemoryBus();
    const heard: Array<readonly [string, string, boolean]> = [];
    bus.connect('msp-platform', { persistent: true, on_message: (m) => heard.push([m.topic, m.payload, m.retain]) }).subscribe(ALL_DEVICE_MESSAGES);
    const sim = new Simulation(
      { seed: scenario.seed, start_ms: scenario.start_ms, duration_ms, portfolio, telemetry_qos: 1, firmware: simFirmware(withInstalledFleet(scenario.firmware, portfolio.devices)) },
      { transport: new MemoryTransport(bus), trace: new TraceJournal() },
    );
    sim.start();
    const plan = compilePlan({ portfolio, seed: scenario.seed, start_ms: scenario.start_ms, end_ms: sim.end_ms, steps: scenario.timeline.steps, processes: scenario.timeline.processes });
    new FaultRuntime(sim, plan, {}, { step_ms }).schedule();
    for (let t = scenario.start_ms + step_ms; t <= scenario.start_ms + duration_ms; t += step_ms) sim.runUntil(t - 1);

    expect(by_line).toBeGreaterThan(1_000);
    expect(whole).toBeGreaterThan(0); // the outage's wills
    expect(from_cells).toEqual(heard);
  });
});
