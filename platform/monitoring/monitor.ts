/**
 * The rule engine: turns device messages and liveness changes into raise/clear signals for the
 * alert manager. Conditions on measurements use consecutive-point counters (hysteresis, as AWS
 * Device Defender) and a pending-since timestamp for `for_ms` (Alertmanager's pending → firing);
 * anything that must happen with no new message (a `for` elapsing, an auto-resolve, a quiet
 * period) sits in a min-heap of timers, so `tick` costs O(due timers · log n), never a scan of
 * every device. Every entry point first drains the timers due at or before its own time, so the
 * signal sequence does not depend on how often the caller ticks.
 */
import { MinHeap } from '../../common/min-heap.ts';
import type { EventType } from '../contract/messages.ts';
import type { AlertType, DeviceInfo, DeviceMessage, Journal, LivenessChange, Severity } from '../core/model.ts';
import { copyData, sortedEntries } from '../core/state-codec.ts';
import { DOOR_HELD_OPEN_ENDS_ON, EVENT_RULE_NAMES, type EventRule, type MonitoringConfig, type ThresholdRule } from './rules.ts';

export interface AlertSignal {
  readonly kind: 'raise' | 'clear';
  readonly device_id: string;
  readonly type: AlertType;
  readonly severity: Severity;
  readonly at_ms: number;
  readonly summary: string;
}

export interface MonitorDeps {
  journal: Journal;
  config: MonitoringConfig;
  device: (id: string) => DeviceInfo | undefined;
}

/** How a condition turns into an alert: the common rule fields plus the alert it produces. */
interface CondSpec {
  readonly type: AlertType;
  readonly severity: Severity;
  readonly for_ms: number;
  readonly raise_after: number;
  readonly clear_after: number;
}

/** One (device, rule) condition: pending → firing → cleared. */
interface Cond {
  firing: boolean;
  bad_n: number;
  good_n: number;
  bad_since_ms: number | null;
  /** Bumped whenever a scheduled timer stops being valid; heap entries carry the gen they were for. */
  gen: number;
  timer_due_ms: number | null;
  summary: string;
}

interface Timer {
  readonly due_ms: number;
  readonly device_id: string;
  readonly rule: string;
  readonly gen: number;
}

function timerBefore(a: Timer, b: Timer): boolean {
  if (a.due_ms !== b.due_ms) return a.due_ms < b.due_ms;
  if (a.device_id !== b.device_id) return a.device_id < b.device_id;
  if (a.rule !== b.rule) return a.rule < b.rule;
  return a.gen < b.gen;
}

interface RebootState {
  last_session: number | null;
  /** Times of the most recent new sessions, oldest first; at most `reboot_rate.sessions` long. */
  births_ms: number[];
}

interface HvacState {
  zone_temp_c?: number;
  setpoint_c?: number;
  mode?: string;
  /** When the setpoint last changed (recovery window start). */
  setpoint_changed_ms?: number;
}

const SEP = '\u0000';

/** The monitor as saved in a snapshot (see `Monitor.saveState`). */
export interface MonitorState {
  conds: Array<[string, Omit<Cond, 'gen'>]>;
  reboots: Array<[string, RebootState]>;
  hvac: Array<[string, HvacState]>;
  thresholds_firing: Array<[string, string[]]>;
}
const THRESHOLD_PREFIX = 'threshold:';
/** Stale heap entries are tolerated up to this slack before a rebuild (keeps the heap bounded). */
const HEAP_SLACK = 1024;

function compareSignals(a: AlertSignal, b: AlertSignal): number {
  if (a.at_ms !== b.at_ms) return a.at_ms - b.at_ms;
  if (a.device_id !== b.device_id) return a.device_id < b.device_id ? -1 : 1;
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  // A clear before a raise at the same instant: the later condition is the one that stands.
  if (a.kind !== b.kind) return a.kind === 'clear' ? -1 : 1;
  return 0;
}

function compare(v: number, op: ThresholdRule['op'], limit: number): boolean {
  switch (op) {
    case '>':
      return v > limit;
    case '<':
      return v < limit;
    case '>=':
      return v >= limit;
    case '<=':
      return v <= limit;
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** What a call that signals nothing returns (frozen: a caller cannot add to it by mistake). */
const NO_SIGNALS = Object.freeze([]) as readonly AlertSignal[] as AlertSignal[];

export class Monitor {
  private readonly journal: Journal;
  private readonly config: MonitoringConfig;
  private readonly device: (id: string) => DeviceInfo | undefined;
  private readonly conds = new Map<string, Cond>();
  /**
   * Devices with at least one condition (conditions are never deleted): most devices never get
   * one, and `quiet` can then answer without building a `device + rule` key to look up.
   */
  private readonly with_conds = new Set<string>();
  /** Timers ordered by (due, device, rule, gen): a total order, so pops are deterministic. */
  private readonly heap = new MinHeap<Timer>(timerBefore);
  private live_timers = 0;
  /**
   * Per device, the last session seen: a bare number until the device's first reboot, then its
   * state with the recent births (nearly every device never reboots; an object and an empty array
   * each held ~70 B a device).
   */
  private readonly reboots = new Map<string, RebootState | number>();
  private readonly hvac = new Map<string, HvacState>();
  /** Firing threshold rule names per device: the one `threshold` alert clears when this empties. */
  private readonly thresholds_firing = new Map<string, Set<string>>();
  private readonly event_rules = new Map<EventType, Array<{ rule: (typeof EVENT_RULE_NAMES)[number]; spec: EventRule; action: 'raise' | 'clear' }>>();
  private readonly threshold_rules: ThresholdRule[];
  private out: AlertSignal[] = [];

  constructor(deps: MonitorDeps) {
    this.journal = deps.journal;
    this.config = deps.config;
    this.device = deps.device;
    for (const rule of EVENT_RULE_NAMES) {
      const spec = this.config[rule];
      if (!spec.enabled) continue;
      for (const [events, action] of [
        [spec.raise_on, 'raise'],
        [spec.clear_on, 'clear'],
      ] as const) {
        for (const ev of events) {
          const list = this.event_rules.get(ev) ?? [];
          list.push({ rule, spec, action });
          this.event_rules.set(ev, list);
        }
      }
    }
    this.threshold_rules = [...this.config.thresholds].filter((t) => t.enabled !== false).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  onMessage(msg: DeviceMessage, now_ms: number): AlertSignal[] {
    this.drain(now_ms);
    switch (msg.type) {
      case 'birth':
        this.onBirth(msg.device_id, msg.payload.session, now_ms);
        break;
      case 'telemetry':
        this.onTelemetry(msg.device_id, msg.payload.battery_pct, msg.payload.rssi_dbm, msg.payload.values, now_ms);
        break;
      case 'event':
        this.onEvent(msg.device_id, msg.payload.type, now_ms);
        break;
      case 'state':
        // Liveness (registry) already interprets state messages; offline rules follow onLiveness.
        break;
      case 'ota':
        // Update progress is the rollout engine's (platform/patching); no monitoring rule reads it.
        break;
    }
    return this.flush();
  }

  onLiveness(change: LivenessChange): AlertSignal[] {
    const at = change.at_ms;
    this.drain(at);
    const info = this.device(change.device_id);
    const rule = info?.kind === 'gateway' ? 'gateway_offline' : 'device_offline';
    const spec = this.config[rule];
    if (spec.enabled && change.from !== change.to) {
      const offline = change.to === 'OFFLINE';
      // A device coming online with no episode open changes nothing (the first birth of every
      // device): no idle condition is made for it (docs/performance.md, "Memory per device").
      if (!this.quiet(change.device_id, rule, offline)) {
        const summary = offline ? `${info?.kind ?? 'device'} offline (${change.reason})` : `back ${change.to} (${change.reason})`;
        this.point(change.device_id, rule, { ...spec, type: rule }, at, offline, !offline, summary);
      }
    }
    return this.flush();
  }

  tick(now_ms: number): AlertSignal[] {
    this.drain(now_ms);
    return this.flush();
  }

  /** Conditions and timers held (for bounds reporting). */
  size(): { conditions: number; timers: number } {
    return { conditions: this.conds.size, timers: this.heap.size };
  }

  /**
   * Conditions, reboot and HVAC memory and firing thresholds as plain data, keyed and sorted by
   * device and rule (platform/store snapshots). Timers are not saved: every condition with a due
   * timer gets exactly one live heap entry back in `loadState` (voided entries are dropped).
   */
  saveState(): MonitorState {
    return {
      conds: sortedEntries(this.conds).map(([key, c]) => {
        const { gen: _gen, ...rest } = c;
        return [key, copyData(rest)];
      }),
      reboots: sortedEntries(this.reboots).map(([d, r]): [string, RebootState] => [d, typeof r === 'number' ? { last_session: r, births_ms: [] } : copyData(r)]),
      hvac: copyData(sortedEntries(this.hvac)),
      thresholds_firing: sortedEntries(this.thresholds_firing).map(([d, set]) => [d, [...set].sort()]),
    };
  }

  /** Replaces this (fresh) monitor's state with a saved one. */
  loadState(state: MonitorState): void {
    this.conds.clear();
    this.with_conds.clear();
    this.heap.retain(() => false);
    this.live_timers = 0;
    for (const [key, saved] of state.conds) {
      const c: Cond = { ...copyData(saved), gen: 0 };
      this.conds.set(key, c);
      const i = key.indexOf(SEP);
      this.with_conds.add(key.slice(0, i));
      if (c.timer_due_ms !== null) {
        this.heap.push({ due_ms: c.timer_due_ms, device_id: key.slice(0, i), rule: key.slice(i + 1), gen: 0 });
        this.live_timers += 1;
      }
    }
    this.reboots.clear();
    // As held while running: the last session alone until the device's first reboot.
    for (const [d, r] of copyData(state.reboots)) this.reboots.set(d, r.last_session !== null && r.births_ms.length === 0 ? r.last_session : r);
    this.hvac.clear();
    for (const [d, h] of copyData(state.hvac)) this.hvac.set(d, h);
    this.thresholds_firing.clear();
    for (const [d, names] of state.thresholds_firing) this.thresholds_firing.set(d, new Set(names));
    this.out = [];
  }

  // ---- rules ----------------------------------------------------------------------------------

  private onBirth(device_id: string, session: number, at: number): void {
    const spec = this.config.reboot_rate;
    if (!spec.enabled) return;
    const prev = this.reboots.get(device_id);
    const last_session = prev === undefined ? null : typeof prev === 'number' ? prev : prev.last_session;
    // A retained birth redelivered (same session) or a stale one is not a new session.
    if (last_session !== null && session <= last_session) return;
    // The first birth we see is the device starting (or the platform starting), not a reboot.
    if (prev === undefined) {
      this.reboots.set(device_id, session);
      return;
    }
    const st: RebootState = typeof prev === 'number' ? { last_session: prev, births_ms: [] } : prev;
    if (st !== prev) this.reboots.set(device_id, st);
    const first = st.last_session === null;
    st.last_session = session;
    if (first) return;
    st.births_ms.push(at);
    while (st.births_ms.length > spec.sessions) st.births_ms.shift();
    const c = this.cond(device_id, 'reboot_rate');
    const oldest = st.births_ms[0]!;
    const tripped = st.births_ms.length >= spec.sessions && at - oldest <= spec.window_ms;
    if (tripped || c.firing) {
      c.summary = `${st.births_ms.length} new sessions since ${oldest}`;
      // Every new session while firing re-triggers (count++) and restarts the quiet period.
      this.emit(device_id, 'reboot_rate', 'raise', { ...spec, type: 'reboot_rate' }, at, c.summary);
      c.firing = true;
      this.schedule(device_id, 'reboot_rate', c, at + spec.quiet_ms);
    }
  }

  private onEvent(device_id: string, type: EventType, at: number): void {
    if (type === 'battery_replaced') this.forceClear(device_id, 'battery_low', at, 'battery replaced');
    const rules = this.event_rules.get(type);
    if (rules === undefined) return;
    for (const { rule, spec, action } of rules) {
      // A clearing event for a condition that was never raised ends nothing: no idle condition.
      const c = action === 'raise' ? this.cond(device_id, rule) : this.conds.get(device_id + SEP + rule);
      if (c === undefined) continue;
      const cs: CondSpec = { ...spec, type: rule };
      if (action === 'raise') {
        if (spec.for_ms > 0 && !c.firing) {
          // Pending: fires when `for_ms` passes with nothing ending it; a repeat keeps the first start.
          if (c.bad_since_ms === null) {
            c.bad_since_ms = at;
            c.summary = `${type}`;
            this.schedule(device_id, rule, c, at + spec.for_ms);
          }
          continue;
        }
        c.summary = `${type}`;
        this.emit(device_id, rule, 'raise', cs, at, c.summary);
        c.firing = true;
        if (spec.auto_resolve_ms !== null) this.schedule(device_id, rule, c, at + spec.auto_resolve_ms);
      } else {
        this.endEventCond(device_id, rule, c, cs, at, `${type}`);
      }
    }
  }

  /** A clearing event (or state): clears a firing event condition, or voids a pending one. */
  private endEventCond(device_id: string, rule: string, c: Cond, cs: CondSpec, at: number, why: string): void {
    if (c.firing) this.clearCond(device_id, rule, c, cs, at, why);
    else if (c.bad_since_ms !== null) {
      this.cancel(c);
      c.bad_since_ms = null;
    }
  }

  /** The lock reports its door closed: a held-open door is no longer held open. */
  private onDoorClosed(device_id: string, at: number): void {
    const spec = this.config.door_held_open;
    if (!spec.enabled) return;
    const c = this.conds.get(device_id + SEP + 'door_held_open');
    if (c !== undefined) this.endEventCond(device_id, 'door_held_open', c, { ...spec, type: 'door_held_open' }, at, 'door closed');
  }

  private onTelemetry(
    device_id: string,
    battery_pct: number | undefined,
    rssi_dbm: number | undefined,
    values: Readonly<Record<string, number | boolean | string>>,
    at: number,
  ): void {
    const cfg = this.config;
    const info = this.device(device_id);
    if (values[DOOR_HELD_OPEN_ENDS_ON.value] === DOOR_HELD_OPEN_ENDS_ON.equals) this.onDoorClosed(device_id, at);

    if (cfg.battery_low.enabled && battery_pct !== undefined) {
      const r = cfg.battery_low;
      const bad = battery_pct < r.raise_below_pct;
      if (!this.quiet(device_id, 'battery_low', bad)) this.point(device_id, 'battery_low', { ...r, type: 'battery_low' }, at, bad, battery_pct >= r.clear_at_or_above_pct, `battery ${battery_pct}%`);
    }

    if (cfg.hvac_off_setpoint.enabled && ('zone_temp_c' in values || 'setpoint_c' in values || 'mode' in values)) {
      // Devices report on change, so a report may carry only some fields: keep the last of each.
      const h = this.hvac.get(device_id) ?? {};
      this.hvac.set(device_id, h);
      const z = num(values.zone_temp_c);
      const s = num(values.setpoint_c);
      if (z !== undefined) h.zone_temp_c = z;
      if (s !== undefined && h.setpoint_c !== undefined && s !== h.setpoint_c) h.setpoint_changed_ms = at;
      if (s !== undefined) h.setpoint_c = s;
      if (typeof values.mode === 'string') h.mode = values.mode;
      if (h.zone_temp_c !== undefined && h.setpoint_c !== undefined) {
        const r = cfg.hvac_off_setpoint;
        const delta = Math.abs(h.zone_temp_c - h.setpoint_c);
        const off = h.mode === 'off';
        const recovering = h.setpoint_changed_ms !== undefined && at - h.setpoint_changed_ms < r.recovery_ms;
        const bad = !off && !recovering && delta > r.raise_above_delta_c;
        if (!this.quiet(device_id, 'hvac_off_setpoint', bad)) {
          const summary = `zone ${h.zone_temp_c} °C vs setpoint ${h.setpoint_c} °C (mode ${h.mode ?? '?'})`;
          this.point(device_id, 'hvac_off_setpoint', { ...r, type: 'hvac_off_setpoint' }, at, bad, off || delta <= r.clear_within_delta_c, summary);
        }
      }
    }

    const hum = num(values.humidity_pct);
    if (cfg.humidity_out_of_range.enabled && hum !== undefined && info !== undefined && cfg.humidity_out_of_range.kinds.includes(info.kind)) {
      const r = cfg.humidity_out_of_range;
      const bad = hum > r.raise_above_pct || hum < r.raise_below_pct;
      if (!this.quiet(device_id, 'humidity_out_of_range', bad)) this.point(device_id, 'humidity_out_of_range', { ...r, type: 'humidity_out_of_range' }, at, bad, !bad, `humidity ${hum}%`);
    }

    // The room's temperature: a thermostat's zone reading, an environment sensor's own.
    const room_c = info?.kind === 'hvac' ? num(values.zone_temp_c) : num(values.temperature_c);
    if (cfg.freeze_risk.enabled && room_c !== undefined && info !== undefined && cfg.freeze_risk.kinds.includes(info.kind)) {
      const r = cfg.freeze_risk;
      const bad = room_c < r.raise_below_c;
      if (!this.quiet(device_id, 'freeze_risk', bad)) this.point(device_id, 'freeze_risk', { ...r, type: 'freeze_risk' }, at, bad, room_c >= r.clear_at_or_above_c, `room ${room_c} °C, pipes at risk below ${r.raise_below_c} °C`);
    }

    for (const t of this.threshold_rules) {
      if (t.kinds !== undefined && (info === undefined || !t.kinds.includes(info.kind))) continue;
      const v = t.metric === 'battery_pct' ? battery_pct : t.metric === 'rssi_dbm' ? rssi_dbm : num(values[t.metric]);
      if (v === undefined) continue;
      const bad = compare(v, t.op, t.value);
      const rule = THRESHOLD_PREFIX + t.name;
      if (!this.quiet(device_id, rule, bad)) this.point(device_id, rule, { ...t, type: 'threshold' }, at, bad, !bad, `${t.name}: ${t.metric} ${v} ${t.op} ${t.value}`);
    }
  }

  // ---- the condition engine ---------------------------------------------------------------------

  private cond(device_id: string, rule: string): Cond {
    const key = device_id + SEP + rule;
    let c = this.conds.get(key);
    if (c === undefined) {
      c = { firing: false, bad_n: 0, good_n: 0, bad_since_ms: null, gen: 0, timer_due_ms: null, summary: '' };
      this.conds.set(key, c);
      this.with_conds.add(device_id);
    }
    return c;
  }

  /**
   * Whether a telemetry point would change nothing: it is not bad and its condition is idle (absent,
   * or not firing with no episode pending), which is what `point` leaves such a condition as.
   * Checked before a point's summary and spec copy are built, and no idle condition is created for
   * it: nearly every point is good, and a condition per device and rule held ~300 B a device
   * (docs/performance.md, "Memory per device").
   */
  private quiet(device_id: string, rule: string, bad: boolean): boolean {
    if (bad) return false;
    if (!this.with_conds.has(device_id)) return true;
    const c = this.conds.get(device_id + SEP + rule);
    return c === undefined || (!c.firing && c.bad_n === 0 && c.good_n === 0 && c.bad_since_ms === null && c.timer_due_ms === null);
  }

  /** One data point: `bad` meets the raise condition, `good` the clear one (neither = deadband). */
  private point(device_id: string, rule: string, spec: CondSpec, at: number, bad: boolean, good: boolean, summary: string): void {
    const c = this.cond(device_id, rule);
    if (!c.firing) {
      c.good_n = 0;
      if (!bad) {
        // Continuity broken: the pending episode ends and its timer is void.
        if (c.bad_n > 0) this.cancel(c);
        c.bad_n = 0;
        c.bad_since_ms = null;
        return;
      }
      c.bad_n += 1;
      c.bad_since_ms ??= at;
      c.summary = summary;
      if (c.bad_n < spec.raise_after) return;
      const due = c.bad_since_ms + spec.for_ms;
      if (at >= due) this.fire(device_id, rule, c, spec, at);
      else if (c.timer_due_ms === null) this.schedule(device_id, rule, c, due);
      return;
    }
    if (!good) {
      c.good_n = 0;
      return;
    }
    c.good_n += 1;
    if (c.good_n >= spec.clear_after) this.clearCond(device_id, rule, c, spec, at, summary);
  }

  private fire(device_id: string, rule: string, c: Cond, spec: CondSpec, at: number): void {
    this.cancel(c);
    c.firing = true;
    c.good_n = 0;
    this.emit(device_id, rule, 'raise', spec, at, c.summary);
  }

  private clearCond(device_id: string, rule: string, c: Cond, spec: CondSpec, at: number, why: string): void {
    this.cancel(c);
    c.firing = false;
    c.bad_n = 0;
    c.good_n = 0;
    c.bad_since_ms = null;
    this.emit(device_id, rule, 'clear', spec, at, why);
  }

  private forceClear(device_id: string, rule: 'battery_low', at: number, why: string): void {
    const c = this.conds.get(device_id + SEP + rule);
    if (c === undefined) return;
    if (c.firing) this.clearCond(device_id, rule, c, { ...this.config[rule], type: rule }, at, why);
    else {
      this.cancel(c);
      c.bad_n = 0;
      c.bad_since_ms = null;
    }
  }

  private emit(device_id: string, rule: string, kind: 'raise' | 'clear', spec: CondSpec, at: number, summary: string): void {
    if (rule.startsWith(THRESHOLD_PREFIX)) {
      // All threshold rules of a device share one `threshold` alert (one per device and type):
      // each rule that fires re-triggers it, and it clears only when the last one clears.
      const name = rule.slice(THRESHOLD_PREFIX.length);
      const set = this.thresholds_firing.get(device_id) ?? new Set<string>();
      if (kind === 'raise') set.add(name);
      else set.delete(name);
      if (set.size > 0) this.thresholds_firing.set(device_id, set);
      else this.thresholds_firing.delete(device_id);
      if (kind === 'clear' && set.size > 0) return;
    }
    const signal: AlertSignal = { kind, device_id, type: spec.type, severity: spec.severity, at_ms: at, summary };
    this.journal(at, 'p.sig', { d: device_id, type: spec.type, edge: kind, sev: spec.severity, rule });
    this.out.push(signal);
  }

  private schedule(device_id: string, rule: string, c: Cond, due_ms: number): void {
    this.cancel(c);
    c.timer_due_ms = due_ms;
    this.live_timers += 1;
    this.heap.push({ due_ms, device_id, rule, gen: c.gen });
  }

  private cancel(c: Cond): void {
    c.gen += 1;
    if (c.timer_due_ms !== null) {
      c.timer_due_ms = null;
      this.live_timers -= 1;
    }
  }

  private specOf(rule: string): CondSpec | undefined {
    if (rule.startsWith(THRESHOLD_PREFIX)) {
      const name = rule.slice(THRESHOLD_PREFIX.length);
      const t = this.threshold_rules.find((r) => r.name === name);
      return t === undefined ? undefined : { ...t, type: 'threshold' };
    }
    const spec = (this.config as unknown as Record<string, CondSpec | undefined>)[rule];
    return spec === undefined ? undefined : { ...spec, type: rule as AlertType };
  }

  /** Fires every timer due at or before `now_ms`, each at its own due time. */
  private drain(now_ms: number): void {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined || top.due_ms > now_ms) break;
      this.heap.pop();
      const c = this.conds.get(top.device_id + SEP + top.rule);
      if (c === undefined || c.gen !== top.gen || c.timer_due_ms !== top.due_ms) continue;
      c.timer_due_ms = null;
      this.live_timers -= 1;
      const spec = this.specOf(top.rule);
      if (spec === undefined) continue;
      if (c.firing) {
        // A firing condition's timer is its auto-resolve / quiet period.
        const why = top.rule === 'reboot_rate' ? 'no new session for the quiet period' : 'auto-resolved';
        this.clearCond(top.device_id, top.rule, c, spec, top.due_ms, why);
      } else {
        this.fire(top.device_id, top.rule, c, spec, top.due_ms);
        // An event rule that waited its `for` now counts its auto-resolve from firing.
        const event_spec = (EVENT_RULE_NAMES as readonly string[]).includes(top.rule) ? this.config[top.rule as (typeof EVENT_RULE_NAMES)[number]] : undefined;
        if (event_spec !== undefined && event_spec.auto_resolve_ms !== null) this.schedule(top.device_id, top.rule, c, top.due_ms + event_spec.auto_resolve_ms);
      }
    }
    // Voided timers stay in the heap until due; rebuild once they dominate, so it stays bounded.
    if (this.heap.size > 2 * this.live_timers + HEAP_SLACK) {
      this.heap.retain((t) => {
        const c = this.conds.get(t.device_id + SEP + t.rule);
        return c !== undefined && c.gen === t.gen && c.timer_due_ms === t.due_ms;
      });
    }
  }

  private flush(): AlertSignal[] {
    const out = this.out;
    // Most calls (one per message and per tick) signal nothing: they share one frozen empty
    // array rather than make a new one each (a steady share of the garbage, docs/performance.md).
    if (out.length === 0) return NO_SIGNALS;
    this.out = [];
    return out.sort(compareSignals);
  }
}
