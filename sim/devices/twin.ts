import type { DeviceState, OtaCommandPayload } from '../../platform/contract/messages.ts';
import { deviceTopic, MessageClass } from '../../platform/contract/topics.ts';
import type { Clock } from '../kernel/clock.ts';
import type { DeviceSession } from '../edge/transport.ts';
import { Priority, type EventQueue, type ScheduledEvent } from '../kernel/event-queue.ts';
import type { Rng } from '../kernel/rng.ts';
import type { WorldState, ZoneModel } from '../world/world-state.ts';
import type { DeviceSpec } from '../world/topology.ts';
import { BoundedBuffer } from '../kernel/bounds.ts';
import { Battery } from './battery.ts';
import type { FirmwareProfile } from './firmware.ts';
import { applyFirmwareQuirks } from './firmware-quirks.ts';
import { OtaAgent, type FirmwareImage } from './ota.ts';
import { modelById, type DeviceModel } from './models.ts';
import { RadioLink } from './radio-link.ts';
import { flatString } from '../../common/flat-string.ts';

export type Values = Record<string, number | boolean | string>;

/** Why a report never reached the broker (each is counted and traced). */
export type DropReason = 'radio_loss' | 'parent_down' | 'outbox_full' | 'reboot';

/** How important a message is; the transport maps it to a QoS (telemetry may be QoS 0 in real-time mode). */
export type Delivery = 'telemetry' | 'reliable';

/** What the simulation gives a device: time, the world, and its connection to the broker. */
export interface DeviceHost {
  readonly clock: Clock;
  readonly queue: EventQueue;
  readonly world: WorldState;
  /** Opens the device's MQTT session (with its last will on the state topic). */
  openSession(twin: DeviceTwin): void;
  /** Ends the session without DISCONNECT: the broker publishes the will. */
  loseSession(twin: DeviceTwin, reason: string): void;
  /** Forgets a session whose connection died with the broker (no will can be sent). */
  abandonSession(twin: DeviceTwin): void;
  /** Whether a connection attempt would succeed now (broker up; for radio devices, gateway connected). */
  canConnect(twin: DeviceTwin): boolean;
  publish(twin: DeviceTwin, message_class: MessageClass, payload: Record<string, unknown>, delivery: Delivery, retain: boolean): void;
  /** Whether the device's parent gateway can carry traffic right now. */
  parentUp(twin: DeviceTwin): boolean;
  /** A ground-truth record for the trace: something happened in the world that messages only hint at. */
  fact(kind: string, fields: Record<string, unknown>, site?: string): void;
  /** Counts a report the device made that never reached the broker. */
  dropped(twin: DeviceTwin, why: DropReason, message_class: MessageClass): void;
  /** The behaviour of a firmware version (defaults, known quirks, the scenario's catalog). */
  firmwareProfile(model: string, version: string): FirmwareProfile;
  /** The image the update server serves for model@version, if any. */
  image(model: string, version: string): FirmwareImage | undefined;
  /** Ends the session with a clean DISCONNECT (no will): a planned reboot. */
  closeSession(twin: DeviceTwin): void;
  /**
   * A gateway's session ended (crash, death, planned reboot): the sessions of its devices ride on
   * it and end too, and they rejoin with a birth once it is back (as Sparkplug devices re-announce
   * after their edge node's NBIRTH), so the platform learns at once that they are reachable again.
   */
  pathLost(gateway: DeviceTwin): void;
  /**
   * The device may have died, come back or stopped being bricked: what the NOC reads at a step
   * boundary (docs/operations.md). A sharded run's coordinator learns it through this.
   */
  vitalsChanged?(twin: DeviceTwin): void;
}

/** Per-kind behaviour: what the device measures and what else it does each sample. */
export interface KindBehaviour {
  measure(twin: DeviceTwin, now_ms: number): Values;
  /** True when `next` differs from the last report by at least the deadband. */
  significant(prev: Values, next: Values, deadband: number): boolean;
  /** Runs once per sample while online, before the report decision (access events, HVAC drive). */
  onSample?(twin: DeviceTwin, now_ms: number): void;
  /** Runs when the device comes online (schedule rare spontaneous events). */
  onOnline?(twin: DeviceTwin, now_ms: number): void;
  /**
   * Until when `measure` will keep returning `values` if nothing but time moves (no fault, no new
   * firmware: those wake the device, `DeviceTwin.wake`): now_ms when it cannot tell, at most
   * until_ms. The device skips the samples in between, which would have found nothing to report
   * (docs/performance.md, "Quiet samples"). Kinds without it sample every period.
   */
  quietUntil?(twin: DeviceTwin, now_ms: number, values: Values, until_ms: number): number;
}

export type Power = 'off' | 'booting' | 'online' | 'dead';

/**
 * What active faults change about a device (sim/faults installs it). Null while the device is
 * healthy, so a healthy device pays one null check; fault randomness comes from the fault's own
 * stream, never the device's.
 */
export interface DeviceFaultHooks {
  /** Rewrites what the sensors read (stuck-at, drift, noise). */
  values?(twin: DeviceTwin, now_ms: number, measured: Values): Values;
  /** True when a report is lost on the radio hop on top of the link's own loss. */
  lost?(twin: DeviceTwin): boolean;
  /** Rewrites a payload on its way out (clock skew, malformed payloads from a buggy firmware). */
  payload?(twin: DeviceTwin, message_class: MessageClass, payload: Record<string, unknown>): Record<string, unknown>;
}

/** How often a device whose gateway is down retries joining. */
const REJOIN_INTERVAL_MS = 30_000;
/** Reconnect backoff: 1 s doubling to a 2-minute cap, full jitter (AWS IoT SDK defaults are similar). */
const RECONNECT_BASE_MS = 1_000;
const RECONNECT_CAP_MS = 120_000;
/** Drop in the reported battery percentage that triggers a report of its own. */
const BATTERY_REPORTABLE_CHANGE_PCT = 5;
/** Wake-up jitter of a sample, ± ms (RTOS tick, sensor warm-up, radio wake). */
const SAMPLE_JITTER_MS = 1_500;
/** Reports a device keeps while offline; the oldest go first when it is full (counted). */
export const OUTBOX_CAPACITY = 256;

interface Outgoing {
  readonly message_class: MessageClass;
  readonly payload: Record<string, unknown>;
  readonly delivery: Delivery;
}

const NOTHING_HELD: readonly Outgoing[] = [];

/**
 * The host, model and behaviour, held once for all devices of a model in one simulation rather
 * than in three fields of every twin (8 bytes a field; docs/performance.md, "Memory per device").
 */
interface DeviceClass {
  readonly host: DeviceHost;
  readonly model: DeviceModel;
  readonly behaviour: KindBehaviour;
}

const device_classes = new WeakMap<DeviceHost, Map<string, DeviceClass>>();

function deviceClass(host: DeviceHost, model_id: string, behaviour: KindBehaviour): DeviceClass {
  let by_model = device_classes.get(host);
  if (by_model === undefined) device_classes.set(host, (by_model = new Map()));
  let c = by_model.get(model_id);
  // A model has one kind and so one behaviour; a caller that passes another gets its own class.
  if (c === undefined || c.behaviour !== behaviour) {
    c = { host, model: modelById(model_id), behaviour };
    if (!by_model.has(model_id)) by_model.set(model_id, c);
  }
  return c;
}

/**
 * One device: identity, firmware, power and link, and the state machine that boots it, samples
 * its sensors on a fixed cadence, reports on change or heartbeat, and crashes when its firmware
 * says so. Every random draw comes from the device's own stream, so its behaviour does not depend
 * on which other devices exist.
 */
export class DeviceTwin {
  readonly spec: DeviceSpec;
  /** What every device of its model in this simulation shares: the host, the model, the behaviour. */
  readonly #class: DeviceClass;
  readonly rng: Rng;
  readonly link: RadioLink;
  readonly zone: ZoneModel | null;
  firmware: FirmwareProfile;
  battery: Battery | null;
  power: Power = 'off';
  session = 0;
  /** Whether the device's MQTT session is up (power can be on while the broker is away). */
  connected = false;
  /**
   * The host's handle on the device's broker session, set and cleared by the host (Simulation):
   * held here rather than in a map keyed by device id, which cost ~51 bytes a device and a
   * lookup per message.
   */
  broker_session: DeviceSession | null = null;
  /** Reports held while the session is down; made by the first one (most devices never need it). */
  #outbox: BoundedBuffer<Outgoing> | null = null;
  #reconnect_attempt = 0;
  #seq = 0;
  #last_battery_pct = 100;
  /** Sample period with this unit's crystal drift, drawn at the first sample (0 until then). */
  #sample_period_ms = 0;
  last_report_ms = Number.NEGATIVE_INFINITY;
  last_values: Values | null = null;
  online_since_ms = 0;
  reports = 0;
  /** Made by the first read of `local`: until its first sample a device has no kind state. */
  #local: Record<string, unknown> | null = null;
  /** Active faults' hooks (sim/faults); null while healthy. */
  faults: DeviceFaultHooks | null = null;
  /** Outages holding the mains supply off: a repair or power restore cannot boot the device meanwhile. */
  power_cuts = 0;
  /** Outages holding the device's path to the broker down (uplink, network boot, flapping): connects fail. */
  link_blocks = 0;
  /** Bumped by a crash: events scheduled in an earlier epoch find it changed and do nothing. */
  #epoch = 0;
  #telemetry_topic: string | null = null;
  /** The firmware update client, created by the first OTA command. */
  ota: OtaAgent | null = null;
  /** Boots so far (the OTA agent judges each boot once). */
  boots = 0;
  /** When the running firmware was installed (latent bugs count from here). */
  firmware_since_ms: number;

  constructor(spec: DeviceSpec, rng: Rng, host: DeviceHost, behaviour: KindBehaviour) {
    this.spec = spec;
    this.#class = deviceClass(host, spec.model, behaviour);
    this.rng = rng;
    this.firmware = host.firmwareProfile(spec.model, spec.firmware);
    this.firmware_since_ms = host.clock.now_ms;
    this.link = RadioLink.place(this.model.radio, rng);
    this.zone = spec.zone_id === null ? null : (host.world.zone(spec.zone_id) ?? null);
    this.battery = null;
    if (this.model.battery) {
      // Installed fleets are at every stage of battery life (state of charge); a few are already
      // down the knee of the discharge curve, near empty.
      const level = rng.chance(3, 100) ? rng.uniform(0.5, 4) : rng.uniform(8, 100);
      this.battery = new Battery(this.model.battery, level, host.clock.now_ms, this.firmware.drain_factor);
    }
  }

  get id(): string {
    return this.spec.id;
  }

  get host(): DeviceHost {
    return this.#class.host;
  }

  get model(): DeviceModel {
    return this.#class.model;
  }

  get behaviour(): KindBehaviour {
    return this.#class.behaviour;
  }

  /** Kind-specific state (lock door status, leak status …), owned by the behaviour. */
  get local(): Record<string, unknown> {
    return (this.#local ??= {});
  }

  /**
   * The topic this device publishes a class on. Telemetry's is kept, flat rather than as the rope
   * it was built as (most messages are telemetry, and one held string beats building one per
   * message); the rarer classes are built each time rather than held for every device.
   */
  topic(message_class: MessageClass): string {
    if (message_class !== MessageClass.telemetry) return deviceTopic(this.spec.site_id, this.spec.id, message_class);
    return (this.#telemetry_topic ??= flatString(deviceTopic(this.spec.site_id, this.spec.id, message_class)));
  }

  /** Next Sparkplug-style sequence number, 0–255, shared by all of the device's messages. */
  nextSeq(): number {
    const s = this.#seq;
    this.#seq = (this.#seq + 1) & 0xff;
    return s;
  }

  /**
   * Schedules an event owned by this device; a crash cancels all of them. Cancellation is by
   * epoch rather than by tracking each event, which keeps the hot path free of allocations.
   */
  schedule(at_ms: number, priority: number, label: string, fire: () => void): void {
    this.host.queue.schedule(at_ms, priority, label, fire, this);
  }

  // The twin's own frequent events (boot, sample, reconnect, crash) share these functions, which
  // the queue hands the twin (its guard): a closure and its context per device and event would
  // be ~100 bytes each, held for as long as the event is pending, and a sample is always pending.
  static readonly #boot = (t: DeviceTwin): void => t.#comeOnline();
  static readonly #sampleEvent = (t: DeviceTwin, event: ScheduledEvent): void => t.#sample(event);
  static readonly #reconnect = (t: DeviceTwin): void => t.#tryConnect('reconnect');
  static readonly #crashReboot = (t: DeviceTwin): void => t.crash('firmware_reboot');
  static readonly #crashLoop = (t: DeviceTwin): void => t.crash('firmware_reboot_loop');

  #scheduleOwn(at_ms: number, label: string, fire: (twin: DeviceTwin, event: ScheduledEvent) => void): void {
    this.host.queue.schedule(at_ms, Priority.device, label, fire, this);
  }

  /** Bumped by a crash; the queue drops this device's events scheduled in an earlier epoch. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Empties the outbox (and forgets it: a device offline once is not likely to be again soon). */
  #drainOutbox(): readonly Outgoing[] {
    const outbox = this.#outbox;
    if (outbox === null) return NOTHING_HELD;
    this.#outbox = null;
    return outbox.drain();
  }

  #cancelAll(): void {
    this.#epoch++;
  }

  /** Power on at `at_ms`: the device comes online after its firmware's boot time. */
  powerOn(at_ms: number): void {
    if (this.power === 'dead') return;
    this.power = 'booting';
    this.boots++;
    this.#scheduleOwn(at_ms + this.firmware.boot_time_ms, 'boot', DeviceTwin.#boot);
  }

  #comeOnline(): void {
    const now = this.host.clock.now_ms;
    // A new image's first boot may fail (rolled back or bricked): the OTA agent decides.
    if (this.ota !== null && !this.ota.onBoot(this.boots)) return;
    if (!this.host.parentUp(this)) {
      // A radio device cannot join while its gateway is down; it retries, as a Zigbee end
      // device does, on a fixed rejoin interval.
      this.#scheduleOwn(now + REJOIN_INTERVAL_MS, 'rejoin', DeviceTwin.#boot);
      return;
    }
    this.power = 'online';
    this.online_since_ms = now;
    this.host.fact('power', { d: this.id, s: 'online' });
    this.last_values = null;
    this.#reconnect_attempt = 0;
    this.#tryConnect('boot');
    // Sample on the device's own phase so a building's devices do not all report at once.
    const phase_ms = this.rng.int(0, this.model.report.sample_ms - 1);
    this.#scheduleOwn(now + phase_ms, 'sample', DeviceTwin.#sampleEvent);
    if (this.firmware.reboot_mean_ms !== null) {
      const crash_at = now + Math.max(60_000, Math.round(this.rng.exponential(this.firmware.reboot_mean_ms)));
      this.#scheduleOwn(crash_at, 'crash', DeviceTwin.#crashReboot);
    }
    if (this.firmware.reboot_loop_after_ms !== null) {
      // A latent bug: after running long enough, the firmware falls into a reboot loop.
      const loop_from = Math.max(now + 60_000, this.firmware_since_ms + this.firmware.reboot_loop_after_ms);
      const crash_at = loop_from + Math.round(this.rng.exponential(this.firmware.reboot_loop_mean_ms));
      this.#scheduleOwn(crash_at, 'crash', DeviceTwin.#crashLoop);
    }
    this.behaviour.onOnline?.(this, now);
  }

  /**
   * One connection attempt. On success the device opens a new session (session + 1), announces
   * itself (birth, state online) and flushes what it stored while offline; on failure it retries
   * after an exponential backoff with full jitter drawn from its own stream, so a fleet that lost
   * its broker together does not come back in lockstep (the reconnect storm spreads out).
   */
  #tryConnect(reason: string): void {
    if (this.power !== 'online' || this.connected) return;
    const now = this.host.clock.now_ms;
    const ok = this.host.canConnect(this);
    this.host.fact('connect', { d: this.id, n: this.#reconnect_attempt, ok });
    if (!ok) {
      const cap_ms = Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** Math.min(this.#reconnect_attempt, 20));
      this.#reconnect_attempt++;
      this.#scheduleOwn(now + 1 + this.rng.int(0, cap_ms), 'reconnect', DeviceTwin.#reconnect);
      return;
    }
    this.#reconnect_attempt = 0;
    this.session++;
    this.host.openSession(this);
    this.connected = true;
    this.host.publish(this, MessageClass.birth, this.#birthPayload(now), 'reliable', true);
    this.publishState('online', reason);
    for (const m of this.#drainOutbox()) this.host.publish(this, m.message_class, m.payload, m.delivery, false);
    if (this.local.battery_replaced === true) {
      this.#last_battery_pct = 100;
      this.local.battery_replaced = false;
      this.event('battery_replaced', { battery_pct: Math.round(this.battery?.level_pct ?? 100) });
    }
    this.ota?.onConnected();
  }

  /** The broker went away under the device: no will (the broker is gone), store and retry. */
  brokerLost(): void {
    if (!this.connected) return;
    this.connected = false;
    this.host.abandonSession(this);
    if (this.power !== 'online') return;
    const now = this.host.clock.now_ms;
    this.#scheduleOwn(now + 1 + this.rng.int(0, RECONNECT_BASE_MS), 'reconnect', DeviceTwin.#reconnect);
  }

  /**
   * The device's path to the broker broke while it stays powered (its own or its gateway's uplink,
   * a flapping link): the session ends — the host decides whether anyone can deliver a will — and
   * reports wait in the outbox while it retries with backoff (store and forward).
   */
  linkLost(reason: string): void {
    if (!this.connected) return;
    this.connected = false;
    this.host.loseSession(this, reason);
    if (this.power !== 'online') return;
    const now = this.host.clock.now_ms;
    this.#scheduleOwn(now + 1 + this.rng.int(0, RECONNECT_BASE_MS), 'reconnect', DeviceTwin.#reconnect);
  }

  /** Ends the session (with a will if it was up) and loses what RAM held. */
  #endSession(reason: string): void {
    const was_connected = this.connected;
    if (this.connected) this.host.loseSession(this, reason);
    this.connected = false;
    for (const m of this.#drainOutbox()) this.host.dropped(this, 'reboot', m.message_class);
    if (was_connected && this.spec.kind === 'gateway') this.host.pathLost(this);
  }

  /** An unclean reset (watchdog, firmware bug): session lost, reboot after the boot time. */
  crash(reason: string): void {
    if (this.power !== 'online') return;
    const now = this.host.clock.now_ms;
    this.#cancelAll();
    this.power = 'off';
    this.host.fact('power', { d: this.id, s: 'offline', why: reason });
    this.#endSession(reason);
    this.powerOn(now);
  }

  /** Stops for good (battery empty, bricked): only a technician brings it back. */
  die(reason: string): void {
    this.#cancelAll();
    this.power = 'dead';
    this.host.fact('power', { d: this.id, s: 'dead', why: reason });
    this.#endSession(reason);
    this.host.vitalsChanged?.(this);
  }

  /**
   * A technician's visit: a fresh battery if it has one, and a power cycle for a device that is
   * dead. Battery devices report `battery_replaced` once they are back online.
   */
  /** A technician's visit: a new battery, a replacement unit for a bricked one (on `replacement_fw` when given), power back on. */
  repair(by: string, replacement_fw?: string): void {
    const now = this.host.clock.now_ms;
    if (this.battery) {
      this.battery.replace(now);
      this.local.battery_replaced = true;
    }
    const replaced_fw = this.ota?.bricked === true ? replacement_fw : undefined;
    this.host.fact('repair', replaced_fw === undefined ? { d: this.id, by } : { d: this.id, by, fw: replaced_fw });
    this.ota?.onRepair(replaced_fw);
    if (this.power === 'dead' && this.power_cuts === 0) {
      this.power = 'off';
      this.powerOn(now);
    }
    this.host.vitalsChanged?.(this);
  }

  /**
   * A planned reboot (an OTA install): the device says it is rebooting, disconnects cleanly (no
   * will: the platform expects it back) and boots again.
   */
  restart(reason: string): void {
    if (this.power !== 'online') return;
    const now = this.host.clock.now_ms;
    if (this.connected) {
      this.publishState('rebooting', reason);
      this.host.closeSession(this);
      this.connected = false;
      if (this.spec.kind === 'gateway') this.host.pathLost(this);
    }
    for (const m of this.#drainOutbox()) this.host.dropped(this, 'reboot', m.message_class);
    this.#cancelAll();
    this.power = 'off';
    this.host.fact('power', { d: this.id, s: 'offline', why: reason });
    this.powerOn(now);
  }

  /** Runs `profile` from now on (an update or a rollback), with its battery drain. */
  installFirmware(profile: FirmwareProfile): void {
    this.firmware = profile;
    this.firmware_since_ms = this.host.clock.now_ms;
    delete this.local.ota_stuck_values;
    this.battery?.setDrainFactor(this.host.clock.now_ms, profile.drain_factor);
    this.wake();
  }

  /** A command from the platform reached the device. */
  onCommand(command: OtaCommandPayload): void {
    if (this.power !== 'online') return;
    this.ota ??= new OtaAgent(this, this.host);
    this.ota.onCommand(command);
  }

  /** Power comes back after an outage: a dead device boots again (its battery is untouched). */
  restorePower(): void {
    if (this.power !== 'dead' || this.power_cuts > 0) return;
    this.power = 'off';
    this.powerOn(this.host.clock.now_ms);
    this.host.vitalsChanged?.(this);
  }

  publishState(state: DeviceState, reason: string): void {
    const now = this.host.clock.now_ms;
    this.host.publish(this, MessageClass.state, { id: this.id, reason, seq: this.nextSeq(), session: this.session, state, ts: now, v: 1 }, 'reliable', true);
  }

  /** The payload the broker publishes for this device when its session dies uncleanly. */
  willPayload(session = this.session): Record<string, unknown> {
    return { v: 1, id: this.id, state: 'offline', session, reason: 'will' };
  }

  /**
   * Sends a report over the radio hop: it may be lost, or blocked by a dead gateway; while the
   * session is down it waits in the bounded outbox (store and forward) instead.
   */
  send(message_class: MessageClass, payload: Record<string, unknown>, delivery: Delivery): boolean {
    const now = this.host.clock.now_ms;
    this.link.update(this.rng, now, this.#linkOccupancy(now));
    this.battery?.report(this.link.expected_transmissions, this.link.tx_charge_factor);
    if (!this.host.parentUp(this)) {
      this.host.dropped(this, 'parent_down', message_class);
      return false;
    }
    if (this.link.lost(this.rng) || this.faults?.lost?.(this) === true) {
      this.host.dropped(this, 'radio_loss', message_class);
      return false;
    }
    if (!this.connected) {
      const outbox = (this.#outbox ??= new BoundedBuffer<Outgoing>(OUTBOX_CAPACITY));
      const before = outbox.dropped;
      outbox.push({ message_class, payload, delivery });
      if (outbox.dropped > before) this.host.dropped(this, 'outbox_full', message_class);
      return false;
    }
    this.host.publish(this, message_class, payload, delivery, false);
    return true;
  }

  event(type: string, data?: Values): void {
    const now = this.host.clock.now_ms;
    const seq = this.nextSeq();
    // Keys in canonical order (see #report).
    const payload: Record<string, unknown> = data !== undefined ? { data, id: this.id, seq, ts: now, type, v: 1 } : { id: this.id, seq, ts: now, type, v: 1 };
    this.send(MessageClass.event, payload, 'reliable');
  }

  #sample(event: ScheduledEvent): void {
    const now = this.host.clock.now_ms;
    const epoch = this.#epoch;
    let next_ms = now + this.#nextSampleDelay();
    if (this.battery) {
      this.battery.elapse(now);
      if (this.battery.depleted) {
        this.die('battery_depleted');
        return;
      }
    }
    this.behaviour.onSample?.(this, now);
    if (this.power !== 'online') return; // onSample may have crashed or killed the device
    // Heartbeats go out at the sample nearest the heartbeat interval, so clock drift and wake-up
    // jitter move them by seconds either way instead of a whole sample period late.
    const values = this.#report(now, now >= this.#heartbeatDueMs());
    const quiet = this.behaviour.quietUntil;
    if (quiet !== undefined && this.faults === null && this.firmware.sensor_bug === null && this.firmware.extra_values === null) {
      // Nothing to report before `until`: sleep through the samples that would find nothing, to
      // the first one on this unit's cadence at or after it (the heartbeat's included).
      const until_ms = quiet(this, now, values, this.#heartbeatDueMs());
      if (until_ms > next_ms) next_ms += Math.ceil((until_ms - next_ms) / this.#sample_period_ms) * this.#sample_period_ms;
    }
    // A report that crashed the device (a firmware bug) ended this cadence; a new one starts at boot.
    if (this.#epoch !== epoch || this.power !== 'online') return;
    // The next sample reuses this event (the same label, function and guard as #comeOnline's).
    this.host.queue.reschedule(event, next_ms);
  }

  /** When the next heartbeat is due: the sample nearest the interval after the last report goes. */
  #heartbeatDueMs(): number {
    const report = this.model.report;
    return this.last_report_ms + report.heartbeat_ms - report.sample_ms / 2;
  }

  /**
   * Something outside the device's own clockwork changed what it measures (a fault began or
   * ended, new firmware): a sample put off because nothing could change comes back to the
   * cadence, on the unit's own phase.
   */
  wake(): void {
    const period_ms = this.#sample_period_ms;
    if (this.power !== 'online' || this.behaviour.quietUntil === undefined || period_ms === 0) return;
    const queue = this.host.queue;
    const pending = queue.pendingOf(this, DeviceTwin.#sampleEvent);
    if (pending === undefined) return;
    const now = this.host.clock.now_ms;
    const periods = Math.floor((pending.at_ms - now - 1) / period_ms);
    if (periods <= 0) return;
    queue.lapse(pending);
    this.#scheduleOwn(pending.at_ms - periods * period_ms, 'sample', DeviceTwin.#sampleEvent);
  }

  /**
   * An interrupt-driven report (a lock's bolt moved): measures now and sends if anything changed
   * by the deadband, outside the sampling cadence.
   */
  reportNow(): void {
    if (this.power !== 'online') return;
    this.#report(this.host.clock.now_ms, false);
  }

  /** Sample period with this unit's crystal drift and wake-up jitter, drawn from its own stream. */
  #nextSampleDelay(): number {
    if (this.#sample_period_ms === 0) {
      // 32 kHz watch crystals: ±20 ppm at 25 °C, more off temperature.
      const drift_ppm = Math.max(-60, Math.min(60, this.rng.normal(0, 20)));
      this.#sample_period_ms = Math.round(this.model.report.sample_ms * (1 + drift_ppm / 1e6));
    }
    return Math.max(1, this.#sample_period_ms + this.rng.int(-SAMPLE_JITTER_MS, SAMPLE_JITTER_MS));
  }

  /** Measures, reports if the reading moved (or `due`), and returns what it measured. */
  #report(now: number, due: boolean): Values {
    const measured = this.behaviour.measure(this, now);
    const faulted = this.faults?.values ? this.faults.values(this, now, measured) : measured;
    const values = this.firmware.sensor_bug === null && this.firmware.extra_values === null ? faulted : applyFirmwareQuirks(this, now, faulted);
    // The battery attribute reports on its own change too (Zigbee reportable change), so a cell
    // falling down its knee is seen on the way, not only at the next heartbeat.
    const battery_pct = this.battery?.reportedPct(this.#batteryTemperature());
    const battery_moved = battery_pct !== undefined && this.#last_battery_pct - battery_pct >= BATTERY_REPORTABLE_CHANGE_PCT;
    if (this.last_values !== null && !due && !battery_moved && !this.behaviour.significant(this.last_values, values, this.model.report.deadband)) return values;
    this.last_values = values;
    this.last_report_ms = now;
    this.reports++;
    const seq = this.nextSeq();
    if (battery_pct !== undefined) this.#last_battery_pct = battery_pct;
    let rssi_dbm: number | undefined;
    if (this.link.has_rssi) {
      this.link.update(this.rng, now, this.#linkOccupancy(now));
      rssi_dbm = this.link.sampleRssi();
    }
    // Keys in canonical order, so the encoder hands the object to JSON.stringify as it is
    // (platform/contract/canonical-json.ts); the optional ones are only present when measured.
    const id = this.id;
    const payload: Record<string, unknown> =
      battery_pct !== undefined
        ? rssi_dbm !== undefined
          ? { battery_pct, id, rssi_dbm, seq, ts: now, v: 1, values }
          : { battery_pct, id, seq, ts: now, v: 1, values }
        : rssi_dbm !== undefined
          ? { id, rssi_dbm, seq, ts: now, v: 1, values }
          : { id, seq, ts: now, v: 1, values };
    this.send(MessageClass.telemetry, payload, 'telemetry');
    return values;
  }

  /** The battery percentage the firmware reads now (voltage-derived; 100 without a battery). */
  batteryPct(): number {
    return this.battery?.reportedPct(this.#batteryTemperature()) ?? 100;
  }

  /** The cell sits at room temperature (zone), or a mild 20 °C when the device has no zone. */
  #batteryTemperature(): number {
    return this.zone?.state.temperature_c ?? 20;
  }

  /** Share of the zone's people present: bodies between a device and its parent absorb 2.4 GHz. */
  #linkOccupancy(now: number): number {
    const zone = this.zone;
    if (zone === null) return 0;
    return Math.min(1, zone.occupantsAt(now) / Math.max(1, zone.zone.capacity_people));
  }

  #birthPayload(now_ms: number): Record<string, unknown> {
    const s = this.spec;
    return {
      v: 1,
      id: s.id,
      kind: s.kind,
      model: s.model,
      serial: s.serial,
      fw: this.firmware.version,
      site: s.site_id,
      building: s.building_id,
      floor: s.floor_id,
      zone: s.zone_id,
      gateway: s.gateway_id,
      power: this.model.power,
      caps: [...this.model.caps],
      heartbeat_ms: this.model.report.heartbeat_ms,
      session: this.session,
      seq: this.nextSeq(),
      ts: now_ms,
    };
  }
}

/** Helpers the behaviours share. */
/**
 * Whether a reading moved by the deadband (numbers) or changed at all (anything else, a reading
 * that appeared or went away included). The behaviours read their fields by name and pass them
 * here: a helper that took the key (`prev[key]`) made every read a keyed lookup whose key varies
 * with the caller, which is slow, and this runs for every sample of every device.
 */
export function differs(a: number | boolean | string | undefined, b: number | boolean | string | undefined, deadband: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) >= deadband;
  return a !== b;
}
