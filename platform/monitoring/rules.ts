/**
 * Monitoring rule configuration: what condition raises which alert, how long it must hold
 * (`for_ms`, Alertmanager's pending → firing) and how many consecutive data points it takes to
 * raise and to clear (`raise_after` / `clear_after`, AWS Device Defender's hysteresis). Every rule
 * has the same five common fields so a scenario or a contract can override any of them with one
 * uniform deep-partial object; rule-specific thresholds sit beside them, units last in the name.
 */
import type { DeviceKind, EventType } from '../contract/messages.ts';
import type { Severity } from '../core/model.ts';
import { MS_PER_MINUTE as MINUTE_MS, MS_PER_HOUR as HOUR_MS } from '../../common/time.ts';

export interface RuleCommon {
  enabled: boolean;
  severity: Severity;
  /** The condition must hold continuously this long before the alert fires (0 = at once). */
  for_ms: number;
  /** Consecutive data points meeting the raise condition before the alert fires. */
  raise_after: number;
  /** Consecutive data points meeting the clear condition before the alert clears. */
  clear_after: number;
  /** Whether the rule's alerts open incidents; absent = by severity (minor or worse does, warning does not). */
  opens_incident?: boolean;
}

/** Rules driven by device events rather than by measurements. */
export interface EventRule extends RuleCommon {
  raise_on: EventType[];
  /** Events that clear the alert; empty = only an operator (or `auto_resolve_ms`) ends it. */
  clear_on: EventType[];
  /** Clear this long after the latest raising event; null = never by time. */
  auto_resolve_ms: number | null;
}

/**
 * The telemetry value that ends a door_held_open condition: the lock reporting its door closed.
 * (`for_ms` on an event rule: the raising event starts a pending condition that fires if nothing
 * ends it within `for_ms` — a clearing event, or this; 0 = the event raises at once.)
 */
export const DOOR_HELD_OPEN_ENDS_ON = { value: 'door', equals: 'closed' } as const;

export interface BatteryLowRule extends RuleCommon {
  raise_below_pct: number;
  /** Higher than the raise level so a battery hovering at the threshold does not flap. */
  clear_at_or_above_pct: number;
}

export interface HvacOffSetpointRule extends RuleCommon {
  raise_above_delta_c: number;
  clear_within_delta_c: number;
  /**
   * After a setpoint change (a scheduled setback ending) a healthy zone needs time to get there;
   * points inside this window do not count as off setpoint, so morning warm-ups raise nothing.
   */
  recovery_ms: number;
}

export interface HumidityRule extends RuleCommon {
  kinds: DeviceKind[];
  raise_above_pct: number;
  raise_below_pct: number;
}

/** A room cold enough for its water pipes to freeze (the heating has failed in winter). */
export interface FreezeRiskRule extends RuleCommon {
  kinds: DeviceKind[];
  raise_below_c: number;
  clear_at_or_above_c: number;
}

export interface RebootRateRule extends RuleCommon {
  /** New sessions (births after the first one seen) within `window_ms` that raise the alert. */
  sessions: number;
  window_ms: number;
  /** Clear after this long without a new session. */
  quiet_ms: number;
}

export type ThresholdOp = '>' | '<' | '>=' | '<=';

export interface ThresholdRule {
  /** Unique per config; shown in the alert summary. */
  name: string;
  enabled?: boolean;
  /** Restrict to these device kinds; absent = every kind that reports the metric. */
  kinds?: DeviceKind[];
  /** A key of telemetry `values`, or `battery_pct` / `rssi_dbm`. */
  metric: string;
  op: ThresholdOp;
  value: number;
  for_ms: number;
  raise_after: number;
  clear_after: number;
  severity: Severity;
}

/**
 * Which alerts open incidents, per client: a portfolio default and overrides for a site or a
 * building (a client's property). The most specific scope that has a say wins; within a scope a
 * rule's own setting beats the severity threshold (docs/monitoring.md "Which alerts open incidents").
 */
export interface IncidentPolicy {
  /** The lowest severity that opens an incident portfolio-wide, unless a rule's `opens_incident` says otherwise. */
  min_severity: Severity;
  /** Site and building overrides; a building's beats its site's. */
  scopes: IncidentPolicyScope[];
}

export interface IncidentPolicyScope {
  /** Exactly one of `site` and `building`. */
  site?: string;
  building?: string;
  min_severity?: Severity;
  /** Per rule (an alert type, `threshold` included): true opens incidents, false never. */
  rules?: Partial<Record<string, boolean>>;
}

export interface MonitoringConfig {
  incident_policy: IncidentPolicy;
  device_offline: RuleCommon;
  gateway_offline: RuleCommon;
  battery_low: BatteryLowRule;
  leak: EventRule;
  hvac_off_setpoint: HvacOffSetpointRule;
  humidity_out_of_range: HumidityRule;
  freeze_risk: FreezeRiskRule;
  lock_jammed: EventRule;
  door_forced: EventRule;
  door_held_open: EventRule;
  lighting_driver_failure: EventRule;
  reboot_rate: RebootRateRule;
  thresholds: ThresholdRule[];
}


/** Defaults (the reason for each value sits beside it); scenarios and contracts override them. */
export function defaultMonitoringConfig(): MonitoringConfig {
  return {
    // A warning is for whoever looks at the list; minor and worse is someone's job.
    incident_policy: { min_severity: 'minor', scopes: [] },
    // 5 min: longer than a reboot (devices come back within ~2 min) so a reboot is not a page.
    device_offline: { enabled: true, severity: 'major', for_ms: 5 * MINUTE_MS, raise_after: 1, clear_after: 1 },
    // A gateway takes every device behind it down: page at once.
    gateway_offline: { enabled: true, severity: 'critical', for_ms: 0, raise_after: 1, clear_after: 1 },
    battery_low: {
      enabled: true,
      severity: 'warning',
      for_ms: 0,
      raise_after: 2,
      clear_after: 2,
      raise_below_pct: 15,
      clear_at_or_above_pct: 20,
    },
    leak: {
      enabled: true,
      severity: 'critical',
      for_ms: 0,
      raise_after: 1,
      clear_after: 1,
      raise_on: ['leak_detected'],
      clear_on: ['leak_cleared'],
      auto_resolve_ms: null,
    },
    hvac_off_setpoint: {
      enabled: true,
      severity: 'minor',
      for_ms: 45 * MINUTE_MS,
      raise_after: 1,
      clear_after: 2,
      raise_above_delta_c: 2.5,
      clear_within_delta_c: 1.0,
      recovery_ms: 90 * MINUTE_MS,
    },
    // Indoor pipes are at risk once a room falls below about 7 °C (building codes ask heated
    // spaces to stay above 10–13 °C; freeze alarms commonly trip at 40 °F ≈ 4.4 °C). Critical: a
    // burst pipe floods the units below; half an hour of readings so a door left open is not it.
    freeze_risk: {
      enabled: true,
      severity: 'critical',
      for_ms: 30 * MINUTE_MS,
      raise_after: 2,
      clear_after: 2,
      kinds: ['hvac', 'env'],
      raise_below_c: 7,
      clear_at_or_above_c: 10,
    },
    humidity_out_of_range: {
      enabled: true,
      severity: 'minor',
      for_ms: 60 * MINUTE_MS,
      raise_after: 1,
      clear_after: 2,
      kinds: ['env'],
      raise_above_pct: 70,
      // Heated offices in a northern winter sit at 15–25 % RH for weeks (the flagship's sensors
      // show a 5th percentile of 15 %); an alarm there is noise. 12 % is dry enough to act on.
      raise_below_pct: 12,
    },
    // No event says "unjammed": a later successful access proves the bolt moves again.
    lock_jammed: {
      enabled: true,
      severity: 'major',
      for_ms: 0,
      raise_after: 1,
      clear_after: 1,
      raise_on: ['lock_jammed'],
      clear_on: ['access_granted'],
      auto_resolve_ms: null,
    },
    // A security event: someone must look at it, so only an operator ends it.
    door_forced: {
      enabled: true,
      severity: 'major',
      for_ms: 0,
      raise_after: 1,
      clear_after: 1,
      raise_on: ['door_forced'],
      clear_on: [],
      auto_resolve_ms: null,
    },
    // The lock raises its held-open alarm 30 s into an open door; residents carrying shopping or
    // a pram through, or propping the door for a few minutes, close it again well within 10 min.
    // A door still open 10 minutes after the alarm is one nobody is minding: that pages. The
    // alert ends when the lock reports the door closed (docs/monitoring.md).
    door_held_open: {
      enabled: true,
      severity: 'minor',
      for_ms: 10 * MINUTE_MS,
      raise_after: 1,
      clear_after: 1,
      raise_on: ['door_held_open'],
      clear_on: [],
      auto_resolve_ms: null,
    },
    // A failed LED driver needs a truck roll; the node cannot report its own repair.
    lighting_driver_failure: {
      enabled: true,
      severity: 'minor',
      for_ms: 0,
      raise_after: 1,
      clear_after: 1,
      raise_on: ['driver_failure'],
      clear_on: [],
      auto_resolve_ms: null,
    },
    reboot_rate: {
      enabled: true,
      severity: 'major',
      for_ms: 0,
      raise_after: 1,
      clear_after: 1,
      sessions: 3,
      window_ms: HOUR_MS,
      quiet_ms: HOUR_MS,
    },
    thresholds: [],
  };
}

/** Every field optional, recursively; arrays are replaced whole (a rule list is one value). */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeInto(base: Record<string, unknown>, over: Record<string, unknown>, path: string): void {
  // Sorted keys: the merge (and any error it throws) does not depend on the overrides' key order.
  for (const key of Object.keys(over).sort()) {
    const value = over[key];
    if (value === undefined) continue;
    // `opens_incident` is optional on every rule (absent = by severity), so the defaults leave it out.
    const optional = path !== '' && key === 'opens_incident';
    if (!(key in base) && !optional) throw new Error(`MON001: unknown monitoring setting '${path}${key}'`);
    const current = base[key];
    if (isPlainObject(current) && isPlainObject(value)) mergeInto(current, value, `${path}${key}.`);
    else base[key] = structuredClone(value);
  }
}

/**
 * Deep-merges `overrides` over a copy of `base`. Unknown keys are an error (a typo in a scenario
 * must not silently leave a default in force); arrays (`thresholds`, `raise_on`…) are replaced.
 */
export function mergeMonitoringConfig(base: MonitoringConfig, overrides: DeepPartial<MonitoringConfig>): MonitoringConfig {
  const out = structuredClone(base);
  mergeInto(out as unknown as Record<string, unknown>, overrides as Record<string, unknown>, '');
  validateMonitoringConfig(out);
  return out;
}

/** Throws with a stable code on settings that would make a rule meaningless. */
export function validateMonitoringConfig(config: MonitoringConfig): void {
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new Error(`MON002: invalid monitoring setting: ${what}`);
  };
  const common = (name: string, r: { for_ms: number; raise_after: number; clear_after: number }): void => {
    check(Number.isFinite(r.for_ms) && r.for_ms >= 0, `${name}.for_ms must be ≥ 0`);
    check(Number.isInteger(r.raise_after) && r.raise_after >= 1, `${name}.raise_after must be an integer ≥ 1`);
    check(Number.isInteger(r.clear_after) && r.clear_after >= 1, `${name}.clear_after must be an integer ≥ 1`);
  };
  for (const name of RULE_NAMES) common(name, config[name]);
  check(config.battery_low.clear_at_or_above_pct >= config.battery_low.raise_below_pct, 'battery_low clear level below its raise level');
  check(config.freeze_risk.clear_at_or_above_c >= config.freeze_risk.raise_below_c, 'freeze_risk clear level below its raise level');
  check(
    config.hvac_off_setpoint.clear_within_delta_c <= config.hvac_off_setpoint.raise_above_delta_c,
    'hvac_off_setpoint clear band wider than its raise band',
  );
  check(config.reboot_rate.sessions >= 1 && config.reboot_rate.window_ms > 0, 'reboot_rate needs sessions ≥ 1 and window_ms > 0');
  const policy = config.incident_policy;
  check(SEVERITIES.includes(policy.min_severity), `incident_policy.min_severity must be one of ${SEVERITIES.join(', ')}`);
  for (const [i, sc] of policy.scopes.entries()) {
    check((sc.site === undefined) !== (sc.building === undefined), `incident_policy.scopes[${i}] names exactly one site or building`);
    check(sc.min_severity === undefined || SEVERITIES.includes(sc.min_severity), `incident_policy.scopes[${i}].min_severity must be one of ${SEVERITIES.join(', ')}`);
  }
  const names = new Set<string>();
  for (const t of config.thresholds) {
    check(t.name.length > 0 && !names.has(t.name), `threshold name '${t.name}' empty or duplicated`);
    names.add(t.name);
    common(`thresholds.${t.name}`, t);
  }
}

export const RULE_NAMES = [
  'device_offline',
  'gateway_offline',
  'battery_low',
  'leak',
  'hvac_off_setpoint',
  'humidity_out_of_range',
  'freeze_risk',
  'lock_jammed',
  'door_forced',
  'door_held_open',
  'lighting_driver_failure',
  'reboot_rate',
] as const;
export type RuleName = (typeof RULE_NAMES)[number];

export const EVENT_RULE_NAMES = ['leak', 'lock_jammed', 'door_forced', 'door_held_open', 'lighting_driver_failure'] as const;

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'major', 'minor', 'warning'];

function atLeast(severity: Severity, min: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(min);
}

/** Where a device is, for the per-site and per-building incident policy. */
export type DevicePlace = (device_id: string) => { readonly site: string; readonly building: string } | undefined;

/**
 * Which alerts open (or join) incidents (docs/monitoring.md "Which alerts open incidents"): the
 * device's building scope, then its site's, then the portfolio's; the first scope with a say
 * decides — its setting for the rule if it has one, else its `min_severity`. The portfolio's rule
 * settings are `platform.rules.<rule>.opens_incident`; its threshold is minor by default.
 */
export function opensIncident(config: MonitoringConfig, place?: DevicePlace): (alert_type: string, severity: Severity, device_id?: string) => boolean {
  const rules = config as unknown as Record<string, Partial<RuleCommon> | undefined>;
  const policy = config.incident_policy;
  const by_site = new Map(policy.scopes.filter((s) => s.site !== undefined).map((s) => [s.site!, s]));
  const by_building = new Map(policy.scopes.filter((s) => s.building !== undefined).map((s) => [s.building!, s]));
  return (type, severity, device_id) => {
    const where = device_id === undefined ? undefined : place?.(device_id);
    for (const scope of where === undefined ? [] : [by_building.get(where.building), by_site.get(where.site)]) {
      if (scope === undefined) continue;
      const said = scope.rules?.[type];
      if (typeof said === 'boolean') return said;
      if (scope.min_severity !== undefined) return atLeast(severity, scope.min_severity);
    }
    const said = type === 'thresholds' || type === 'incident_policy' ? undefined : rules[type]?.opens_incident;
    return typeof said === 'boolean' ? said : atLeast(severity, policy.min_severity);
  };
}
