import { isUtf8 } from 'node:buffer';
import { MspError } from '../../common/errors.ts';
import { parseDeviceTopic } from '../contract/topics.ts';
import { Ingest } from '../ingest/ingest.ts';
import { Admission, type AdmissionOptions, type AdmissionState, DEFAULT_MAX_DEVICES, DEFAULT_SKEW_WINDOW_MS, type ProvisionedDevice, type ProvisionVerdict } from '../ingest/admission.ts';
import { ReceiptClock, type ReceiptClockState } from '../ingest/receipt-clock.ts';
import { AlertManager } from '../monitoring/alert-manager.ts';
import { IncidentDesk } from '../monitoring/incidents.ts';
import { Monitor, type AlertSignal } from '../monitoring/monitor.ts';
import { defaultMonitoringConfig, mergeMonitoringConfig, opensIncident, type MonitoringConfig } from '../monitoring/rules.ts';
import { Registry } from '../registry/registry.ts';
import { defaultContract, type SlaContract } from '../sla/contract.ts';
import { SlaLedger } from '../sla/ledger.ts';
import { FirmwareCatalog } from '../patching/catalog.ts';
import { PatchingEngine, type OtaCommand } from '../patching/engine.ts';
import { PatchError, type FirmwareRelease } from '../patching/types.ts';
import type { DeviceMessage, Journal, LivenessChange } from './model.ts';
import type { OrderedMessage } from './step-order.ts';
import type { RegistryState } from '../registry/registry.ts';
import type { MonitorState } from '../monitoring/monitor.ts';
import type { AlertManagerState } from '../monitoring/alert-manager.ts';
import type { IncidentDeskState } from '../monitoring/incidents.ts';
import type { SlaLedgerState } from '../sla/ledger.ts';
import type { PatchingState } from '../patching/engine.ts';
import type { IngestState } from '../ingest/ingest.ts';

/**
 * The platform: the same production logic whether it runs against a real broker on the wall
 * clock (`msp-twin platform`) or under the simulator on virtual time. It is a pure function of
 * the messages and operator actions it is given, in the order given, and the times given: the
 * caller owns the clock. Under lockstep the caller hands it each step's messages already in
 * canonical order; in real time it hands them over as they arrive.
 */
export interface PlatformOptions {
  readonly journal: Journal;
  readonly monitoring?: Parameters<typeof mergeMonitoringConfig>[1];
  readonly contract?: Partial<SlaContract>;
  /** Site timezones, for service hours and maintenance windows (from the deployment's config). */
  readonly timezone_of?: (site_id: string) => string;
  /** Building use (clinic, office …), which raises incident impact for clinics. */
  readonly building_type?: (building_id: string) => string | undefined;
  /** The firmware catalog rollouts may deploy from. */
  readonly firmware?: readonly FirmwareRelease[];
  /** Device tags from the deployment's configuration (rollout targets select on them). */
  readonly tags_of?: (device_id: string) => readonly string[];
  /** Provisioning, clock-skew window and registry bound (platform/ingest/admission.ts); absent = admit every valid message. */
  readonly admission?: AdmissionOptions;
  /**
   * Told of every input (a step, a message, a tick, an operator action) before it is applied and
   * when it is done, outermost calls only: the durable store records inputs with it (platform/store).
   */
  readonly recorder?: InputRecorder;
}

/** One input to the platform, as recorded for replay (platform/store). */
export type PlatformInput =
  | { readonly op: 'step'; readonly messages: readonly OrderedMessage[]; readonly step_end_ms: number }
  | { readonly op: 'receive'; readonly topic: string; readonly payload: string | { readonly b64: string }; readonly received_ms: number }
  | { readonly op: 'tick'; readonly now_ms: number }
  | { readonly op: 'enqueue'; readonly command: OperatorCommand }
  | { readonly op: 'operate'; readonly command: OperatorCommand }
  /** The platform's own broker connection went down or came back. */
  | { readonly op: 'link'; readonly up: boolean; readonly at_ms: number };

export interface InputRecorder {
  input(input: PlatformInput): void;
  done(input: PlatformInput): void;
}

/** The platform's whole state as plain data (`Platform.snapshot`); a snapshot restores from it. */
export interface PlatformState {
  readonly now_ms: number;
  readonly first_ms: number | null;
  readonly pending_actions: readonly OperatorCommand[];
  readonly outbox: readonly OtaCommand[];
  readonly ingest: IngestState;
  readonly registry: RegistryState;
  readonly monitor: MonitorState;
  readonly alerts: AlertManagerState;
  readonly incidents: IncidentDeskState;
  readonly sla: SlaLedgerState;
  readonly patching: PatchingState;
  /** Devices provisioned while running (absent in snapshots from before the provisioning API). */
  readonly admission?: AdmissionState;
  /** The receipt clock's per-device mapping (production only; absent otherwise). */
  readonly receipt_clock?: ReceiptClockState;
  /** Since when the platform's broker link has been down; null or absent while it is up. */
  readonly link_down_ms?: number | null;
}

export type OperatorCommand =
  | {
      readonly at_ms: number;
      readonly kind: 'ack' | 'resolve';
      readonly target: 'incident' | 'alert';
      readonly id: string;
      readonly by: string;
    }
  | {
      readonly at_ms: number;
      readonly kind: 'create' | 'pause' | 'resume' | 'cancel';
      readonly target: 'rollout';
      /** Rollout id (for create, the plan's id). */
      readonly id: string;
      readonly by: string;
      readonly plan?: unknown;
      readonly reason?: string;
    }
  | {
      readonly at_ms: number;
      /** Adds a device to provisioning (POST /api/v1/devices), validated by the caller. */
      readonly kind: 'provision';
      readonly target: 'device';
      readonly id: string;
      readonly by: string;
      readonly device: ProvisionedDevice;
    };

export type { InboundMessage } from './step-order.ts';

export class Platform {
  readonly ingest: Ingest;
  readonly registry: Registry;
  readonly monitor: Monitor;
  readonly alerts: AlertManager;
  readonly incidents: IncidentDesk;
  readonly sla: SlaLedger;
  readonly patching: PatchingEngine;
  readonly #admission: Admission;
  /** Production: re-stamps `ts` with the receive time after ingest and admission (platform/ingest/receipt-clock.ts). */
  readonly #receipt_clock: ReceiptClock | undefined;
  readonly config: { monitoring: MonitoringConfig; contract: SlaContract };
  readonly #journal: Journal;
  #now_ms = 0;
  #first_ms: number | undefined;
  /** Since when the broker link has been down (null: up). */
  #link_down_ms: number | null = null;
  #pending_actions: OperatorCommand[] = [];
  /** Commands decided but not yet handed to the transport (drained by the caller after each input). */
  #outbox: OtaCommand[] = [];
  readonly #changed_incidents = new Set<string>();
  readonly #recorder: InputRecorder | undefined;
  /** Nesting of input calls (applyStep → receive → tick): only the outermost is recorded. */
  #depth = 0;

  constructor(options: PlatformOptions) {
    this.#recorder = options.recorder;
    // Every decision goes to the caller's journal; incident changes are also noted here so the
    // SLA ledger always holds each incident's latest version.
    this.#journal = (at_ms, kind, fields) => {
      if (kind === 'p.inc' && typeof fields.id === 'string') this.#changed_incidents.add(fields.id);
      options.journal(at_ms, kind, fields);
    };
    const monitoring = options.monitoring ? mergeMonitoringConfig(defaultMonitoringConfig(), options.monitoring) : defaultMonitoringConfig();
    const contract = { ...defaultContract(), ...options.contract };
    this.config = { monitoring, contract };
    const critical = new Set(contract.critical_devices ?? []);
    this.registry = new Registry({ journal: this.#journal });
    const admission = new Admission(options.admission ?? {}, { known: (id) => this.registry.device(id) !== undefined, size: () => this.registry.stats().devices });
    this.#admission = admission;
    const a = options.admission;
    this.#receipt_clock = a?.receipt_clock
      ? new ReceiptClock({ skew_window_ms: a.skew_window_ms ?? DEFAULT_SKEW_WINDOW_MS, max_devices: a.max_devices ?? DEFAULT_MAX_DEVICES }, (id) => this.registry.device(id) !== undefined)
      : undefined;
    this.ingest = new Ingest({ admit: (msg) => admission.check(msg) });
    const device = (id: string) => this.registry.device(id);
    this.monitor = new Monitor({ journal: this.#journal, config: monitoring, device });
    this.alerts = new AlertManager({ journal: this.#journal });
    this.incidents = new IncidentDesk({
      journal: this.#journal,
      alerts: this.alerts,
      device,
      devices: () => this.registry.devices(),
      liveness: (id) => this.registry.liveness(id),
      ...(options.building_type ? { building_type: options.building_type } : {}),
      critical_device: (id: string) => critical.has(id),
      // A rule may say whether its alerts open incidents; otherwise minor or worse does (docs/monitoring.md).
      opens_incident: opensIncident(monitoring, (id) => {
        const d = this.registry.device(id);
        return d === undefined ? undefined : { site: d.site, building: d.building };
      }),
      targets: Object.fromEntries((['P1', 'P2', 'P3', 'P4'] as const).map((p) => [p, { respond_ms: contract.response_targets_ms[p], resolve_ms: contract.resolution_targets_ms[p] }])) as never,
    });
    this.sla = new SlaLedger({ journal: this.#journal, contract, timezone_of: options.timezone_of ?? (() => 'UTC') });
    this.patching = new PatchingEngine({
      journal: this.#journal,
      catalog: new FirmwareCatalog(options.firmware ?? []),
      device,
      devices: () => this.registry.devices(),
      liveness: (id) => this.registry.liveness(id),
      open_incidents: () => this.incidents.open(),
      timezone_of: options.timezone_of ?? (() => 'UTC'),
      ...(options.tags_of ? { tags_of: options.tags_of } : {}),
      send: (c) => this.#outbox.push(c),
    });
  }

  /** Commands for devices decided since the last call, in decision order. */
  drainCommands(): OtaCommand[] {
    const out = this.#outbox;
    this.#outbox = [];
    return out;
  }

  /** The device's provisioned identity (at the start or since), if any. */
  provisioned(device_id: string): ProvisionedDevice | undefined {
    return this.#admission.provisioned(device_id);
  }

  /** Devices provisioned at the start and since. */
  provisionedCount(): number {
    return this.#admission.provisionedCount();
  }

  /** What provisioning `device` as `device_id` would do now, against provisioning and the registry. */
  provisionVerdict(device_id: string, device: ProvisionedDevice): ProvisionVerdict {
    const info = this.registry.device(device_id);
    return this.#admission.verdict(device_id, device, info ? { site: info.site, kind: info.kind, model: info.model } : undefined);
  }

  get now_ms(): number {
    return this.#now_ms;
  }

  get first_ms(): number | undefined {
    return this.#first_ms;
  }

  /** Operator actions (the HTTP API, the simulated NOC) are inputs like messages, applied in time order. */
  enqueue(command: OperatorCommand): void {
    this.#input({ op: 'enqueue', command }, () => this.#pending_actions.push(command));
  }

  /** Queued operator actions due at or before `until_ms` (not yet applied), on `target` alone when given. */
  pendingActions(until_ms: number, target?: OperatorCommand['target']): number {
    let n = 0;
    for (const a of this.#pending_actions) if (a.at_ms <= until_ms && (target === undefined || a.target === target)) n++;
    return n;
  }

  /**
   * Applies one lockstep step: its messages, already in canonical order (orderStep, sorted once by
   * the step receiver), interleaved with queued operator actions by time, timers run up to each
   * input's time, and finally up to the step's end.
   */
  applyStep(inputs: readonly OrderedMessage[], step_end_ms: number): void {
    this.#input({ op: 'step', messages: inputs, step_end_ms }, () => this.#applyStep(inputs, step_end_ms));
  }

  #applyStep(inputs: readonly OrderedMessage[], step_end_ms: number): void {
    const actions = this.#pending_actions.filter((a) => a.at_ms <= step_end_ms).sort((a, b) => a.at_ms - b.at_ms || (a.id < b.id ? -1 : 1));
    this.#pending_actions = this.#pending_actions.filter((a) => a.at_ms > step_end_ms);
    let ai = 0;
    // Indexed loops on the per-message paths: where V8 does not optimise a for-of away it makes an
    // iterator per loop, a steady share of a run's garbage (docs/performance.md).
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]!;
      while (ai < actions.length && actions[ai]!.at_ms <= input.t_ms) this.#act(actions[ai++]!);
      this.receive(input.topic, input.payload, input.t_ms);
    }
    while (ai < actions.length) this.#act(actions[ai++]!);
    this.tick(step_end_ms);
  }

  /** One message, received at `received_ms` (real-time and production mode call this directly). */
  receive(topic: string, payload: string | Buffer, received_ms: number): void {
    if (this.#recorder === undefined || this.#depth > 0) {
      this.#receive(topic, payload, received_ms);
      return;
    }
    // Bytes that are not valid UTF-8 are recorded as they came (ingest quarantines them on replay too).
    const recorded = typeof payload === 'string' ? payload : isUtf8(payload) ? payload.toString('utf8') : { b64: payload.toString('base64') };
    this.#input({ op: 'receive', topic, payload: recorded, received_ms }, () => this.#receive(topic, payload, received_ms));
  }

  #receive(topic: string, payload: string | Buffer, received_ms: number): void {
    this.tick(received_ms);
    const accepted = this.ingest.accept(topic, payload, received_ms);
    // Production: deadlines from receipt (the input is recorded as it came; the re-stamp is part of
    // applying it, deterministic from state, so a replay re-stamps identically).
    const msg = accepted && this.#receipt_clock ? this.#receipt_clock.stamp(accepted) : accepted;
    if (!msg) {
      const parsed = parseDeviceTopic(topic);
      this.#journal(received_ms, 'p.reject', { topic: parsed ? `${parsed.device_id}/${parsed.message_class}` : topic.slice(0, 64) });
      return;
    }
    if (msg.type === 'birth') this.sla.onFirmware(msg.device_id, msg.payload.fw, received_ms);
    // Only births and states change a session (#rebootAccounting reads nothing else): telemetry,
    // nearly every message, skips the lookup.
    const session_before = msg.type === 'birth' || msg.type === 'state' ? this.registry.session(msg.device_id) : undefined;
    const changes = this.registry.apply(msg);
    for (let i = 0; i < changes.length; i++) this.#onLiveness(changes[i]!);
    this.#rebootAccounting(msg, session_before, received_ms);
    this.#signals(this.monitor.onMessage(msg, received_ms), received_ms);
    this.patching.onMessage(msg, received_ms);
    this.#flushIncidents();
  }

  /**
   * A device that announces a reboot (its `rebooting` state, current session) is down for the SLA
   * from that moment; the first message of a newer session (its birth, or the `online` state that
   * may overtake it) ends it. Liveness is untouched: a reboot of seconds is not an alert.
   */
  #rebootAccounting(msg: DeviceMessage, session_before: number | undefined, received_ms: number): void {
    if (msg.type === 'state' && msg.payload.state === 'rebooting') {
      if (session_before !== undefined && msg.payload.session === session_before) this.sla.onRebooting(msg.device_id, received_ms);
    } else if (msg.type === 'birth' || (msg.type === 'state' && msg.payload.state === 'online')) {
      if (session_before !== undefined && msg.payload.session > session_before) this.sla.onBack(msg.device_id, received_ms);
    }
  }

  /** Runs timers (heartbeat deadlines, `for` durations) up to `now_ms`. */
  tick(now_ms: number): void {
    if (this.#recorder !== undefined && this.#depth === 0) {
      this.#input({ op: 'tick', now_ms }, () => this.#tick(now_ms));
      return;
    }
    this.#tick(now_ms);
  }

  #tick(now_ms: number): void {
    if (now_ms < this.#now_ms) return; // time never runs backwards for the platform
    this.#first_ms ??= now_ms;
    this.#now_ms = now_ms;
    const changes = this.registry.tick(now_ms);
    for (let i = 0; i < changes.length; i++) this.#onLiveness(changes[i]!);
    this.#signals(this.monitor.tick(now_ms), now_ms);
    // Flapping alerts hold their clears; the manager releases them here when the hold runs out.
    const released = this.alerts.tick(now_ms);
    for (let i = 0; i < released.length; i++) this.incidents.onAlert(released[i]!, now_ms);
    this.#flushIncidents();
    this.patching.tick(now_ms);
  }

  /**
   * The platform's own broker connection dropped (`up: false`) or came back. While it is down the
   * platform hears nobody, so it cannot tell a live device from a dead one: every device it
   * believed alive is UNREACHABLE (counted as the contract says), as behind a dead gateway. When
   * it is back, devices re-announce themselves (births as their sessions return) or go OFFLINE on
   * their own deadlines. A repeat of the current state is ignored.
   */
  link(up: boolean, at_ms: number): void {
    this.#input({ op: 'link', up, at_ms }, () => this.#link(up, at_ms));
  }

  #link(up: boolean, at_ms: number): void {
    if (up === (this.#link_down_ms === null)) return;
    this.tick(at_ms);
    const at = Math.max(at_ms, this.#now_ms);
    this.#journal(at, 'p.link', { up });
    if (up) {
      this.#link_down_ms = null;
      this.registry.linkUp(at);
    } else {
      this.#link_down_ms = at;
      for (const change of this.registry.linkDown(at)) this.#onLiveness(change);
    }
    this.#flushIncidents();
  }

  /** Whether the platform's broker link is up (as it was last told). */
  get link_up(): boolean {
    return this.#link_down_ms === null;
  }

  /** Production mode: an operator action applied now (the API calls this). */
  operate(command: OperatorCommand): void {
    this.#input({ op: 'operate', command }, () => this.#act(command));
  }

  /** Applies a recorded input again (recovery replays the journal's tail through this). */
  replay(input: PlatformInput): void {
    switch (input.op) {
      case 'step':
        return this.applyStep(input.messages, input.step_end_ms);
      case 'receive':
        return this.receive(input.topic, typeof input.payload === 'string' ? input.payload : Buffer.from(input.payload.b64, 'base64'), input.received_ms);
      case 'tick':
        return this.tick(input.now_ms);
      case 'enqueue':
        return this.enqueue(input.command);
      case 'operate':
        return this.operate(input.command);
      case 'link':
        return this.link(input.up, input.at_ms);
    }
  }

  /**
   * The whole state as plain data, each part's maps in a canonical order (platform/store writes
   * it as a snapshot). Taken between inputs only: mid-input state is not a state the platform
   * can resume from.
   */
  snapshot(): PlatformState {
    if (this.#depth > 0) throw new MspError('STATE_RESTORE_NOT_FRESH', 'a snapshot is taken between inputs, not in the middle of one');
    return {
      now_ms: this.#now_ms,
      first_ms: this.#first_ms ?? null,
      pending_actions: structuredClone(this.#pending_actions),
      outbox: structuredClone(this.#outbox),
      ingest: this.ingest.saveState(),
      registry: this.registry.saveState(),
      monitor: this.monitor.saveState(),
      alerts: this.alerts.saveState(),
      incidents: this.incidents.saveState(),
      sla: this.sla.saveState(),
      patching: this.patching.saveState(),
      admission: this.#admission.saveState(),
      ...(this.#receipt_clock ? { receipt_clock: this.#receipt_clock.saveState() } : {}),
      ...(this.#link_down_ms !== null ? { link_down_ms: this.#link_down_ms } : {}),
    };
  }

  /**
   * Gives this platform, freshly built with the same options as the one that saved `state`, that
   * state (then the store replays the journal's tail through `replay`).
   */
  restore(state: PlatformState): void {
    if (this.#first_ms !== undefined || this.#depth > 0) throw new MspError('STATE_RESTORE_NOT_FRESH', 'a snapshot is restored into a freshly built platform only');
    this.#now_ms = state.now_ms;
    this.#first_ms = state.first_ms ?? undefined;
    this.#pending_actions = structuredClone([...state.pending_actions]);
    this.#outbox = structuredClone([...state.outbox]);
    this.ingest.loadState(state.ingest);
    this.registry.loadState(state.registry);
    this.monitor.loadState(state.monitor);
    this.alerts.loadState(state.alerts);
    this.incidents.loadState(state.incidents);
    this.sla.loadState(state.sla);
    this.patching.loadState(state.patching);
    this.#admission.loadState(state.admission);
    this.#receipt_clock?.loadState(state.receipt_clock);
    this.#link_down_ms = state.link_down_ms ?? null;
  }

  #input(input: PlatformInput, apply: () => void): void {
    const record = this.#recorder !== undefined && this.#depth === 0;
    if (record) this.#recorder!.input(input);
    this.#depth++;
    try {
      apply();
    } finally {
      this.#depth--;
    }
    if (record) this.#recorder!.done(input);
  }

  #act(a: OperatorCommand): void {
    this.tick(a.at_ms);
    if (a.target === 'device') {
      // Checked again here: a queued addition (under simulation) may meet a device that arrived since.
      const v = this.provisionVerdict(a.id, a.device);
      if (v.verdict === 'add') this.#admission.provision(a.id, a.device);
      if (v.verdict !== 'same') this.#journal(a.at_ms, 'p.prov', { id: a.id, ev: v.verdict === 'add' ? 'added' : 'refused', site: a.device.site, kind: a.device.kind, model: a.device.model, by: a.by, ...(v.verdict === 'add' ? {} : { why: v.detail }) });
      return;
    }
    if (a.target === 'rollout') {
      try {
        if (a.kind === 'create') this.patching.create(a.plan, a.at_ms);
        else if (a.kind === 'pause') this.patching.pause(a.id, a.reason ?? `by ${a.by}`, a.at_ms);
        else if (a.kind === 'resume') this.patching.resume(a.id, a.at_ms);
        else this.patching.cancel(a.id, a.reason ?? `by ${a.by}`, a.at_ms);
      } catch (err) {
        // A queued action that the engine refuses is an operator error, not a platform crash.
        if (!(err instanceof PatchError)) throw err;
        this.#journal(a.at_ms, 'p.rollout', { id: a.id, ev: 'refused', op: a.kind, code: err.code, why: err.message });
      }
      return;
    }
    if (a.target === 'incident') {
      if (a.kind === 'ack') this.incidents.acknowledge(a.id, a.at_ms, a.by);
      else this.incidents.resolve(a.id, a.at_ms, a.by);
    } else if (a.kind === 'ack') this.alerts.acknowledge(a.id, a.at_ms, a.by);
    else this.alerts.resolve(a.id, a.at_ms, a.by);
    this.#flushIncidents();
  }

  #onLiveness(change: LivenessChange): void {
    const info = this.registry.device(change.device_id);
    if (info) this.sla.onLiveness(change, info);
    this.incidents.onLiveness(change, change.at_ms);
    this.#signals(this.monitor.onLiveness(change), change.at_ms);
  }

  #signals(signals: readonly AlertSignal[], now_ms: number): void {
    for (let i = 0; i < signals.length; i++) {
      const alert = this.alerts.apply(signals[i]!);
      if (alert) {
        this.incidents.onAlert(alert, now_ms);
        this.patching.onAlert(alert);
      }
    }
  }

  #flushIncidents(): void {
    if (this.#changed_incidents.size === 0) return;
    for (const id of [...this.#changed_incidents].sort()) {
      const incident = this.incidents.get(id);
      if (incident) this.sla.onIncident(incident);
    }
    this.#changed_incidents.clear();
  }
}

/** A message's own timestamp (`ts`), without a full parse when it is absent (last wills). */
