import { describe, expect, it } from 'vitest';
import type { Severity } from '../../platform/core/model.ts';
import {
  defaultMonitoringConfig,
  mergeMonitoringConfig,
  opensIncident,
  validateMonitoringConfig,
  type DeepPartial,
  type MonitoringConfig,
} from '../../platform/monitoring/rules.ts';

// Monitoring rule defaults, overrides, validation and the incident policy
// (platform/monitoring/rules.ts), written to kill the mutants StrykerJS left alive (docs/testing.md,
// "Mutation testing"). The defaults are checked against docs/monitoring.md's rule table; every
// message is the documented MON001/MON002 text. Each test builds its own config.

const MIN = 60_000;
const HOUR = 60 * MIN;
const SEVERITY_LIST = 'critical, major, minor, warning';

function merged(over: DeepPartial<MonitoringConfig>): MonitoringConfig {
  return mergeMonitoringConfig(defaultMonitoringConfig(), over);
}

function invalid(what: string): string {
  return `MON002: invalid monitoring setting: ${what}`;
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a throw');
}

describe('monitoring defaults (docs/monitoring.md, the rule table)', () => {
  it('every rule has the documented severity, wait, counts and thresholds; one data point raises and clears unless the table says 2', () => {
    const on = { enabled: true };
    expect(defaultMonitoringConfig()).toEqual({
      incident_policy: { min_severity: 'minor', scopes: [] },
      device_offline: { ...on, severity: 'major', for_ms: 5 * MIN, raise_after: 1, clear_after: 1 },
      gateway_offline: { ...on, severity: 'critical', for_ms: 0, raise_after: 1, clear_after: 1 },
      battery_low: { ...on, severity: 'warning', for_ms: 0, raise_after: 2, clear_after: 2, raise_below_pct: 15, clear_at_or_above_pct: 20 },
      leak: { ...on, severity: 'critical', for_ms: 0, raise_after: 1, clear_after: 1, raise_on: ['leak_detected'], clear_on: ['leak_cleared'], auto_resolve_ms: null },
      hvac_off_setpoint: { ...on, severity: 'minor', for_ms: 45 * MIN, raise_after: 1, clear_after: 2, raise_above_delta_c: 2.5, clear_within_delta_c: 1, recovery_ms: 90 * MIN },
      freeze_risk: { ...on, severity: 'critical', for_ms: 30 * MIN, raise_after: 2, clear_after: 2, kinds: ['hvac', 'env'], raise_below_c: 7, clear_at_or_above_c: 10 },
      humidity_out_of_range: { ...on, severity: 'minor', for_ms: 60 * MIN, raise_after: 1, clear_after: 2, kinds: ['env'], raise_above_pct: 70, raise_below_pct: 12 },
      lock_jammed: { ...on, severity: 'major', for_ms: 0, raise_after: 1, clear_after: 1, raise_on: ['lock_jammed'], clear_on: ['access_granted'], auto_resolve_ms: null },
      door_forced: { ...on, severity: 'major', for_ms: 0, raise_after: 1, clear_after: 1, raise_on: ['door_forced'], clear_on: [], auto_resolve_ms: null },
      door_held_open: { ...on, severity: 'minor', for_ms: 10 * MIN, raise_after: 1, clear_after: 1, raise_on: ['door_held_open'], clear_on: [], auto_resolve_ms: null },
      lighting_driver_failure: { ...on, severity: 'minor', for_ms: 0, raise_after: 1, clear_after: 1, raise_on: ['driver_failure'], clear_on: [], auto_resolve_ms: null },
      reboot_rate: { ...on, severity: 'major', for_ms: 0, raise_after: 1, clear_after: 1, sessions: 3, window_ms: HOUR, quiet_ms: HOUR },
      thresholds: [],
    });
  });

  it('each call returns a fresh config', () => {
    const a = defaultMonitoringConfig();
    a.leak.raise_on.push('door_forced');
    a.incident_policy.scopes.push({ site: 's' });
    expect(defaultMonitoringConfig().leak.raise_on).toEqual(['leak_detected']);
    expect(defaultMonitoringConfig().incident_policy.scopes).toEqual([]);
  });
});

describe('mergeMonitoringConfig', () => {
  it('names an unknown key with its dotted path, the first in sorted order', () => {
    expect(thrown(() => merged({ device_ofline: {} } as never))).toBe("MON001: unknown monitoring setting 'device_ofline'");
    expect(thrown(() => merged({ leak: { raise_onn: [] } } as never))).toBe("MON001: unknown monitoring setting 'leak.raise_onn'");
    expect(thrown(() => merged({ zz_last: 1, aa_first: 1 } as never))).toBe("MON001: unknown monitoring setting 'aa_first'");
  });

  it('opens_incident is a rule setting, not a top-level one', () => {
    expect(merged({ leak: { opens_incident: false } }).leak.opens_incident).toBe(false);
    expect(thrown(() => merged({ opens_incident: true } as never))).toBe("MON001: unknown monitoring setting 'opens_incident'");
  });

  it('an undefined override leaves the default in force', () => {
    expect(merged({ device_offline: { for_ms: undefined, severity: 'minor' } }).device_offline).toEqual({
      enabled: true,
      severity: 'minor',
      for_ms: 5 * MIN,
      raise_after: 1,
      clear_after: 1,
    });
  });

  it('a list replaces the default whole, and is copied', () => {
    const raise_on: Array<'leak_detected' | 'door_forced'> = ['door_forced'];
    const out = merged({ leak: { raise_on } });
    raise_on.push('leak_detected');
    expect(out.leak.raise_on).toEqual(['door_forced']);
  });

  it('a list given for a rule replaces the rule and fails validation, rather than merging into it', () => {
    expect(thrown(() => merged({ leak: [] } as never))).toBe(invalid('leak.for_ms must be ≥ 0'));
  });

  it('nested objects merge key by key and the base is left alone', () => {
    const base = defaultMonitoringConfig();
    const out = mergeMonitoringConfig(base, { incident_policy: { min_severity: 'major' }, reboot_rate: { sessions: 5 } });
    expect(out.incident_policy).toEqual({ min_severity: 'major', scopes: [] });
    expect(out.reboot_rate).toEqual({ ...base.reboot_rate, sessions: 5 });
    expect(base.incident_policy.min_severity).toBe('minor');
    expect(base.reboot_rate.sessions).toBe(3);
  });

  it('validates the result', () => {
    expect(thrown(() => merged({ reboot_rate: { sessions: 0 } }))).toBe(invalid('reboot_rate needs sessions ≥ 1 and window_ms > 0'));
  });
});

describe('validateMonitoringConfig', () => {
  const RULES = [
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

  it('the defaults are valid', () => {
    expect(() => validateMonitoringConfig(defaultMonitoringConfig())).not.toThrow();
  });

  it('every rule: for_ms finite and ≥ 0, raise_after and clear_after whole and ≥ 1', () => {
    for (const rule of RULES) {
      const with_ = (over: object): MonitoringConfig => {
        const c = defaultMonitoringConfig();
        Object.assign(c[rule], over);
        return c;
      };
      expect(thrown(() => validateMonitoringConfig(with_({ for_ms: -1 })))).toBe(invalid(`${rule}.for_ms must be ≥ 0`));
      expect(thrown(() => validateMonitoringConfig(with_({ for_ms: Number.POSITIVE_INFINITY })))).toBe(invalid(`${rule}.for_ms must be ≥ 0`));
      expect(thrown(() => validateMonitoringConfig(with_({ raise_after: 0 })))).toBe(invalid(`${rule}.raise_after must be an integer ≥ 1`));
      expect(thrown(() => validateMonitoringConfig(with_({ raise_after: 1.5 })))).toBe(invalid(`${rule}.raise_after must be an integer ≥ 1`));
      expect(thrown(() => validateMonitoringConfig(with_({ clear_after: 0 })))).toBe(invalid(`${rule}.clear_after must be an integer ≥ 1`));
      expect(thrown(() => validateMonitoringConfig(with_({ clear_after: 2.5 })))).toBe(invalid(`${rule}.clear_after must be an integer ≥ 1`));
      expect(() => validateMonitoringConfig(with_({ for_ms: 0, raise_after: 1, clear_after: 1 }))).not.toThrow();
    }
  });

  it('hysteresis: a clear level equal to the raise level is allowed, one on the wrong side is not', () => {
    expect(() => merged({ battery_low: { raise_below_pct: 15, clear_at_or_above_pct: 15 } })).not.toThrow();
    expect(thrown(() => merged({ battery_low: { raise_below_pct: 15, clear_at_or_above_pct: 14 } }))).toBe(invalid('battery_low clear level below its raise level'));
    expect(() => merged({ freeze_risk: { raise_below_c: 7, clear_at_or_above_c: 7 } })).not.toThrow();
    expect(thrown(() => merged({ freeze_risk: { raise_below_c: 7, clear_at_or_above_c: 6.5 } }))).toBe(invalid('freeze_risk clear level below its raise level'));
    expect(() => merged({ hvac_off_setpoint: { raise_above_delta_c: 2.5, clear_within_delta_c: 2.5 } })).not.toThrow();
    expect(thrown(() => merged({ hvac_off_setpoint: { raise_above_delta_c: 2.5, clear_within_delta_c: 2.6 } }))).toBe(
      invalid('hvac_off_setpoint clear band wider than its raise band'),
    );
  });

  it('reboot_rate: one session and a 1 ms window are the least allowed', () => {
    expect(() => merged({ reboot_rate: { sessions: 1, window_ms: 1 } })).not.toThrow();
    expect(thrown(() => merged({ reboot_rate: { sessions: 3, window_ms: 0 } }))).toBe(invalid('reboot_rate needs sessions ≥ 1 and window_ms > 0'));
    expect(thrown(() => merged({ reboot_rate: { sessions: 0, window_ms: HOUR } }))).toBe(invalid('reboot_rate needs sessions ≥ 1 and window_ms > 0'));
  });

  it('the incident policy: a known severity, and each scope names exactly one site or building', () => {
    expect(thrown(() => merged({ incident_policy: { min_severity: 'bad' as Severity } }))).toBe(invalid(`incident_policy.min_severity must be one of ${SEVERITY_LIST}`));
    for (const min of ['critical', 'major', 'minor', 'warning'] as const) expect(merged({ incident_policy: { min_severity: min } }).incident_policy.min_severity).toBe(min);
    const ok = [{ site: 's1' }, { building: 'b1', min_severity: 'warning' as const }];
    expect(merged({ incident_policy: { scopes: ok } }).incident_policy.scopes).toEqual(ok);
    expect(thrown(() => merged({ incident_policy: { scopes: [{ site: 's1' }, {}] } }))).toBe(invalid('incident_policy.scopes[1] names exactly one site or building'));
    expect(thrown(() => merged({ incident_policy: { scopes: [{ site: 's1', building: 'b1' }] } }))).toBe(invalid('incident_policy.scopes[0] names exactly one site or building'));
    expect(thrown(() => merged({ incident_policy: { scopes: [{ site: 's1', min_severity: 'high' as Severity }] } }))).toBe(
      invalid(`incident_policy.scopes[0].min_severity must be one of ${SEVERITY_LIST}`),
    );
  });

  it('thresholds: named, uniquely, with the common settings checked under their name', () => {
    const t = { name: 'co2', metric: 'co2_ppm', op: '>' as const, value: 1000, for_ms: 0, raise_after: 1, clear_after: 1, severity: 'minor' as const };
    expect(merged({ thresholds: [t, { ...t, name: 'co2b' }] }).thresholds).toHaveLength(2);
    expect(thrown(() => merged({ thresholds: [{ ...t, name: '' }] }))).toBe(invalid("threshold name '' empty or duplicated"));
    expect(thrown(() => merged({ thresholds: [t, t] }))).toBe(invalid("threshold name 'co2' empty or duplicated"));
    expect(thrown(() => merged({ thresholds: [{ ...t, for_ms: -5 }] }))).toBe(invalid('thresholds.co2.for_ms must be ≥ 0'));
    expect(thrown(() => merged({ thresholds: [{ ...t, raise_after: 0 }] }))).toBe(invalid('thresholds.co2.raise_after must be an integer ≥ 1'));
  });
});

describe('opensIncident', () => {
  const places: Record<string, { site: string; building: string }> = {
    a: { site: 's1', building: 'tower' },
    b: { site: 's1', building: 'annex' },
    c: { site: 's2', building: 'loft' },
  };
  const place = (id: string): { site: string; building: string } | undefined => places[id];

  it('by default minor and worse open incidents, a warning does not', () => {
    const opens = opensIncident(defaultMonitoringConfig());
    expect(['critical', 'major', 'minor', 'warning'].map((s) => opens('leak', s as Severity))).toEqual([true, true, true, false]);
  });

  it('the portfolio threshold moves both ways', () => {
    const strict = opensIncident(merged({ incident_policy: { min_severity: 'major' } }));
    expect(['critical', 'major', 'minor', 'warning'].map((s) => strict('leak', s as Severity))).toEqual([true, true, false, false]);
    const lax = opensIncident(merged({ incident_policy: { min_severity: 'warning' } }));
    expect(lax('battery_low', 'warning')).toBe(true);
  });

  it("a rule's opens_incident beats the portfolio threshold both ways", () => {
    const opens = opensIncident(merged({ leak: { opens_incident: false }, battery_low: { opens_incident: true } }));
    expect(opens('leak', 'critical')).toBe(false);
    expect(opens('battery_low', 'warning')).toBe(true);
    expect(opens('door_forced', 'major')).toBe(true);
  });

  it('a building scope beats its site, a site beats the portfolio; a scope without a say passes on', () => {
    const config = merged({
      leak: { opens_incident: false },
      incident_policy: {
        min_severity: 'minor',
        scopes: [
          { site: 's1', min_severity: 'critical', rules: { battery_low: true } },
          { building: 'annex', rules: { leak: true } },
          { building: 'tower' },
        ],
      },
    });
    const opens = opensIncident(config, place);
    // annex: its rule says leak opens; for other rules it has no say, so the site's settings apply.
    expect(opens('leak', 'warning', 'b')).toBe(true);
    expect(opens('door_forced', 'major', 'b')).toBe(false);
    expect(opens('battery_low', 'warning', 'b')).toBe(true);
    // tower has no say at all: the site's critical threshold.
    expect(opens('door_forced', 'major', 'a')).toBe(false);
    expect(opens('gateway_offline', 'critical', 'a')).toBe(true);
    // s2 has no scope: the portfolio, where the leak rule says no.
    expect(opens('leak', 'critical', 'c')).toBe(false);
    expect(opens('door_forced', 'minor', 'c')).toBe(true);
    // An unknown device, or none, is the portfolio's.
    expect(opens('door_forced', 'minor', 'zz')).toBe(true);
    expect(opens('battery_low', 'warning')).toBe(false);
    // Without a place function the scopes are not consulted.
    expect(opensIncident(config)('door_forced', 'major', 'a')).toBe(true);
  });

  it('a building scope with only a threshold decides by it, also below the portfolio one', () => {
    const opens = opensIncident(merged({ incident_policy: { min_severity: 'critical', scopes: [{ building: 'loft', min_severity: 'warning' }, { site: 's2', min_severity: 'critical' }] } }), place);
    expect(opens('battery_low', 'warning', 'c')).toBe(true);
    expect(opens('battery_low', 'major', 'a')).toBe(false);
  });

  it('threshold alerts are never switched by a rule setting of that name', () => {
    const config = merged({});
    (config as unknown as Record<string, unknown>).thresholds = Object.assign([], { opens_incident: true });
    const opens = opensIncident(config);
    expect(opens('thresholds', 'warning')).toBe(false);
    expect(opens('thresholds', 'minor')).toBe(true);
  });

  it('nor is the incident policy read as a rule', () => {
    const opens = opensIncident(merged({ incident_policy: { opens_incident: true } as never }));
    expect(opens('incident_policy', 'warning')).toBe(false);
  });
});
