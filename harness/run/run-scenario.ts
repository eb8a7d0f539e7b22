import type { DeviceKind } from '../../platform/contract/messages.ts';
import { TraceJournal } from '../../sim/kernel/trace.ts';
import { MemoryBus } from '../../sim/edge/memory-bus.ts';
import { MemoryTransport } from '../../sim/edge/memory-transport.ts';
import { GatewayMqttTransport } from '../../sim/edge/mqtt/gateway-transport.ts';
import { PerDeviceMqttTransport } from '../../sim/edge/mqtt/per-device-transport.ts';

import type { DeviceTransport } from '../../sim/edge/transport.ts';
import { Simulation } from '../../sim/simulation.ts';

import { generatePortfolio } from '../../sim/world/generate.ts';
import { countByKind, type Portfolio } from '../../sim/world/topology.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { MemoryBarrier, MqttBarrier, type PlatformSession } from './barriers.ts';
import { runLockstep, sentCount, type StepBarrier } from './lockstep.ts';
import { StepReceiver } from './step-receiver.ts';
import type { OrderedMessage } from '../../platform/core/step-order.ts';
import { Platform } from '../../platform/core/platform.ts';
import type { ProvisionedDevice } from '../../platform/ingest/admission.ts';

import { Noc } from '../../sim/actors/noc.ts';
import { simulationNocWorld } from '../../sim/actors/noc-sim-world.ts';

import { checkScriptedFaults } from '../../sim/faults/scripted.ts';
import { compilePlan, type FaultPlan } from '../../sim/faults/plan.ts';
import { FaultRuntime, plannedBrokerOutages } from '../../sim/faults/runtime.ts';
import { PlatformTimeline, type RolloutControl } from './platform-timeline.ts';
import { PlatformGate } from '../../sim/faults/platform-gate.ts';
import { ScopeIndex } from '../../sim/faults/scope.ts';
import { OracleCollector } from '../expect/oracle.ts';
import { UsageError } from '../errors.ts';
import { buildingTypes, operatorPort, platformSummary, siteTimezones } from './platform-wiring.ts';
import { platformReleases, simFirmware, withInstalledFleet } from '../scenario/firmware-catalog.ts';
import { approvedFirmware } from '../../platform/patching/releases.ts';
import type { OtaCommand } from '../../platform/patching/engine.ts';
import { rolloutOutcomes } from './rollout-outcomes.ts';
import { runLineFields, type DeviceVitals, type InboundCommand, type SimulationStats } from '../../sim/simulation.ts';
import { checkShardable, runShards, startShards } from './shards/coordinator.ts';
import type { ShardLink } from './shards/pool.ts';
import { nocWindowSteps, ShardNocWorld } from './shards/noc-world.ts';
import type { OtaFacts } from './rollout-outcomes.ts';
import { runRealtime } from './realtime.ts';
import { arrivalFeed } from './arrival-feed.ts';
import type { Journal } from '../../platform/core/model.ts';
import { DurablePlatform } from '../../platform/store/durable.ts';
import { MemoryStore } from '../../platform/store/memory-store.ts';
import { SqliteStore } from '../../platform/store/sqlite-store.ts';
import type { PlatformStore } from '../../platform/store/store.ts';
import { MspError } from '../../common/errors.ts';
import { BROKER_HINTS, TransportFailure } from './transport-failure.ts';

// The run's options and summary types live in run-types.ts (the expectations read them without
// importing the runner); re-exported here for the runner's callers.
export { DEFAULT_STEP_MS, type MqttMode, type MqttRunOptions, type RunOptions, type RunProgress, type RunSummary, type TransportName } from './run-types.ts';
import { DEFAULT_STEP_MS, type RunOptions, type RunSummary } from './run-types.ts';

function sorted<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

/**
 * The portfolio as the platform's provisioning: each device's site, kind and model. A fleet has a
 * few dozen such triples, so devices share one frozen object per triple rather than hold one
 * each (~48 bytes a device; docs/performance.md, "Memory per device").
 */
function portfolioProvisioning(portfolio: Portfolio): Map<string, ProvisionedDevice> {
  const shared = new Map<string, ProvisionedDevice>();
  const provisioning = new Map<string, ProvisionedDevice>();
  for (const d of portfolio.devices) {
    const key = `${d.site_id}\u0000${d.kind}\u0000${d.model}`;
    let p = shared.get(key);
    if (p === undefined) shared.set(key, (p = Object.freeze({ site: d.site_id, kind: d.kind, model: d.model })));
    provisioning.set(d.id, p);
  }
  return provisioning;
}

function parentMap(portfolio: Portfolio): Map<string, string> {
  const parent = new Map<string, string>();
  for (const d of portfolio.devices) if (d.gateway_id !== null) parent.set(d.id, d.gateway_id);
  return parent;
}

interface Wiring {
  transport: DeviceTransport;
  barrier: StepBarrier;
  /** The platform's persistent session on the bus or broker: a platform restart takes its connection away. */
  platform_session: PlatformSession;
  /** The platform's commands for devices, onto the broker (or the bus). */
  publishCommands: (commands: readonly OtaCommand[]) => void;
  /** Real-time mode: where commands arriving at the sim's edge go. */
  onCommand: (deliver: (c: InboundCommand) => void) => void;
  publishClock: (t_ms: number, speed: number) => void;
  drain: (count: number, timeout_ms: number) => Promise<void>;
  reconnect: () => Promise<void>;
  suspended: () => Promise<void>;
  around_step?: { before(): void; after(): void };
  connections: () => number | null;
  errors: () => ReadonlyArray<{ client_id: string; message: string }>;
  close: () => Promise<void>;
}

async function wire(options: RunOptions, portfolio: Portfolio, receiver: StepReceiver): Promise<Wiring> {
  if ((options.transport ?? 'memory') === 'memory') {
    const bus = new MemoryBus();
    const barrier = new MemoryBarrier(bus, receiver);
    return {
      transport: new MemoryTransport(bus),
      barrier,
      platform_session: barrier,
      publishCommands: (c) => barrier.publishCommands(c),
      onCommand: () => {},
      publishClock: () => {},
      drain: async () => {},
      reconnect: async () => {},
      suspended: async () => {},
      connections: () => null,
      errors: () => [],
      close: async () => {},
    };
  }
  const mqtt = options.mqtt;
  if (!mqtt) throw new MspError('RUN_CONFIG', 'transport mqtt needs a broker (options.mqtt)');
  // Lockstep holds each step's publishes and releases them in windows (flow control toward the
  // platform's subscription); real time sends as the devices publish.
  const flow = options.speed !== undefined ? 'direct' : 'windowed';
  const transport = mqtt.mode === 'gateway' ? new GatewayMqttTransport(mqtt.transport, parentMap(portfolio), flow) : new PerDeviceMqttTransport(mqtt.transport, flow);
  const barrier = await MqttBarrier.connect(receiver, {
    transport: mqtt.transport,
    ...(flow === 'windowed' ? { outbox: transport } : {}),
    ...(options.step_timeout_ms !== undefined ? { step_timeout_ms: options.step_timeout_ms } : {}),
    ...(options.window !== undefined ? { window: options.window } : {}),
    ...(options.stall_ms !== undefined ? { stall_ms: options.stall_ms } : {}),
  });
  return {
    transport,
    barrier,
    platform_session: barrier,
    publishCommands: (c) => barrier.publishCommands(c),
    onCommand: (deliver) => (barrier.on_command = deliver),
    around_step: { before: () => transport.cork(), after: () => transport.uncork() },
    publishClock: (t_ms, speed) => barrier.publishClock(t_ms, speed),
    drain: (count, timeout_ms) => barrier.drain(count, timeout_ms),
    reconnect: () => barrier.reconnect(),
    suspended: () => barrier.awaitDisconnected(),
    connections: () => transport.connections,
    errors: () => transport.errors,
    // The platform stops consuming first, then every device leaves with DISCONNECT (no wills),
    // then the harness's own clients: nothing is published or applied after the run.
    close: async () => {
      barrier.stopConsuming();
      await transport.close();
      await barrier.close();
    },
  };
}

/**
 * Runs a scenario to its end in lockstep on the chosen transport and returns the summary. The
 * in-memory run goes through the same steps and barrier protocol as the MQTT run, which is what
 * makes their traces byte-identical. The only wall-clock reads are for reporting wall time.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunSummary> {
  // Refused before any process or connection is made: what a sharded run cannot do (docs/scale-out.md).
  if (options.shards !== undefined) checkShardable(scenario, options, options.platform !== false);
  // Shards start first: forked processes boot while this process builds its portfolio and
  // platform (docs/scale-out.md, "Cost"). runShards closes them; if the run fails before it gets
  // there, they are closed here.
  const shards = (options.shards ?? 0) >= 1 ? startShards(options) : undefined;
  // A failure to start surfaces where the links are awaited (runShards), not as an unhandled rejection.
  shards?.catch(() => {});
  try {
    return await runScenarioWith(scenario, options, shards);
  } finally {
    if (shards) await Promise.all((await shards.catch(() => [])).map((l) => l.close()));
  }
}

async function runScenarioWith(scenario: Scenario, options: RunOptions, shards: Promise<ShardLink[]> | undefined): Promise<RunSummary> {
  const wall = options.wall_clock_ms ?? (() => performance.now()); // wall-clock: report run duration only
  const wall_start = wall();
  const seed = options.seed ?? scenario.seed;
  const duration_ms = options.duration_ms ?? scenario.duration_ms;
  const portfolio = generatePortfolio(scenario.name, scenario.fleet);
  // The catalog: the scenario's images plus the installed base (so rollbacks have an image).
  const firmware = withInstalledFleet(scenario.firmware, portfolio.devices);
  // One index of the topology for the run: the oracle's, the fault runtime's and the platform's
  // tag lookups (a Map keyed by device is ~51 B a device; three of them were built before).
  const scope_index = new ScopeIndex(portfolio);
  // The oracle reads the trace as it is written: injected faults and the world's own facts.
  const oracle = options.platform === false ? undefined : new OracleCollector(scope_index);
  const sink = options.trace_sink;
  const trace = new TraceJournal(oracle && sink ? (l, k) => (sink(l, k), oracle.line(l, k)) : (oracle?.line ?? sink));
  const realtime = options.speed !== undefined;
  // A `platform_restart` fault holds the platform's input (the broker keeps it) until it is back.
  const gate = new PlatformGate<OrderedMessage>();
  // The platform in the loop: the same production logic, on the sim's clock, journalling every
  // decision into this run's trace (so the hash covers device → broker → platform → device).
  const platform_options = options.platform === false ? undefined : {
    timezone_of: siteTimezones(portfolio),
    building_type: buildingTypes(portfolio),
    firmware: platformReleases(firmware),
    tags_of: (id: string) => scope_index.device(id)?.tags ?? [],
    // The scenario's topology is the provisioning: a birth from anything else, or one claiming
    // another site, kind or model, is quarantined. No skew window: the run is on virtual time.
    admission: { provisioning: portfolioProvisioning(portfolio) },
    ...((options.platform?.monitoring ?? scenario.platform.monitoring) ? { monitoring: options.platform?.monitoring ?? scenario.platform.monitoring } : {}),
    // Criticality is part of the contract (a clinic's HVAC): the deployment config says which.
    // Patch compliance is measured against the newest approved version in the catalog unless the contract names one.
    contract: {
      ...(scenario.firmware.length > 0 ? { approved_firmware: approvedFirmware(firmware) } : {}),
      ...scenario.platform.contract,
      ...options.platform?.contract,
      // The contract may name more critical devices; those the fleet marks stay critical.
      critical_devices: [...new Set([...portfolio.devices.filter((d) => d.critical).map((d) => d.id), ...(scenario.platform.contract?.critical_devices ?? []), ...(options.platform?.contract?.critical_devices ?? [])])].sort(),
    },
  };
  const to_trace: Journal = (t, k, f) => trace.append(t, k, f);
  // The timeline and fault processes, compiled into a plan (ground truth) once: the store, the
  // shard checks, the fault runtime and a sharded run's coordinator all read the same one.
  const plan = compilePlan({ portfolio, seed, start_ms: scenario.start_ms, end_ms: scenario.start_ms + duration_ms, steps: scenario.timeline.steps, processes: scenario.timeline.processes });
  // The store: SQLite in --data, or memory when a platform restart needs something to come back from.
  const store_mode = options.platform_store ?? 'auto';
  const use_store = platform_options !== undefined && store_mode !== 'none' && (options.data_dir !== undefined || store_mode === 'memory' || plan.faults.some((f) => f.fault === 'platform_restart'));
  const memory_store = new MemoryStore();
  const openStore = (): PlatformStore => (options.data_dir !== undefined ? new SqliteStore(options.data_dir, { writer: 'simulator' }) : memory_store);
  let store: PlatformStore | undefined;
  let durable: DurablePlatform | undefined;
  let restarts = 0;
  let replayed_inputs = 0;
  let platform: Platform | undefined;
  if (platform_options && use_store) {
    store = openStore();
    if (store.last_seq > 0) {
      store.close();
      throw new MspError('RUN_DATA_NOT_EMPTY', `${options.data_dir ?? 'store'}: already holds a platform store; a simulated run starts from nothing (give it an empty --data directory)`);
    }
    durable = DurablePlatform.openWith(store, platform_options, to_trace, options.durability);
    platform = durable.platform;
  } else if (platform_options) {
    platform = new Platform({ ...platform_options, journal: to_trace });
  }
  const live = (): Platform => platform!;
  // A platform restart with a store: the process dies (what it had not committed is gone) and a
  // new one comes back from the store — snapshot, then the journal's tail replayed.
  const crashed = { down: false };
  const commit = (): void => {
    if (durable && !crashed.down) durable.commit();
  };
  const restartFromStore = (): void => {
    if (!durable || !store || !platform_options) return;
    store.close();
    store = openStore();
    durable = DurablePlatform.openWith(store, platform_options, to_trace, options.durability);
    platform = durable.platform;
    restarts++;
    replayed_inputs += durable.recovery.replayed_inputs;
  };
  const platform_gate = {
    down: (at_ms: number): void => {
      gate.down(at_ms);
      crashed.down = true;
      // Its connection goes too: the broker queues for its persistent session (lockstep only;
      // in real time the platform object reads on, held by nothing but the gate).
      if (!realtime) wired.wiring?.platform_session.down();
    },
    up: (at_ms: number): void => {
      gate.up(at_ms);
      if (!realtime) wired.wiring?.platform_session.up();
      crashed.down = false;
      restartFromStore();
    },
  };
  let sim_now = (): number => scenario.start_ms;
  let broker_up = (): boolean => true;
  const wired: { wiring?: Wiring } = {};
  // The platform's commands leave after each input it applied; while the broker is down they
  // cannot be published (in both modes alike, so memory and MQTT traces stay identical).
  const sendCommands = (t_ms: number): void => {
    if (!platform) return;
    const commands = platform.drainCommands();
    if (commands.length === 0) return;
    if (!broker_up()) {
      for (const c of commands) trace.append(t_ms, 'cmd', { d: c.device_id, a: c.payload.action, job: c.payload.job, ok: false, why: 'broker_down' });
      return;
    }
    wired.wiring?.publishCommands(commands);
  };
  const receiver = new StepReceiver(trace, {
    count_only: realtime,
    ...(platform
      ? {
          on_apply: (msgs: readonly OrderedMessage[], t: number) => {
            gate.step(msgs, t, {
              apply: (m, at) => live().applyStep(m, at),
              backlog: (m, at) => {
                for (const x of m) live().receive(x.topic, x.payload, at);
              },
            });
            sendCommands(t);
            commit();
          },
        }
      : {}),
    ...(platform && realtime
      ? {
          // Arrival order, stamped with the virtual time of the sim's latest advance (arrival-feed.ts).
          on_message: arrivalFeed(live, () => sim_now(), sendCommands),
        }
      : {}),
  });
  const wiring = await wire(options, portfolio, receiver);
  wired.wiring = wiring;
  let steps = 0;
  let connections: number | null = null;
  let max_lag_ms: number | null = null;
  let noc: Noc | undefined;
  let faults: FaultRuntime | undefined;
  // What the summary reads of the simulator: one Simulation's, or every shard's added up.
  let sim_stats: SimulationStats;
  let sim_end_ms = scenario.start_ms + duration_ms;
  let fault_stats: { started: number; not_applied: number; actions: number } | undefined;
  let ota_of: (id: string) => OtaFacts | undefined = () => undefined;
  const sim_view = { config: { portfolio } };
  /** What a sharded run's shards queued for the platform's session during restarts (one simulator's barrier counts its own). */
  let shard_queued_delivered = 0;
  try {
    if (shards !== undefined) {
      const step_ms = options.step_ms ?? DEFAULT_STEP_MS;
      const by_id = new Map(portfolio.devices.map((d) => [d.id, { spec: d }]));
      checkScriptedFaults({ device: (id) => by_id.get(id) as never }, scenario.faults);
      trace.append(scenario.start_ms, 'run', runLineFields(seed, portfolio.name, portfolio.devices.length, scenario.start_ms, sim_end_ms));
      const timeline = platformTimeline(plan, trace, platform ? live : undefined, options, scenario);
      const { outages, edges: outage_edges } = brokerOutageEdges([...(options.broker_outages ?? []), ...plannedBrokerOutages(plan, scenario.start_ms, sim_end_ms, step_ms)], scenario.start_ms, step_ms);
      // The broker as one simulator knows it when the platform applies a step: down from the step
      // that starts at an outage's edge (the shards lose it there) to the one that starts at its end.
      let link_up = true;
      broker_up = () => link_up;
      // Platform restarts: the coordinator holds the platform (its gate, its session, its store)
      // where one simulator's fault event would, before the lines of the step it falls in.
      const restart_edges = platformRestartEdges(plan);
      let next_restart_edge = 0;
      if (platform) {
        for (const r of scenario.rollouts) if (r.at_ms !== null) live().enqueue({ at_ms: scenario.start_ms + r.at_ms, kind: 'create', target: 'rollout', id: String(r.plan.id), by: 'scenario', plan: r.plan });
      }
      let events = 0;
      let sent = 0;
      // The NOC runs here, on the shards' reports of the fleet (docs/scale-out.md, "The NOC in a sharded run").
      const noc_world = platform && options.noc !== false ? new ShardNocWorld(portfolio, seed, trace, scenario.start_ms) : undefined;
      const sharded_noc = noc_world ? new Noc(noc_world, operatorPort(live), scenario.operations) : undefined;
      noc = sharded_noc;
      const r = await runShards(
        scenario,
        portfolio,
        { seed, duration_ms, step_ms, broker_outages: outages, ota_devices: () => (platform ? [...new Set(platform.patching.list().flatMap((x) => platform!.patching.jobs(x.id).map((j) => j.device_id)))].sort() : []) },
        {
          trace,
          receiver,
          complete: (step, t_ms, expected, wills) => {
            sent += expected;
            timeline.due(t_ms - 1);
            return wiring.barrier.complete(step, t_ms, expected, wills);
          },
          before_step: (step_start) => {
            const edge = outage_edges.get(step_start);
            if (edge) {
              link_up = edge === 'up';
              // Where one simulator tells it: at the step boundary, before the step's lines.
              if (platform) live().link(link_up, step_start);
            }
            for (; next_restart_edge < restart_edges.length && restart_edges[next_restart_edge]!.at_ms < step_start + step_ms; next_restart_edge++) {
              const e = restart_edges[next_restart_edge]!;
              if (!platform) continue;
              if (e.down) platform_gate.down(e.at_ms);
              else platform_gate.up(e.at_ms);
            }
          },
          after_step: (t) => options.on_step?.(t, { platform, sim: sim_view }),
          // Commands come only from rollouts: none exists and none is queued to start by then (the
          // NOC's acknowledgements and resolutions of incidents make none).
          // The timeline's rollout actions are queued as their steps are taken: look ahead for them too.
          quiet: (t) => platform === undefined || (platform.patching.list().length === 0 && platform.pendingActions(t, 'rollout') === 0 && !timeline.rolloutDueBy(t - 1)),
          on_hour: (t) => options.on_progress?.({ sim_ms: t, start_ms: scenario.start_ms, end_ms: sim_end_ms, events, messages: sent }),
          on_events: (n) => (events = n),
          window_steps: options.shard_window_steps,
          ...(noc_world && sharded_noc
            ? {
                noc: {
                  span_steps: nocWindowSteps(scenario.operations, step_ms),
                  vitals: (v: readonly DeviceVitals[]) => noc_world.apply(v),
                  boundary: (t: number) => {
                    noc_world.boundary(t);
                    sharded_noc.atBoundary();
                    return noc_world.drainRepairs();
                  },
                },
              }
            : {}),
        },
        options,
        shards!,
      );
      steps = r.steps;
      sim_stats = r.stats;
      fault_stats = r.faults;
      shard_queued_delivered = r.platform_queued_delivered;
      ota_of = r.ota_of;
      options.on_shards_done?.(r.shards);
    } else {
    const sim = new Simulation(
      // Telemetry is QoS 0 in real time (as fleets send it); in lockstep every message is counted, so QoS 1.
      { seed, start_ms: scenario.start_ms, duration_ms, portfolio, telemetry_qos: realtime ? 0 : 1, firmware: simFirmware(firmware) },
      { transport: wiring.transport, trace },
    );
    sim.start();
    const s = sim;
    sim_stats = sim.stats;
    sim_end_ms = sim.end_ms;
    ota_of = (id) => sim.device(id)?.ota ?? undefined;
    const step_ms = options.step_ms ?? DEFAULT_STEP_MS;
    // The plan played on the queue.
    checkScriptedFaults(s, scenario.faults);
    const timeline = platformTimeline(plan, trace, platform ? live : undefined, options, scenario);
    faults = new FaultRuntime(s, plan, platform ? { platform_gate } : {}, { step_ms, index: scope_index });
    if (realtime && faults.broker_outages.length > 0) throw new UsageError('RUN_OUTAGE_REALTIME', `${scenario.file}: the timeline's broker outages need lockstep step boundaries; drop --speed`);
    faults.schedule();
    sim_now = () => s.clock.now_ms;
    broker_up = () => s.broker_up;
    // Real time has no steps: a command is handed to its device as it arrives.
    if (realtime) wiring.onCommand((c) => s.deliverCommands([c]));
    // Scenario rollouts are operator actions, applied by the platform at their time.
    if (platform) {
      for (const r of scenario.rollouts) if (r.at_ms !== null) live().enqueue({ at_ms: scenario.start_ms + r.at_ms, kind: 'create', target: 'rollout', id: String(r.plan.id), by: 'scenario', plan: r.plan });
    }
    noc = platform && options.noc !== false ? new Noc(simulationNocWorld(s), operatorPort(live), scenario.operations) : undefined;
    const { outages, edges: outage_edges } = brokerOutageEdges([...(options.broker_outages ?? []), ...faults.broker_outages], scenario.start_ms, step_ms);
    if (outages.length > 0 && options.transport === 'mqtt' && !options.broker_control) throw new MspError('RUN_CONFIG', 'broker outages over MQTT need a broker the run controls (the embedded broker)');
    for (const o of outages) s.scheduleBrokerOutage(o.at_ms, o.duration_ms);
    const before_step = async (step_start: number): Promise<void> => {
      const edge = outage_edges.get(step_start);
      if (!edge) return;
      // The platform's own connection goes with the broker: it is told at the step boundary, on
      // every transport alike (the same inputs, so the same hash in memory and over MQTT).
      if (platform) live().link(edge === 'up', step_start);
      if (!options.broker_control) return;
      if (edge === 'down') {
        await options.broker_control.stop();
        await wiring.suspended();
      }
      else {
        await options.broker_control.start();
        await wiring.reconnect();
      }
    };
    const on_hour = (t: number): void => options.on_progress?.({ sim_ms: t, start_ms: scenario.start_ms, end_ms: s.end_ms, events: s.stats.events, messages: sentCount(s) });
    if (realtime) {
      const wall_ms = options.wall_clock_ms ?? (() => performance.now()); // wall-clock: real-time pacing is the point
      const r = await runRealtime(s, {
        speed: options.speed!,
        wall_ms,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), // wall-clock: real-time pacing
        publish_clock: wiring.publishClock,
        on_hour,
        // No steps in real time: the platform applies the NOC's queued actions and runs its timers
        // as the clock advances, so a demo shows incidents acknowledged and resolved.
        on_tick: (t) => {
          timeline.due(t);
          if (platform) {
            platform.applyStep([], t);
            sendCommands(t);
            commit();
          }
          noc?.atBoundary();
          options.on_step?.(t, { platform, sim: s });
        },
      });
      max_lag_ms = r.max_lag_ms;
      await wiring.drain(sentCount(s), 5_000);
    } else {
      steps = await runLockstep(s, {
        complete: async (step, t_ms, expected, wills) => {
          const errors = wiring.errors();
          if (errors.length > 0) throw new TransportFailure('MQTT_CLIENT_ERROR', `${errors.length} device connection errors, first: ${errors[0]!.client_id}: ${errors[0]!.message}; ${BROKER_HINTS}`);
          timeline.due(t_ms - 1);
          return wiring.barrier.complete(step, t_ms, expected, wills);
        },
      }, {
        step_ms,
        before_step,
        after_step: (t) => {
          noc?.atBoundary();
          options.on_step?.(t, { platform, sim: s });
        },
        ...(wiring.around_step ? { around_step: wiring.around_step } : {}),
        on_hour,
      });
    }
    fault_stats = faults.stats;
    }
  } catch (err) {
    // A failed run's trace ends here, with the reason: the teardown below applies nothing more.
    const e = err instanceof Error ? err : new Error(String(err));
    trace.append(sim_now(), 'fail', { code: (e as { code?: unknown }).code ?? 'ERROR', message: e.message });
    throw err;
  } finally {
    connections = wiring.connections();
    await wiring.close();
  }
  if (durable) commit();
  const store_stats = store?.stats();
  store?.close();
  const stats = sim_stats!;
  const messages = (): number => Object.values(stats.published).reduce((a, b) => a + b, 0);
  const report = platform?.sla.report(scenario.start_ms, sim_end_ms);
  if (platform && report) options.on_platform?.(platform, sim_view, report);
  const platform_summary = platform && report ? platformSummary(platform, report, noc) : null;
  trace.append(sim_end_ms, 'end', { events: stats.events, messages: messages(), steps });
  const oracle_report =
    platform && oracle
      ? oracle.finish({ end_ms: sim_end_ms, alerts: platform.alerts.all(), incidents: platform.incidents.all(), ...(report ? { sla: { report, contract: platform.config.contract, timezone_of: siteTimezones(portfolio) } } : {}) })
      : null;

  const wall_ms = Math.max(1, Math.round(wall() - wall_start));
  const by_kind = Object.fromEntries(countByKind(portfolio.devices)) as Partial<Record<DeviceKind, number>>;
  return {
    scenario: scenario.name,
    seed,
    transport: options.transport ?? 'memory',
    mqtt_mode: options.transport === 'mqtt' ? (options.mqtt?.mode ?? null) : null,
    connections,
    steps,
    shards: options.shards ?? 0,
    speed: options.speed ?? null,
    max_lag_ms,
    start_ms: scenario.start_ms,
    end_ms: sim_end_ms,
    sim_span_ms: duration_ms,
    wall_ms,
    devices: portfolio.devices.length,
    devices_by_kind: sorted(by_kind),
    sites: portfolio.sites.length,
    buildings: portfolio.sites.reduce((n, s) => n + s.buildings.length, 0),
    messages: messages(),
    messages_by_class: sorted(stats.published),
    messages_by_kind: sorted(stats.published_by_kind),
    received_by_monitor: receiver.received_total,
    dropped: { ...stats.dropped },
    broker_outages: stats.broker_outages,
    wills: stats.wills,
    events: stats.events,
    events_per_wall_s: Math.round((stats.events * 1000) / wall_ms),
    trace_lines: trace.lines,
    trace_bytes: trace.bytes,
    platform: platform_summary,
    rollouts: platform ? rolloutOutcomes(platform, ota_of) : [],
    faults: {
      injected: fault_stats?.started ?? 0,
      not_applied: fault_stats?.not_applied ?? 0,
      actions: fault_stats?.actions ?? 0,
      platform_backlog_max: gate.max_backlog,
      platform_backlog_dropped: gate.overflow,
      platform_session_resumes: wiring.platform_session.session.resumes,
      platform_queued_delivered: wiring.platform_session.session.queued_delivered + shard_queued_delivered,
      platform_stall_resumes: wiring.platform_session.session.stall_resumes,
    },
    store: store && store_stats ? { location: store.location, restarts, replayed_inputs, records: store_stats.records, snapshots: store_stats.snapshots, bytes: store_stats.bytes } : null,
    oracle: oracle_report,
    costs: noc ? noc.ledger() : null,
    trace_hash: trace.digestHex(),
  };
}

/**
 * A plan's platform restarts as the edges one simulator's fault events make, in the order they
 * fire: by time, then the order the fault runtime scheduled them (each fault's start, then its end).
 */
function platformRestartEdges(plan: FaultPlan): Array<{ at_ms: number; down: boolean }> {
  const edges: Array<{ at_ms: number; down: boolean; order: number }> = [];
  for (const f of plan.faults) {
    if (f.scope !== 'platform') continue;
    edges.push({ at_ms: f.start_ms, down: true, order: edges.length });
    if (f.end_ms !== null) edges.push({ at_ms: f.end_ms, down: false, order: edges.length });
  }
  return edges.sort((a, b) => a.at_ms - b.at_ms || a.order - b.order).map(({ at_ms, down }) => ({ at_ms, down }));
}

/**
 * A run's broker outages (given as offsets from the start) made absolute and whole steps on the
 * grid, and the step starts where the broker goes down or comes back: the same in one simulator
 * and in a sharded run's coordinator.
 */
function brokerOutageEdges(listed: ReadonlyArray<{ readonly at_ms: number; readonly duration_ms: number }>, start_ms: number, step_ms: number): { outages: Array<{ at_ms: number; duration_ms: number }>; edges: Map<number, 'down' | 'up'> } {
  const onGrid = (ms: number): number => Math.ceil(ms / step_ms) * step_ms;
  const outages: Array<{ at_ms: number; duration_ms: number }> = [];
  const edges = new Map<number, 'down' | 'up'>();
  for (const o of listed) {
    const at_ms = start_ms + onGrid(o.at_ms);
    const duration_ms = Math.max(step_ms, onGrid(o.duration_ms));
    outages.push({ at_ms, duration_ms });
    edges.set(at_ms, 'down');
    edges.set(at_ms + duration_ms, 'up');
  }
  return { outages, edges };
}

/**
 * The timeline's actions on the platform, carried out as the platform takes their steps
 * (harness/run/platform-timeline.ts); a timeline with rollout actions needs rollout control.
 */
function platformTimeline(plan: FaultPlan, trace: TraceJournal, platform: (() => Platform) | undefined, options: RunOptions, scenario: Scenario): PlatformTimeline {
  const rollouts = options.rollout_control ?? (platform ? platformRolloutControl(platform, scenario) : undefined);
  if (PlatformTimeline.needsRolloutControl(plan) && !rollouts) {
    throw new UsageError('RUN_NO_ROLLOUT_CONTROL', `${scenario.file}: the timeline starts, pauses or cancels rollouts, but this run has no platform (or rollout control) to carry them out`);
  }
  return new PlatformTimeline(plan, { trace, ...(platform ? { operator: operatorPort(platform) } : {}), ...(rollouts ? { rollouts } : {}) });
}

/** Timeline rollout actions as the platform's operator actions, queued with the action's time. */
function platformRolloutControl(platform: () => Platform, scenario: Scenario): RolloutControl {
  const plans = new Map(scenario.rollouts.map((r) => [String(r.plan.id), r.plan]));
  return {
    start: (id, at_ms) => platform().enqueue({ at_ms, kind: 'create', target: 'rollout', id, by: 'timeline', plan: plans.get(id) }),
    pause: (id, reason, at_ms) => platform().enqueue({ at_ms, kind: 'pause', target: 'rollout', id, by: 'timeline', reason }),
    resume: (id, at_ms) => platform().enqueue({ at_ms, kind: 'resume', target: 'rollout', id, by: 'timeline' }),
    cancel: (id, reason, at_ms) => platform().enqueue({ at_ms, kind: 'cancel', target: 'rollout', id, by: 'timeline', reason }),
  };
}
