import type { DeviceKind } from '../../platform/contract/messages.ts';
import { TraceJournal, type TraceSink } from '../../sim/kernel/trace.ts';
import { MemoryBus } from '../../sim/edge/memory-bus.ts';
import { MemoryTransport } from '../../sim/edge/memory-transport.ts';
import { GatewayMqttTransport } from '../../sim/edge/mqtt/gateway-transport.ts';
import { PerDeviceMqttTransport } from '../../sim/edge/mqtt/per-device-transport.ts';
import type { MqttTransportOptions } from '../../sim/edge/mqtt/session-options.ts';
import type { DeviceTransport } from '../../sim/edge/transport.ts';
import { Simulation } from '../../sim/simulation.ts';
import type { DropReason } from '../../sim/devices/twin.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { countByKind, type Portfolio } from '../../sim/world/topology.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { MemoryBarrier, MqttBarrier } from './barriers.ts';
import { runLockstep, sentCount, type StepBarrier } from './lockstep.ts';
import { StepReceiver, type ReceivedMessage } from './step-receiver.ts';
import { Platform, type PlatformOptions } from '../../platform/core/platform.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';
import { Noc } from '../../sim/actors/noc.ts';
import { checkScriptedFaults } from '../../sim/faults/scripted.ts';
import { compilePlan } from '../../sim/faults/plan.ts';
import { FaultRuntime, needsRolloutControl, type RolloutControl } from '../../sim/faults/runtime.ts';
import { PlatformGate } from '../../sim/faults/platform-gate.ts';
import { OracleCollector, type OracleReport } from '../expect/oracle.ts';
import { UsageError } from '../errors.ts';
import { buildingTypes, operatorPort, platformSummary, siteTimezones, type PlatformSummary } from './platform-wiring.ts';
import { platformReleases, simFirmware, withInstalledFleet } from '../scenario/firmware-catalog.ts';
import { approvedFirmware } from '../../platform/patching/releases.ts';
import type { OtaCommand } from '../../platform/patching/engine.ts';
import { rolloutOutcomes, type RolloutOutcome } from './rollout-outcomes.ts';
import type { InboundCommand } from '../../sim/simulation.ts';
import { runRealtime } from './realtime.ts';
import { MspError } from '../../common/errors.ts';

export type TransportName = 'memory' | 'mqtt';
export type MqttMode = 'per-device' | 'gateway';

export interface MqttRunOptions {
  readonly transport: MqttTransportOptions;
  readonly mode: MqttMode;
}

/** Lockstep step length: one simulated minute keeps barriers cheap and events well separated. */
export const DEFAULT_STEP_MS = 60_000;

export interface RunOptions {
  readonly seed?: string;
  readonly duration_ms?: number;
  readonly transport?: TransportName;
  /** Required when transport is mqtt: the broker and how devices map to connections. */
  readonly mqtt?: MqttRunOptions;
  readonly step_ms?: number;
  /** Real-time mode: pace virtual time at this many simulated ms per wall ms (no barrier). */
  readonly speed?: number;
  /**
   * Broker outages, offsets from the start. Each is moved onto the step grid (start rounded up,
   * duration rounded up to whole steps) so the real broker stops and starts between steps.
   */
  readonly broker_outages?: ReadonlyArray<{ readonly at_ms: number; readonly duration_ms: number }>;
  /** The real broker's stop/start, for outages over MQTT (the embedded broker provides them). */
  readonly broker_control?: { stop(): Promise<void>; start(): Promise<void> };
  /** The platform in the loop (default on); `false` runs the sim against a bare subscriber. */
  readonly platform?: false | { monitoring?: PlatformOptions['monitoring']; contract?: PlatformOptions['contract'] };
  /** The simulated NOC and field service (default on when the platform is). */
  readonly noc?: boolean;
  /** Receives the finished platform (reports are written from it). */
  readonly on_platform?: (platform: Platform, sim: Simulation, report: SlaReport) => void;
  /** Receives every trace line (the CLI writes them to a file). */
  readonly trace_sink?: TraceSink;
  /** Called about every simulated hour with progress; the CLI draws its bar from it. */
  readonly on_progress?: (p: RunProgress) => void;
  /** Injected wall clock for timing the run (the simulation itself never sees it). */
  readonly wall_clock_ms?: () => number;
  /** Carries out the timeline's rollout actions (start, pause, resume, cancel); required when it has any. */
  readonly rollout_control?: RolloutControl;
  /** Called after every lockstep step with the live platform (expectations checked during the run). */
  readonly on_step?: (step_end_ms: number, live: { readonly platform: Platform | undefined; readonly sim: Simulation }) => void;
}

export interface RunProgress {
  readonly sim_ms: number;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly events: number;
  readonly messages: number;
}

export interface RunSummary {
  readonly scenario: string;
  readonly seed: string;
  readonly transport: TransportName;
  readonly mqtt_mode: MqttMode | null;
  readonly connections: number | null;
  readonly steps: number;
  /** Real-time speed, or null for lockstep. */
  readonly speed: number | null;
  /** Real-time mode: the largest lag behind the wall-clock schedule (simulated ms). */
  readonly max_lag_ms: number | null;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly sim_span_ms: number;
  readonly wall_ms: number;
  readonly devices: number;
  readonly devices_by_kind: Partial<Record<DeviceKind, number>>;
  readonly sites: number;
  readonly buildings: number;
  readonly messages: number;
  readonly messages_by_class: Record<string, number>;
  readonly messages_by_kind: Partial<Record<DeviceKind, number>>;
  readonly received_by_monitor: number;
  readonly dropped: Record<DropReason, number>;
  readonly broker_outages: number;
  readonly wills: number;
  readonly events: number;
  readonly events_per_wall_s: number;
  readonly trace_lines: number;
  readonly trace_bytes: number;
  readonly platform: PlatformSummary | null;
  /** Each rollout's outcome (platform state joined with the simulator's ground truth: bricks, fallbacks). */
  readonly rollouts: readonly RolloutOutcome[];
  /** The timeline and fault processes as played: faults started, ones that could not take hold, actions run. */
  readonly faults: { readonly injected: number; readonly not_applied: number; readonly actions: number; readonly platform_backlog_max: number; readonly platform_backlog_dropped: number };
  /** Ground-truth scoring of the platform against the injected faults (null without a platform). */
  readonly oracle: OracleReport | null;
  readonly trace_hash: string;
}

function sorted<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

function parentMap(portfolio: Portfolio): Map<string, string> {
  const parent = new Map<string, string>();
  for (const d of portfolio.devices) if (d.gateway_id !== null) parent.set(d.id, d.gateway_id);
  return parent;
}

interface Wiring {
  transport: DeviceTransport;
  barrier: StepBarrier;
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
  const barrier = await MqttBarrier.connect(receiver, { transport: mqtt.transport });
  const transport = mqtt.mode === 'gateway' ? new GatewayMqttTransport(mqtt.transport, parentMap(portfolio)) : new PerDeviceMqttTransport(mqtt.transport);
  return {
    transport,
    barrier,
    publishCommands: (c) => barrier.publishCommands(c),
    onCommand: (deliver) => (barrier.on_command = deliver),
    around_step: { before: () => transport.cork(), after: () => transport.uncork() },
    publishClock: (t_ms, speed) => barrier.publishClock(t_ms, speed),
    drain: (count, timeout_ms) => barrier.drain(count, timeout_ms),
    reconnect: () => barrier.reconnect(),
    suspended: () => barrier.awaitDisconnected(),
    connections: () => transport.connections,
    errors: () => transport.errors,
    close: async () => {
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
  const wall = options.wall_clock_ms ?? (() => performance.now()); // wall-clock: report run duration only
  const wall_start = wall();
  const seed = options.seed ?? scenario.seed;
  const duration_ms = options.duration_ms ?? scenario.duration_ms;
  const portfolio = generatePortfolio(scenario.name, scenario.fleet);
  // The catalog: the scenario's images plus the installed base (so rollbacks have an image).
  const firmware = withInstalledFleet(scenario.firmware, portfolio.devices);
  const tags = new Map(portfolio.devices.map((d) => [d.id, d.tags]));
  // The oracle reads the trace as it is written: injected faults and the world's own facts.
  const oracle = options.platform === false ? undefined : new OracleCollector(portfolio);
  const sink = options.trace_sink;
  const trace = new TraceJournal(oracle && sink ? (l) => (sink(l), oracle.line(l)) : (oracle?.line ?? sink));
  const realtime = options.speed !== undefined;
  // A `platform_restart` fault holds the platform's input (the broker keeps it) until it is back.
  const gate = new PlatformGate<ReceivedMessage>();
  // The platform in the loop: the same production logic, on the sim's clock, journalling every
  // decision into this run's trace (so the hash covers device → broker → platform → device).
  const platform = options.platform === false ? undefined : new Platform({
    journal: (t, k, f) => trace.append(t, k, f),
    timezone_of: siteTimezones(portfolio),
    building_type: buildingTypes(portfolio),
    firmware: platformReleases(firmware),
    tags_of: (id) => tags.get(id) ?? [],
    ...((options.platform?.monitoring ?? scenario.platform.monitoring) ? { monitoring: options.platform?.monitoring ?? scenario.platform.monitoring } : {}),
    // Criticality is part of the contract (a clinic's HVAC): the deployment config says which.
    // Patch compliance is measured against the newest approved version in the catalog unless the contract names one.
    contract: {
      critical_devices: portfolio.devices.filter((d) => d.critical).map((d) => d.id),
      ...(scenario.firmware.length > 0 ? { approved_firmware: approvedFirmware(firmware) } : {}),
      ...scenario.platform.contract,
      ...options.platform?.contract,
    },
  });
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
          on_apply: (msgs: readonly ReceivedMessage[], t: number) => {
            gate.step(msgs, t, {
              apply: (m, at) => platform.applyStep(m, at),
              backlog: (m, at) => {
                for (const x of m) platform.receive(x.topic, x.payload, at);
              },
            });
            sendCommands(t);
          },
        }
      : {}),
    ...(platform && realtime
      ? {
          on_message: (m: ReceivedMessage) => {
            platform.receive(m.topic, m.payload, sim_now());
            sendCommands(sim_now());
          },
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
  let sim: Simulation;
  try {
    sim = new Simulation(
      // Telemetry is QoS 0 in real time (as fleets send it); in lockstep every message is counted, so QoS 1.
      { seed, start_ms: scenario.start_ms, duration_ms, portfolio, telemetry_qos: realtime ? 0 : 1, firmware: simFirmware(firmware) },
      { transport: wiring.transport, trace },
    );
    sim.start();
    const s = sim;
    const step_ms = options.step_ms ?? DEFAULT_STEP_MS;
    // The timeline and fault processes, compiled into a plan (ground truth) and played on the queue.
    checkScriptedFaults(s, scenario.faults);
    const plan = compilePlan({ portfolio, seed, start_ms: scenario.start_ms, end_ms: s.end_ms, steps: scenario.timeline.steps, processes: scenario.timeline.processes });
    // The timeline's rollout actions become operator actions on the platform, applied at their time.
    const rollout_control: RolloutControl | undefined = options.rollout_control ?? (platform ? platformRolloutControl(platform, scenario, () => s.clock.now_ms) : undefined);
    if (needsRolloutControl(plan) && !rollout_control) {
      throw new UsageError('RUN_NO_ROLLOUT_CONTROL', `${scenario.file}: the timeline starts, pauses or cancels rollouts, but this run has no rollout control wired in`);
    }
    faults = new FaultRuntime(s, plan, {
      ...(platform ? { operator: operatorPort(platform), platform_gate: gate } : {}),
      ...(rollout_control ? { rollouts: rollout_control } : {}),
    }, { step_ms });
    if (realtime && faults.broker_outages.length > 0) throw new UsageError('RUN_OUTAGE_REALTIME', `${scenario.file}: the timeline's broker outages need lockstep step boundaries; drop --speed`);
    faults.schedule();
    sim_now = () => s.clock.now_ms;
    broker_up = () => s.broker_up;
    // Real time has no steps: a command is handed to its device as it arrives.
    if (realtime) wiring.onCommand((c) => s.deliverCommands([c]));
    // Scenario rollouts are operator actions, applied by the platform at their time.
    if (platform) {
      for (const r of scenario.rollouts) if (r.at_ms !== null) platform.enqueue({ at_ms: scenario.start_ms + r.at_ms, kind: 'create', target: 'rollout', id: String(r.plan.id), by: 'scenario', plan: r.plan });
    }
    noc = platform && options.noc !== false ? new Noc(s, operatorPort(platform)) : undefined;
    const onGrid = (ms: number): number => Math.ceil(ms / step_ms) * step_ms;
    const outage_edges = new Map<number, 'down' | 'up'>();
    for (const o of [...(options.broker_outages ?? []), ...faults.broker_outages]) {
      const at = scenario.start_ms + onGrid(o.at_ms);
      const duration = Math.max(step_ms, onGrid(o.duration_ms));
      if (options.transport === 'mqtt' && !options.broker_control) throw new MspError('RUN_CONFIG', 'broker outages over MQTT need a broker the run controls (the embedded broker)');
      s.scheduleBrokerOutage(at, duration);
      outage_edges.set(at, 'down');
      outage_edges.set(at + duration, 'up');
    }
    const before_step = async (step_start: number): Promise<void> => {
      const edge = outage_edges.get(step_start);
      if (!edge || !options.broker_control) return;
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
          if (platform) {
            platform.applyStep([], t);
            sendCommands(t);
          }
          noc?.observe();
          options.on_step?.(t, { platform, sim: s });
        },
      });
      max_lag_ms = r.max_lag_ms;
      await wiring.drain(sentCount(s), 5_000);
    } else {
      steps = await runLockstep(s, {
        complete: async (step, t_ms, expected) => {
          const errors = wiring.errors();
          if (errors.length > 0) throw new MspError('MQTT_CLIENT_ERROR', `${errors.length} device connection errors, first: ${errors[0]!.client_id}: ${errors[0]!.message}`);
          return wiring.barrier.complete(step, t_ms, expected);
        },
      }, {
        step_ms,
        before_step,
        after_step: (t) => {
          noc?.observe();
          options.on_step?.(t, { platform, sim: s });
        },
        ...(wiring.around_step ? { around_step: wiring.around_step } : {}),
        on_hour,
      });
    }
  } finally {
    connections = wiring.connections();
    await wiring.close();
  }
  const messages = (): number => Object.values(sim.stats.published).reduce((a, b) => a + b, 0);
  const report = platform?.sla.report(scenario.start_ms, sim.end_ms);
  if (platform && report) options.on_platform?.(platform, sim, report);
  const platform_summary = platform && report ? platformSummary(platform, report, noc) : null;
  trace.append(sim.end_ms, 'end', { events: sim.stats.events, messages: messages(), steps });
  const oracle_report = platform && oracle ? oracle.finish({ end_ms: sim.end_ms, alerts: platform.alerts.all(), incidents: platform.incidents.all() }) : null;

  const wall_ms = Math.max(1, Math.round(wall() - wall_start));
  const by_kind = Object.fromEntries(countByKind(portfolio.devices)) as Partial<Record<DeviceKind, number>>;
  return {
    scenario: scenario.name,
    seed,
    transport: options.transport ?? 'memory',
    mqtt_mode: options.transport === 'mqtt' ? (options.mqtt?.mode ?? null) : null,
    connections,
    steps,
    speed: options.speed ?? null,
    max_lag_ms,
    start_ms: scenario.start_ms,
    end_ms: sim.end_ms,
    sim_span_ms: duration_ms,
    wall_ms,
    devices: portfolio.devices.length,
    devices_by_kind: sorted(by_kind),
    sites: portfolio.sites.length,
    buildings: portfolio.sites.reduce((n, s) => n + s.buildings.length, 0),
    messages: messages(),
    messages_by_class: sorted(sim.stats.published),
    messages_by_kind: sorted(sim.stats.published_by_kind),
    received_by_monitor: receiver.received_total,
    dropped: { ...sim.stats.dropped },
    broker_outages: sim.stats.broker_outages,
    wills: sim.stats.wills,
    events: sim.stats.events,
    events_per_wall_s: Math.round((sim.stats.events * 1000) / wall_ms),
    trace_lines: trace.lines,
    trace_bytes: trace.bytes,
    platform: platform_summary,
    rollouts: platform ? rolloutOutcomes(platform, sim) : [],
    faults: {
      injected: faults?.stats.started ?? 0,
      not_applied: faults?.stats.not_applied ?? 0,
      actions: faults?.stats.actions ?? 0,
      platform_backlog_max: gate.max_backlog,
      platform_backlog_dropped: gate.overflow,
    },
    oracle: oracle_report,
    trace_hash: trace.digestHex(),
  };
}

/** Timeline rollout actions as the platform's operator actions, queued at the sim's current time. */
function platformRolloutControl(platform: Platform, scenario: Scenario, now_ms: () => number): RolloutControl {
  const plans = new Map(scenario.rollouts.map((r) => [String(r.plan.id), r.plan]));
  return {
    start: (id) => platform.enqueue({ at_ms: now_ms(), kind: 'create', target: 'rollout', id, by: 'timeline', plan: plans.get(id) }),
    pause: (id, reason) => platform.enqueue({ at_ms: now_ms(), kind: 'pause', target: 'rollout', id, by: 'timeline', reason }),
    resume: (id) => platform.enqueue({ at_ms: now_ms(), kind: 'resume', target: 'rollout', id, by: 'timeline' }),
    cancel: (id, reason) => platform.enqueue({ at_ms: now_ms(), kind: 'cancel', target: 'rollout', id, by: 'timeline', reason }),
  };
}
