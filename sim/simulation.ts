import { OtaCommandPayload, type DeviceKind } from '../platform/contract/messages.ts';
import { deviceTopic, MessageClass, parseCommandTopic } from '../platform/contract/topics.ts';
import { firmwareProfile, type FirmwareBehaviour, type FirmwareProfile } from './devices/firmware.ts';
import type { FirmwareImage } from './devices/ota.ts';
import { canonicalJson } from '../platform/contract/canonical-json.ts';
import { VirtualClock } from './kernel/clock.ts';
import { SimError } from './kernel/errors.ts';
import { EventQueue, fireEvent, isLive, Priority } from './kernel/event-queue.ts';
import { RngTree } from './kernel/rng.ts';
import { publishLine, traceLine, type TraceJournal } from './kernel/trace.ts';
import { StepLines, type StepLineBatch } from './kernel/step-lines.ts';
import { BEHAVIOURS } from './devices/kinds/index.ts';
import { DeviceTwin, type Delivery, type DeviceHost, type DropReason } from './devices/twin.ts';
import type { DeviceTransport } from './edge/transport.ts';
import { DeviceWill } from './devices/device-will.ts';
import type { Portfolio } from './world/topology.ts';
import { WorldState } from './world/world-state.ts';

export interface SimulationConfig {
  readonly seed: string;
  readonly start_ms: number;
  readonly duration_ms: number;
  readonly portfolio: Portfolio;
  /** QoS for telemetry: 1 in lockstep and memory runs (every message counted), 0 in real-time mode. */
  readonly telemetry_qos: 0 | 1;
  /** Upper bound on events processed; exceeding it fails the run loudly. */
  readonly max_events?: number;
  /** The scenario's firmware catalog: images on the update server and how each version behaves. */
  readonly firmware?: readonly SimFirmwareEntry[];
  /**
   * Set when this simulator holds one shard of a portfolio (`portfolio` is then that shard's
   * sites): the coordinator writes the run's own lines (docs/scale-out.md).
   */
  readonly shard?: { readonly index: number; readonly count: number };
}

/** A device's state as the NOC reads it: `[id, dead, bricked]` (Simulation.drainVitals). */
export type DeviceVitals = readonly [id: string, dead: boolean, bricked: boolean];

export interface SimFirmwareEntry {
  readonly image: FirmwareImage;
  readonly behaviour: FirmwareBehaviour;
}

/** A command as it arrived from the broker (topic and raw payload). */
export interface InboundCommand {
  readonly topic: string;
  readonly payload: string;
}

export interface SimulationDeps {
  readonly transport: DeviceTransport;
  readonly trace: TraceJournal;
  /**
   * Where a step's lines go at its end, in the trace's order; by default into `trace`. A shard
   * hands them to its coordinator, which merges every shard's batch (sim/kernel/step-lines.ts).
   */
  readonly step_lines?: (batch: StepLineBatch, position: Int32Array | null) => void;
}

export interface SimulationStats {
  events: number;
  published: Record<string, number>;
  published_by_kind: Partial<Record<DeviceKind, number>>;
  dropped: Record<DropReason, number>;
  broker_outages: number;
  wills: number;
  /** Platform commands that reached the device's side (delivered or lost). */
  commands: number;
  /**
   * Ticks of the zones' 5-minute clock (counted in `events` too). Every shard runs the same
   * ticks, so a sharded run counts them once: Σ events − (shards − 1) × world_ticks.
   */
  world_ticks: number;
  /**
   * Broker outage edges fired, down and up (counted in `events` too). Every shard loses and
   * regains the broker with its own devices, so a sharded run counts them once, like world_ticks.
   */
  broker_edges: number;
}

/** A command for one of this simulator's devices, or one nobody can act on (traced as unrecognised). */
export type RoutedCommand = { readonly ok: true; readonly device_id: string; readonly command: OtaCommandPayload } | { readonly ok: false; readonly topic: string };

/**
 * The platform's commands of a step in canonical order (topic, then payload), each parsed and
 * checked against the devices that exist: the same for one simulator and for a coordinator that
 * hands each to the shard holding its device.
 */
export function routeCommands(commands: readonly InboundCommand[], exists: (device_id: string) => boolean): RoutedCommand[] {
  const sorted = [...commands].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.payload < b.payload ? -1 : a.payload > b.payload ? 1 : 0));
  return sorted.map((c): RoutedCommand => {
    const parsed = parseCommandTopic(c.topic);
    let payload: OtaCommandPayload | undefined;
    try {
      const result = OtaCommandPayload.safeParse(JSON.parse(c.payload));
      payload = result.success ? result.data : undefined;
    } catch {
      payload = undefined;
    }
    if (!parsed || !exists(parsed.device_id) || parsed.command !== 'ota' || payload === undefined) return { ok: false, topic: c.topic.slice(0, 128) };
    return { ok: true, device_id: parsed.device_id, command: payload };
  });
}

/** Zones' thermal state advances on a fixed 5-minute grid, independent of which devices exist. */
const ZONE_STEP_MS = 5 * 60_000;

/**
 * The deterministic world: a clock, an event queue, the zones' physics and every device twin.
 * It talks to the outside only through the injected transport (devices' MQTT sessions) and the
 * trace journal, so the same instance runs on the in-memory bus, over real MQTT in lockstep, or
 * paced against the wall clock by an adapter.
 */
export class Simulation implements DeviceHost {
  readonly #children_of = new Map<string, DeviceTwin[]>();
  readonly config: SimulationConfig;
  readonly clock: VirtualClock;
  readonly queue: EventQueue;
  readonly world: WorldState;
  readonly rng: RngTree;
  readonly twins: readonly DeviceTwin[];
  readonly end_ms: number;
  readonly stats: SimulationStats = {
    events: 0,
    published: {},
    published_by_kind: {},
    dropped: { radio_loss: 0, parent_down: 0, outbox_full: 0, reboot: 0 },
    broker_outages: 0,
    wills: 0,
    commands: 0,
    world_ticks: 0,
    broker_edges: 0,
  };
  /** Lines of the step being run (between the start and the end of `runUntil`). */
  readonly #lines = new StepLines();
  #in_step = false;
  #publishing_line = -1;
  readonly #deps: SimulationDeps;
  readonly #by_id = new Map<string, DeviceTwin>();
  #will_times: Array<[string, number]> = [];
  readonly #max_events: number;
  readonly #firmware = new Map<string, SimFirmwareEntry>();
  readonly #profiles = new Map<string, FirmwareProfile>();
  #broker_up = true;
  #vitals: Set<DeviceTwin> | null = null;

  constructor(config: SimulationConfig, deps: SimulationDeps) {
    if (!Number.isSafeInteger(config.duration_ms) || config.duration_ms <= 0) {
      throw new SimError('SIM_INVALID_ARGUMENT', `duration must be a positive integer ms, got ${config.duration_ms}`);
    }
    this.config = config;
    this.#deps = deps;
    this.#max_events = config.max_events ?? 2_000_000_000;
    for (const f of config.firmware ?? []) this.#firmware.set(`${f.image.model}@${f.image.version}`, f);
    this.clock = new VirtualClock(config.start_ms);
    this.end_ms = config.start_ms + config.duration_ms;
    this.queue = new EventQueue();
    this.rng = new RngTree(config.seed);
    this.world = new WorldState(config.portfolio, config.seed, config.start_ms);

    const children = new Map<string, number>();
    for (const d of config.portfolio.devices) if (d.gateway_id) children.set(d.gateway_id, (children.get(d.gateway_id) ?? 0) + 1);
    this.twins = config.portfolio.devices.map((spec) => {
      const twin = new DeviceTwin(spec, this.rng.owned('device/', spec.id), this, BEHAVIOURS[spec.kind]);
      if (spec.kind === 'gateway') twin.local.children = children.get(spec.id) ?? 0;
      this.#by_id.set(spec.id, twin);
      return twin;
    });
    // Portfolio order, so a gateway's devices lose their path in a fixed order.
    for (const twin of this.twins) {
      const gateway_id = twin.spec.gateway_id;
      if (!gateway_id) continue;
      const list = this.#children_of.get(gateway_id) ?? [];
      list.push(twin);
      this.#children_of.set(gateway_id, list);
    }
  }

  /** Schedules the power-on of the whole fleet and the world's own clockwork. */
  start(): void {
    const t0 = this.config.start_ms;
    if (this.config.shard === undefined) this.#deps.trace.append(t0, 'run', runLineFields(this.config.seed, this.config.portfolio.name, this.twins.length, t0, this.end_ms));
    // Gateways first; their devices join once the gateway has booted (as a Zigbee mesh re-forms).
    const gateway_boot_ms = 60_000;
    for (const twin of this.twins) {
      const stagger = twin.spec.kind === 'gateway' ? twin.rng.int(0, 10_000) : gateway_boot_ms + twin.rng.int(0, 120_000);
      twin.powerOn(t0 + stagger);
    }
    const first_tick = Math.ceil(t0 / ZONE_STEP_MS) * ZONE_STEP_MS;
    this.queue.schedule(first_tick, Priority.world, 'zones', () => this.#zoneTick());
  }

  #zoneTick(): void {
    const now = this.clock.now_ms;
    this.stats.world_ticks++;
    for (const zone of this.world.zones()) zone.advanceTo(now);
    this.queue.schedule(now + ZONE_STEP_MS, Priority.world, 'zones', () => this.#zoneTick());
  }

  /** Executes every event with at_ms ≤ until_ms and leaves the clock at until_ms. */
  runUntil(until_ms: number): void {
    const limit = Math.min(until_ms, this.end_ms);
    this.#in_step = true;
    try {
      for (;;) {
        const next = this.queue.peek();
        if (next === undefined || next.at_ms > limit) break;
        this.queue.pop();
        this.clock.advanceTo(next.at_ms);
        if (++this.stats.events > this.#max_events) {
          throw new SimError('SIM_BOUND_EXCEEDED', `run exceeded ${this.#max_events} events at t=${next.at_ms} (last: ${next.label})`);
        }
        if (isLive(next)) fireEvent(next);
      }
      if (limit > this.clock.now_ms) this.clock.advanceTo(limit);
    } finally {
      this.#in_step = false;
      this.#flushLines();
    }
  }

  /** The step's lines, in the trace's order, to the trace (or to the shard's coordinator). */
  #flushLines(): void {
    if (this.#lines.size === 0) return;
    if (this.#deps.step_lines) {
      const { batch, position } = this.#lines.takeIndexed();
      return this.#deps.step_lines(batch, position);
    }
    this.#lines.drainTo(this.#appendLine);
  }

  /** The trace's appendLine, made once (the step's lines are written through it at every step's end). */
  readonly #appendLine = (kind: string, line: string): void => this.#deps.trace.appendLine(kind, line);

  /**
   * A line of the simulator's: held for the step's end while a step runs (its place in the trace
   * is decided by time and site, docs/scale-out.md), written at once between steps.
   */
  #record(site: string, kind: string, fields: Record<string, unknown>): void {
    const now = this.clock.now_ms;
    if (this.#in_step) this.#lines.push(now, site, kind, traceLine(now, kind, fields));
    else this.#deps.trace.append(now, kind, fields);
  }

  /** Time of the next pending event, for lockstep drivers that skip empty stretches. */
  nextEventAt(): number | undefined {
    return this.queue.peek()?.at_ms;
  }

  device(id: string): DeviceTwin | undefined {
    return this.#by_id.get(id);
  }

  /**
   * Commands the platform sent in the last step, in canonical order, delivered at their own
   * time. A command for a device that has no session when it arrives is lost, as it is on a
   * clean MQTT session (the platform's timeouts notice).
   */
  deliverCommands(commands: readonly InboundCommand[]): void {
    for (const c of routeCommands(commands, (id) => this.#by_id.has(id))) {
      if (c.ok) this.scheduleCommand(c.device_id, c.command);
      else this.fact('cmd', unrecognisedCommand(c.topic));
    }
  }

  /** One command for one of this simulator's devices (routed by `routeCommands`), due at its own time. */
  scheduleCommand(device_id: string, cmd: OtaCommandPayload): void {
    const twin = this.#by_id.get(device_id);
    if (twin === undefined) throw new SimError('SIM_INVALID_ARGUMENT', `command for ${device_id}, which this simulator does not hold`);
    const at_ms = Math.max(this.clock.now_ms + 1, cmd.ts);
    this.queue.schedule(at_ms, Priority.command, 'cmd', () => {
      const reachable = twin.connected && twin.power === 'online' && this.parentUp(twin);
      this.fact('cmd', { d: twin.id, a: cmd.action, job: cmd.job, fw: cmd.fw, ok: reachable });
      this.stats.commands++;
      if (reachable) twin.onCommand(cmd);
    });
  }

  // ---- DeviceHost ----

  firmwareProfile(model: string, version: string): FirmwareProfile {
    const key = `${model}@${version}`;
    let p = this.#profiles.get(key);
    if (p === undefined) {
      p = firmwareProfile(model, version, this.#firmware.get(key)?.behaviour);
      this.#profiles.set(key, p);
    }
    return p;
  }

  image(model: string, version: string): FirmwareImage | undefined {
    return this.#firmware.get(`${model}@${version}`)?.image;
  }

  pathLost(gateway: DeviceTwin): void {
    for (const child of this.#children_of.get(gateway.id) ?? []) child.linkLost('parent_down');
  }

  closeSession(twin: DeviceTwin): void {
    const session = twin.broker_session;
    if (!session) return;
    twin.broker_session = null;
    session.close();
  }

  openSession(twin: DeviceTwin): void {
    twin.broker_session?.close();
    twin.broker_session = this.#deps.transport.open(twin.id, new DeviceWill(twin));
  }

  loseSession(twin: DeviceTwin, reason: string): void {
    const session = twin.broker_session;
    if (!session) return;
    twin.broker_session = null;
    if (!this.parentUp(twin) || !this.#parentConnected(twin)) {
      // The device's path to the broker is already gone with its gateway (dead, or cut off by an
      // uplink outage): nothing can carry a will for it (in gateway mode there is no connection
      // to close), so none is published.
      this.#record(twin.spec.site_id, 'lost', { c: twin.id, reason });
      session.close();
      return;
    }
    this.stats.wills++;
    // The broker publishes the will; the sim records that it caused it (lockstep counts it too).
    this.#record(twin.spec.site_id, 'will', { c: twin.id, reason, p: twin.willPayload() });
    this.#will_times.push([deviceTopic(twin.spec.site_id, twin.id, MessageClass.state), this.clock.now_ms]);
    session.drop();
  }

  /**
   * Starts noting which devices may have died, come back or been repaired (`drainVitals`): a
   * shard's coordinator runs the NOC and reads the fleet's state from these (docs/scale-out.md).
   */
  watchVitals(): void {
    this.#vitals ??= new Set();
  }

  vitalsChanged(twin: DeviceTwin): void {
    this.#vitals?.add(twin);
  }

  /** The noted devices' state now, `[id, dead, bricked]`, in the order they were noted; forgets them. */
  drainVitals(): DeviceVitals[] {
    const set = this.#vitals;
    if (set === null || set.size === 0) return [];
    const out: DeviceVitals[] = [];
    for (const t of set) out.push([t.id, t.power === 'dead', t.ota?.bricked === true]);
    set.clear();
    return out;
  }

  /**
   * A technician's visit: at `at_ms` each device is repaired (a new battery, a replacement unit
   * for a bricked one on its firmware when given, power back on). The NOC books it when the
   * technician leaves, at least the travel time ahead, so a shard hears of it in time.
   */
  scheduleRepair(at_ms: number, devices: ReadonlyArray<readonly [id: string, replacement_fw: string | null]>, by: string): void {
    if (!Number.isSafeInteger(at_ms) || at_ms <= this.clock.now_ms) throw new SimError('SIM_INVALID_ARGUMENT', `a repair at ${at_ms} is not after the clock (${this.clock.now_ms})`);
    const twins = devices.map(([id, fw]) => {
      const twin = this.#by_id.get(id);
      if (twin === undefined) throw new SimError('SIM_INVALID_ARGUMENT', `repair of ${id}, which this simulator does not hold`);
      return [twin, fw] as const;
    });
    this.queue.schedule(at_ms, Priority.field, 'noc-repair', () => {
      for (const [twin, fw] of twins) twin.repair(by, fw ?? undefined);
    });
  }

  /**
   * The wills the broker published since the last call, as (topic, virtual time) pairs: a will
   * carries no `ts`, so the lockstep marker tells the platform when in the step it went out (a
   * broker publishes it the moment it notices the session died, not at the step's end).
   */
  drainWillTimes(): Array<[string, number]> {
    const out = this.#will_times;
    this.#will_times = [];
    return out;
  }

  publish(twin: DeviceTwin, message_class: MessageClass, payload: Record<string, unknown>, delivery: Delivery, retain: boolean): void {
    const session = twin.broker_session;
    if (!session) throw new SimError('SIM_INVALID_ARGUMENT', `device ${twin.id} published ${message_class} without a session`);
    const topic = twin.topic(message_class);
    const json = canonicalJson(twin.faults?.payload ? twin.faults.payload(twin, message_class, payload) : payload);
    const qos = delivery === 'telemetry' ? this.config.telemetry_qos : 1;
    const now = this.clock.now_ms;
    if (this.#in_step) {
      this.#lines.push(now, twin.spec.site_id, 'pub', publishLine(now, twin.id, topic, json, qos, retain));
      this.#publishing_line = this.#lines.size - 1;
    } else this.#deps.trace.appendPublish(now, twin.id, topic, json, qos, retain);
    this.stats.published[message_class] = (this.stats.published[message_class] ?? 0) + 1;
    this.stats.published_by_kind[twin.spec.kind] = (this.stats.published_by_kind[twin.spec.kind] ?? 0) + 1;
    try {
      session.publish(topic, json, qos, retain);
    } finally {
      this.#publishing_line = -1;
    }
  }

  /**
   * While the transport delivers a device's publish: the place, among the lines pushed so far in
   * this step, of the `pub` line that carries the same topic and payload; -1 otherwise (a will, a
   * publish between steps). A shard sends its coordinator that place instead of the payload again.
   */
  get publishing_line(): number {
    return this.#publishing_line;
  }

  abandonSession(twin: DeviceTwin): void {
    const session = twin.broker_session;
    if (!session) return;
    twin.broker_session = null;
    session.abandon();
  }

  canConnect(twin: DeviceTwin): boolean {
    if (!this.#broker_up || twin.link_blocks > 0) return false;
    const gw = twin.spec.gateway_id;
    if (gw === null) return true;
    const parent = this.#by_id.get(gw);
    return parent !== undefined && parent.power === 'online' && parent.connected;
  }

  get broker_up(): boolean {
    return this.#broker_up;
  }

  /**
   * A broker outage from `at_ms` for `duration_ms`: every session dies with the broker (no wills:
   * nobody is left to send them), devices store reports and retry with jittered backoff, and the
   * broker comes back at the end. Over MQTT the harness stops and restarts the real broker at the
   * same step boundaries.
   */
  scheduleBrokerOutage(at_ms: number, duration_ms: number, record = true): void {
    // In a sharded run every shard loses the broker with its own devices; one (shard 0) writes the
    // run's `broker` lines, which belong to no site.
    this.queue.schedule(at_ms, Priority.fault, 'broker-down', () => {
      this.#broker_up = false;
      this.stats.broker_outages++;
      this.stats.broker_edges++;
      if (record) this.fact('broker', { s: 'down' });
      for (const twin of this.twins) twin.brokerLost();
    });
    this.queue.schedule(at_ms + duration_ms, Priority.fault, 'broker-up', () => {
      this.#broker_up = true;
      this.stats.broker_edges++;
      if (record) this.fact('broker', { s: 'up' });
    });
  }

  #parentConnected(twin: DeviceTwin): boolean {
    const gw = twin.spec.gateway_id;
    return gw === null || this.#by_id.get(gw)?.connected === true;
  }

  parentUp(twin: DeviceTwin): boolean {
    const gw = twin.spec.gateway_id;
    if (gw === null) return true;
    return this.#by_id.get(gw)?.power === 'online';
  }

  /**
   * A ground-truth line. Its site (for the trace's order) is `site` when given, else the site of
   * the device named by `d`, else none (`''`: the line belongs to the whole run).
   */
  fact(kind: string, fields: Record<string, unknown>, site?: string): void {
    const d = fields.d;
    this.#record(site ?? (typeof d === 'string' ? this.#by_id.get(d)?.spec.site_id : undefined) ?? '', kind, fields);
  }

  dropped(twin: DeviceTwin, why: DropReason, message_class: MessageClass): void {
    this.stats.dropped[why]++;
    this.#record(twin.spec.site_id, 'drop', { d: twin.id, why, cls: message_class });
  }
}

/** The run line's fields: written by the simulator, or by a sharded run's coordinator for the whole portfolio. */
export function runLineFields(seed: string, portfolio: string, devices: number, start_ms: number, end_ms: number): Record<string, unknown> {
  return { seed, portfolio, devices, start_ms, end_ms };
}

/** The line of a command nobody can act on (unknown device, topic or payload). */
export function unrecognisedCommand(topic: string): Record<string, unknown> {
  return { topic, ok: false, why: 'unrecognised' };
}
