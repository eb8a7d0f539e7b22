import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import { localToMs, offsetOf, paramValue, processId, resolveTimeline, stepId, stepTimezone, toSelector, type TimeContext } from '../../harness/scenario/timeline.ts';
import type { TimelineStepFile } from '../../harness/scenario/timeline-schema.ts';
import { faultClass } from '../../sim/faults/catalog.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { ScenarioError } from '../../harness/scenario/errors.ts';

// harness/scenario/timeline.ts: the step mapping, local times and parameter units, written to kill
// the mutants StrykerJS left alive (docs/testing.md, "Mutation testing"). Epoch values come from
// Date.UTC and the zone offsets by hand (New York is UTC−5 until the 8 March 2026 change).

const HOUR = 3_600_000;
const START = Date.UTC(2026, 2, 3, 12);
const EMPTY: TimeContext = { portfolio: { name: 'empty', sites: [], devices: [] }, start_ms: START, start_timezone: 'UTC' };

const step = (s: Record<string, unknown>): TimelineStepFile => ({ at: { offset_ms: 0 }, ...s }) as TimelineStepFile;

describe('localToMs', () => {
  it('reads a local date-time in the zone', () => {
    expect(localToMs('2026-03-04 14:00', 'UTC')).toBe(Date.UTC(2026, 2, 4, 14));
    expect(localToMs('2026-03-04T14:05', 'UTC')).toBe(Date.UTC(2026, 2, 4, 14, 5));
    expect(localToMs('2026-03-04 14:00', 'America/New_York')).toBe(Date.UTC(2026, 2, 4, 19));
    expect(localToMs('2026-12-31 23:59', 'UTC')).toBe(Date.UTC(2026, 11, 31, 23, 59));
    expect(localToMs('2026-01-01 00:00', 'UTC')).toBe(Date.UTC(2026, 0, 1));
    expect(localToMs('2028-02-29 00:00', 'UTC')).toBe(Date.UTC(2028, 1, 29));
    expect(localToMs('2026-04-30 10:00', 'UTC')).toBe(Date.UTC(2026, 3, 30, 10));
  });

  it('no real date-time: undefined', () => {
    for (const text of ['2026-02-29 00:00', '2026-13-01 00:00', '2026-00-10 00:00', '2026-04-31 00:00', '2026-04-00 10:00', '2026-04-30 24:00', '2026-04-30 23:60', '2026-4-30 10:00', '2026-04-30 10:00x', 'x2026-04-30 10:00', '2026-04-30_10:00']) {
      expect(localToMs(text, 'UTC')).toBeUndefined();
    }
  });
});

describe('offsetOf', () => {
  it('an offset as given; a local time from the start; NaN for no real time', () => {
    expect(offsetOf(EMPTY, { offset_ms: 5 }, 'UTC')).toBe(5);
    expect(offsetOf(EMPTY, { local: '2026-03-03 14:00' }, 'UTC')).toBe(2 * HOUR);
    expect(offsetOf(EMPTY, { local: '2026-03-03 10:00' }, 'UTC')).toBe(-2 * HOUR);
    expect(offsetOf(EMPTY, { local: '2026-02-30 10:00' }, 'UTC')).toBeNaN();
  });
});

describe('paramValue', () => {
  const crash = faultClass('firmware_crash')!; // period: duration
  const drift = faultClass('sensor_drift')!; // rate_per_h: number
  const bad = faultClass('malformed_payloads')!; // percent: percent

  it('a number: seconds for a duration, as is otherwise', () => {
    expect(paramValue(crash, 'period', 90)).toBe(90_000);
    expect(paramValue(drift, 'rate_per_h', 0.5)).toBe(0.5);
    expect(paramValue(bad, 'percent', 30)).toBe(30);
  });

  it('text: durations with a unit, percents with %, numbers as numbers', () => {
    expect(paramValue(crash, 'period', '90s')).toBe(90_000);
    expect(paramValue(crash, 'period', ' 2m ')).toBe(120_000);
    expect(paramValue(crash, 'period', 'soon')).toBeUndefined();
    // A bare number in text is no duration (it needs a unit), even though it is a number.
    expect(paramValue(crash, 'period', '90')).toBeUndefined();
    expect(paramValue(bad, 'percent', '30%')).toBe(30);
    expect(paramValue(bad, 'percent', ' 12.5% ')).toBe(12.5);
    expect(paramValue(bad, 'percent', '12.25%')).toBe(12.25);
    expect(paramValue(bad, 'percent', '30')).toBe(30);
    expect(paramValue(bad, 'percent', '30 %')).toBeUndefined();
    expect(paramValue(bad, 'percent', 'x30%')).toBeUndefined();
    expect(paramValue(bad, 'percent', '30%x')).toBeUndefined();
    expect(paramValue(bad, 'percent', '.5%')).toBeUndefined();
    expect(paramValue(drift, 'rate_per_h', '-1.5')).toBe(-1.5);
    expect(paramValue(drift, 'rate_per_h', '50%')).toBeUndefined();
    expect(paramValue(drift, 'rate_per_h', '')).toBeUndefined();
    expect(paramValue(drift, 'rate_per_h', '   ')).toBeUndefined();
    expect(paramValue(drift, 'rate_per_h', 'Infinity')).toBeUndefined();
    expect(paramValue(drift, 'rate_per_h', 'abc')).toBeUndefined();
  });

  it('an unknown parameter: undefined', () => {
    expect(paramValue(crash, 'nope', 1)).toBeUndefined();
    expect(paramValue(crash, 'constructor', 1)).toBeUndefined();
  });

  it('a scenario naming a parameter "constructor" is refused like any unknown parameter', () => {
    const text = `name: t
seed: 3
start: "2026-03-03 06:00"
duration: 12h
fleet:
  sites:
    - id: nyc
      metro: New York
      timezone: America/New_York
      buildings:
        - { id: hq, type: office, floors: 1, zones_per_floor: 1, per_zone: { env: 1 } }
timeline:
  - { at: 1h, action: fault.inject, fault: firmware_crash, target: { kind: env }, with: { constructor: 1 } }
`;
    let err: unknown;
    try {
      parseScenario(text, 'x.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).issues.map((i) => i.message)).toEqual([expect.stringContaining('firmware_crash has no parameter "constructor"')]);
  });
});

describe('selectors and ids', () => {
  it('single values become lists; percent is kept; absent keys are left out', () => {
    expect(toSelector(undefined)).toEqual({});
    expect(toSelector({ site: 'a', kind: ['env', 'hvac'], percent: 25 })).toEqual({ site: ['a'], kind: ['env', 'hvac'], percent: 25 });
    expect(toSelector({ device: 'd', behind: ['gw'], tag: 't', unit: 'u', floor: 'f', zone: 'z', building: 'b', model: 'm', firmware: '1' })).toEqual({
      device: ['d'],
      behind: ['gw'],
      tag: ['t'],
      unit: ['u'],
      floor: ['f'],
      zone: ['z'],
      building: ['b'],
      model: ['m'],
      firmware: ['1'],
    });
    expect(Object.keys(toSelector({ site: 'a' }))).toEqual(['site']);
  });

  it('default ids count from 1', () => {
    expect(stepId({}, 0)).toBe('t1');
    expect(stepId({ id: 'x' }, 4)).toBe('x');
    expect(stepId({ id: undefined }, 9)).toBe('t10');
    expect(processId({}, 1)).toBe('p2');
    expect(processId({ id: 'y' }, 1)).toBe('y');
  });
});

describe('resolveTimeline: every action', () => {
  it('maps each action with its defaults', () => {
    const spec = resolveTimeline(
      EMPTY,
      [
        step({ action: 'fault.clear', ref: 'a' }),
        step({ action: 'outage.stop', ref: 'b' }),
        step({ action: 'rollout.start', rollout: 'r' }),
        step({ action: 'rollout.resume', rollout: 'r' }),
        step({ action: 'rollout.pause', rollout: 'r' }),
        step({ action: 'rollout.cancel', rollout: 'r', reason: 'bad batch' }),
        step({ action: 'schedule', target: { site: 's' }, schedule: 'holiday' }),
        step({ action: 'operator.ack' }),
        step({ action: 'operator.resolve', target: { site: 's' }, by: 'noc' }),
        step({ action: 'operator.repair', target: { device: 'd' } }),
        step({ action: 'operator.repair', target: { device: 'd' }, by: 'alice' }),
        step({ action: 'outage.start', outage: 'building_power', with: { nope: 1 } }),
        step({ action: 'fault.inject', fault: 'firmware_crash', target: { kind: 'env' }, with: { period: '2m', bogus: 3 }, for: 60_000 }),
        step({ action: 'setpoint', target: { site: 's' }, setpoint_c: null }),
        step({ action: 'outage.start', outage: 'building_power', target: { site: 's' }, for: 120_000 }),
        step({ action: 'fault.inject', fault: 'lock_jam', target: { kind: 'lock' } }),
      ],
      undefined,
    );
    const brief = spec.steps.map(({ at_ms: _at, ...rest }) => rest);
    expect(brief).toStrictEqual([
      { action: 'fault.clear', ref: 'a', id: 't1' },
      { action: 'outage.stop', ref: 'b', id: 't2' },
      { action: 'rollout.start', rollout: 'r', id: 't3' },
      { action: 'rollout.resume', rollout: 'r', id: 't4' },
      { action: 'rollout.pause', rollout: 'r', reason: 'timeline', id: 't5' },
      { action: 'rollout.cancel', rollout: 'r', reason: 'bad batch', id: 't6' },
      { action: 'schedule', target: { site: ['s'] }, schedule: 'holiday', id: 't7' },
      { action: 'operator.ack', by: 'operator', id: 't8' },
      { action: 'operator.resolve', by: 'noc', target: { site: ['s'] }, id: 't9' },
      { action: 'operator.repair', target: { device: ['d'] }, by: 'technician', id: 't10' },
      { action: 'operator.repair', target: { device: ['d'] }, by: 'alice', id: 't11' },
      { action: 'outage.start', outage: 'building_power', target: {}, with: {}, id: 't12' },
      { action: 'fault.inject', fault: 'firmware_crash', target: { kind: ['env'] }, with: { period: 120_000 }, for_ms: 60_000, id: 't13' },
      { action: 'setpoint', target: { site: ['s'] }, setpoint_c: null, id: 't14' },
      { action: 'outage.start', outage: 'building_power', target: { site: ['s'] }, with: {}, for_ms: 120_000, id: 't15' },
      { action: 'fault.inject', fault: 'lock_jam', target: { kind: ['lock'] }, with: {}, id: 't16' },
    ]);
    expect(spec.processes).toEqual([]);
    expect(spec.steps.every((s) => s.at_ms === 0)).toBe(true);
  });

  it('repetition fields only when given; until read like at', () => {
    const spec = resolveTimeline(
      EMPTY,
      [
        step({ at: { local: '2026-03-03 13:00' }, every: 600_000, until: { local: '2026-03-03 15:00' }, times: 4, action: 'rollout.start', rollout: 'r' }),
        step({ at: { offset_ms: 7 }, until: { offset_ms: 70 }, action: 'rollout.start', rollout: 'r' }),
        step({ at: { offset_ms: 7 }, action: 'rollout.start', rollout: 'r' }),
      ],
      [{ fault: 'firmware_crash', target: { site: 's' }, mtbf: 1_000, mttr: 10, with: { period: 60 } } as never, { id: 'named', fault: 'lock_jam', target: { kind: 'lock' }, mtbf: 5, mttr: 6 } as never],
    );
    expect(spec.steps[0]).toStrictEqual({ action: 'rollout.start', rollout: 'r', id: 't1', at_ms: HOUR, every_ms: 600_000, until_ms: 3 * HOUR, times: 4 });
    expect(spec.steps[1]).toStrictEqual({ action: 'rollout.start', rollout: 'r', id: 't2', at_ms: 7, until_ms: 70 });
    expect(spec.steps[2]).toStrictEqual({ action: 'rollout.start', rollout: 'r', id: 't3', at_ms: 7 });
    expect(spec.processes).toStrictEqual([
      { id: 'p1', fault: 'firmware_crash', target: { site: ['s'] }, mtbf_ms: 1_000, mttr_ms: 10, with: { period: 60_000 } },
      { id: 'named', fault: 'lock_jam', target: { kind: ['lock'] }, mtbf_ms: 5, mttr_ms: 6, with: {} },
    ]);
    expect(resolveTimeline(EMPTY, undefined, undefined)).toEqual({ steps: [], processes: [] });
  });
});

describe('stepTimezone', () => {
  // Two sites: nyc (New York) and lax (Los Angeles); the scenario starts 06:00 New York time.
  const s = parseScenario(`name: t
seed: 3
start: "2026-03-03 06:00"
duration: 12h
fleet:
  sites:
    - id: nyc
      metro: New York
      timezone: America/New_York
      buildings:
        - { id: hq, type: office, floors: 1, zones_per_floor: 1, per_zone: { env: 1 } }
    - id: lax
      metro: Los Angeles
      timezone: America/Los_Angeles
      buildings:
        - { id: west, type: retail, floors: 1, zones_per_floor: 1, per_zone: { env: 1 } }
`, 'x.yaml');
  const ctx: TimeContext = { portfolio: generatePortfolio(s.name, s.fleet), start_ms: Date.UTC(2026, 2, 3, 11), start_timezone: 'America/New_York' };

  it('the one target site’s zone; the start zone for none, several or an empty target', () => {
    expect(stepTimezone(ctx, { site: ['lax'] }, 'x')).toBe('America/Los_Angeles');
    expect(stepTimezone(ctx, { building: ['west'] }, 'x')).toBe('America/Los_Angeles');
    expect(stepTimezone(ctx, { kind: ['env'] }, 'x')).toBe('America/New_York');
    expect(stepTimezone(ctx, {}, 'x')).toBe('America/New_York');
    expect(stepTimezone(ctx, undefined, 'x')).toBe('America/New_York');
    expect(stepTimezone(ctx, { site: ['nowhere'] }, 'x')).toBe('America/New_York');
    expect(stepTimezone({ ...ctx, start_timezone: 'UTC' }, { site: ['nyc'] }, 'x')).toBe('America/New_York');
  });

  it('an empty target in a one-site fleet still reads times in the start zone', () => {
    const one = parseScenario(`name: t
seed: 3
start: "2026-03-03 06:00"
duration: 12h
fleet:
  sites:
    - id: lax
      metro: Los Angeles
      timezone: America/Los_Angeles
      buildings:
        - { id: west, type: retail, floors: 1, zones_per_floor: 1, per_zone: { env: 1 } }
`, 'y.yaml');
    const c: TimeContext = { portfolio: generatePortfolio(one.name, one.fleet), start_ms: START, start_timezone: 'UTC' };
    expect(stepTimezone(c, {}, 'x')).toBe('UTC');
    expect(stepTimezone(c, { kind: ['env'] }, 'x')).toBe('America/Los_Angeles');
  });

  it('a local step time in a Los Angeles building: 05:00 there is 13:00Z, 2 h after the 11:00Z start', () => {
    const spec = resolveTimeline(ctx, [step({ at: { local: '2026-03-03 05:00' }, action: 'schedule', target: { building: 'west' }, schedule: 'holiday' })], undefined);
    expect(spec.steps[0]?.at_ms).toBe(2 * HOUR);
  });
});
