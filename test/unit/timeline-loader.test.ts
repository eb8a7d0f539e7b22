import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';

// Two sites in different timezones, so site-local step times can be told apart.
const BASE = `name: t
seed: 3
start: "2026-03-03 06:00"
duration: 12h
fleet:
  sites:
    - id: nyc
      metro: New York
      timezone: America/New_York
      buildings:
        - { id: hq, type: office, floors: 2, zones_per_floor: 2, per_zone: { occupancy: 1, env: 1, hvac: 1 }, per_floor: { lock: 1, leak: 1 } }
    - id: lax
      metro: Los Angeles
      timezone: America/Los_Angeles
      buildings:
        - { id: west, type: retail, floors: 1, zones_per_floor: 2, per_zone: { env: 1, lighting: 1 }, per_floor: { lock: 1 } }
`;

function issues(text: string): string[] {
  try {
    parseScenario(text, 'x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).issues.map((i) => `${i.line}:${i.column} ${i.message}`);
  }
  throw new Error('expected a ScenarioError');
}

const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('timeline: loading', () => {
  it('resolves offsets, site-local date-times in the target site\'s timezone, repetition and default ids', () => {
    const s = parseScenario(`${BASE}timeline:
  - { at: 2h, action: fault.inject, fault: leak, target: { device: hq-f01-leak-001 }, for: 40m }
  - { id: west-cut, at: "2026-03-03 05:00", action: outage.start, outage: building_power, target: { building: west }, for: 20m }
  - { id: nightly, at: 0d 10:00, every: 30m, times: 3, action: setpoint, target: { building: hq }, setpoint_c: 19 }
  - { at: 3h, action: fault.inject, fault: firmware_crash, target: { kind: env }, with: { period: 90s } }
fault_processes:
  - { fault: lock_jam, target: { kind: lock }, mtbf: 30d, mttr: 2h }
`);
    const [leak, cut, nightly, crash] = s.timeline.steps;
    expect(leak).toMatchObject({ id: 't1', at_ms: 2 * 3_600_000, action: 'fault.inject', fault: 'leak', for_ms: 40 * 60_000, target: { device: ['hq-f01-leak-001'] } });
    // 05:00 in Los Angeles is 08:00 in New York: two hours after the 06:00 (New York) start.
    expect(cut).toMatchObject({ id: 'west-cut', at_ms: 2 * 3_600_000, outage: 'building_power' });
    expect(nightly).toMatchObject({ every_ms: 1_800_000, times: 3, at_ms: 10 * 3_600_000 });
    expect(crash).toMatchObject({ with: { period: 90_000 } });
    expect(s.timeline.processes).toEqual([{ id: 'p1', fault: 'lock_jam', target: { kind: ['lock'] }, mtbf_ms: 30 * 86_400_000, mttr_ms: 7_200_000, with: {} }]);
  });

  it('the faults: shorthand becomes steps fault-1, fault-2 … that expectations can name', () => {
    const s = parseScenario(`${BASE}faults:
  - { kind: leak, device: hq-f02-leak-001, at: 4h, duration: 40m }
expect:
  - { incident: P1, for_fault: fault-1, within: 2m }
`);
    expect(s.timeline.steps[0]).toMatchObject({ id: 'fault-1', action: 'fault.inject', fault: 'leak', at_ms: 4 * 3_600_000 });
    expect(s.expectations[0]).toMatchObject({ kind: 'incident', for_fault: 'fault-1', within_ms: 120_000, match: { priority: 'P1' }, line: lineOf(`${BASE}faults:\n  - x\nexpect:\n  - { incident`, '{ incident') });
  });
});

describe('timeline: errors point at file:line with a did-you-mean', () => {
  it('an unknown fault class (a schema error, reported before any reference is checked)', () => {
    const text = `${BASE}timeline:
  - { id: a, at: 1h, action: fault.inject, fault: leek, target: { device: hq-f01-leak-001 } }
`;
    expect(issues(text)).toEqual([expect.stringMatching(new RegExp(`^${lineOf(text, 'id: a,')}:51 timeline\\[0\\]\\.fault: expected one of sensor_stuck, .* got "leek" \\(did you mean "leak"\\?\\)`))]);
  });

  it('an unknown device, parameter or step reference', () => {
    const text = `${BASE}timeline:
  - { id: b, at: 1h, action: fault.inject, fault: leak, target: { device: hq-f01-leak-01 } }
  - { id: c, at: 1h, action: fault.inject, fault: firmware_crash, target: { kind: env }, with: { perod: 3m } }
  - { id: d, at: 2h, action: fault.clear, ref: bb }
  - { id: e, at: 2h, action: outage.stop, ref: c }
`;
    const got = issues(text);
    expect(got).toContainEqual(`${lineOf(text, 'id: b,')}:75 timeline[0].target.device: no device "hq-f01-leak-01" in the fleet (did you mean "hq-f01-leak-001"?)`);
    expect(got).toContainEqual(expect.stringMatching(new RegExp(`^${lineOf(text, 'id: c,')}:\\d+ timeline\\[1\\]\\.with\\.perod: firmware_crash has no parameter "perod" \\(did you mean "period"\\?\\)`)));
    expect(got).toContainEqual(expect.stringMatching(/timeline\[2\]\.ref: no timeline step "bb" \(did you mean "b"\?\)/));
    expect(got).toContainEqual(expect.stringMatching(/timeline\[3\]\.ref: "c" is a fault\.inject step; outage\.stop ends an outage\.start step/));
  });

  it('a target that selects nothing the fault applies to, a parameter out of range, a local time before the start', () => {
    const got = issues(`${BASE}timeline:
  - { at: 1h, action: fault.inject, fault: lock_jam, target: { building: hq, kind: env } }
  - { at: 1h, action: fault.inject, fault: battery_depletion, target: { kind: hvac } }
  - { at: 1h, action: fault.inject, fault: packet_loss, target: { kind: env }, with: { percent: 150 } }
  - { at: "2026-03-02 23:00", action: fault.inject, fault: leak, target: { device: hq-f01-leak-001 } }
  - { at: 1h, action: setpoint, target: { kind: lock }, setpoint_c: 20 }
`);
    expect(got).toContainEqual(expect.stringMatching(/timeline\[0\]\.target: selects 4 devices \(4 env\) but no lock; lock_jam applies to locks/));
    expect(got).toContainEqual(expect.stringMatching(/timeline\[1\]\.target: selects 4 devices \(4 hvac\) but no battery-powered device/));
    expect(got).toContainEqual(expect.stringMatching(/timeline\[2\]\.with\.percent: must be between 0 and 100, got 150/));
    expect(got).toContainEqual(expect.stringMatching(/timeline\[3\]\.at: "2026-03-02 23:00" \(America\/New_York\) is before the run starts/));
    expect(got).toContainEqual(expect.stringMatching(/timeline\[4\]\.target: selects no HVAC controller/));
  });

  it('rollout actions name a rollout the scenario defines', () => {
    const got = issues(`${BASE}timeline:
  - { at: 1h, action: rollout.pause, rollout: hvac-241, reason: canary failed }
`);
    expect(got).toEqual([expect.stringMatching(/timeline\[0\]\.rollout: unknown rollout "hvac-241": this scenario defines no rollouts/)]);
  });
});

describe('expectations: errors', () => {
  it('unknown metrics get a did-you-mean, values must fit the unit, checks name real fault steps', () => {
    const text = `${BASE}timeline:
  - { id: wet, at: 1h, action: fault.inject, fault: leak, target: { device: hq-f01-leak-001 } }
expect:
  - that: sla.availabilty >= 99.5%
  - that: oracle.leak.detection_p95 <= soon
  - always: sla.availability >= 99%
  - { alert: leak, for_fault: wett, within: 2m }
  - that: oracle.leek.missed = 0
`;
    const got = issues(text);
    expect(got).toContainEqual(`${lineOf(text, 'sla.availabilty')}:11 expect[0].that: unknown metric "sla.availabilty" (did you mean "sla.availability"?)`);
    expect(got).toContainEqual(expect.stringMatching(/expect\[1\]\.that: oracle\.leak\.detection_p95: expected a duration like "2m" or "90s", got "soon"/));
    expect(got).toContainEqual(expect.stringMatching(/expect\[2\]\.always: unknown metric "sla\.availability" \("always:" takes live metrics/));
    expect(got).toContainEqual(expect.stringMatching(/expect\[3\]\.for_fault: no timeline step or fault process "wett" \(did you mean "wet"\?\)/));
    expect(got).toContainEqual(expect.stringMatching(/expect\[4\]\.that: unknown class "leek" in metric "oracle\.leek\.missed" \(did you mean "leak"\?\)/));
  });

  it('an entry checks exactly one thing, and fault checks say which fault and how soon', () => {
    const got = issues(`${BASE}expect:
  - { alert: leak, within: 2m }
  - { that: lost_qos1 = 0, alert: leak }
  - { name: nothing }
`);
    expect(got).toContainEqual(expect.stringMatching(/expect\[0\]\.alert: alert needs "for_fault"/));
    expect(got).toContainEqual(expect.stringMatching(/expect\[1\]: an expectation checks one thing; this one has that and alert/));
    expect(got).toContainEqual(expect.stringMatching(/expect\[2\]: an expectation needs one of that, always, alert, incident, no_alert/));
  });
});
