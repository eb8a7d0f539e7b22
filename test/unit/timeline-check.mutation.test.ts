import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import { checkScenarioReferences } from '../../harness/scenario/timeline-check.ts';

// harness/scenario/timeline-check.ts: the timeline's and fault processes' references checked
// against the generated fleet, written to kill the mutants StrykerJS left alive (docs/testing.md,
// "Mutation testing"). The fleet is small enough to count by hand: hq (New York) has 2 floors × 2
// zones of occupancy, env and hvac, a lock and a leak sensor per floor; west (Los Angeles) has 1
// floor × 2 zones of env and lighting, one lock, and one gateway (6 devices). Each case below is
// one step, so each message is checked alone and exactly.

const BASE = `name: t
seed: 3
start: "2026-03-07 20:00"
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

/** Every issue's message (it starts with the key path), or [] when the scenario loads. */
function issues(sections: string): string[] {
  try {
    parseScenario(`${BASE}${sections}`, 'x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).issues.map((i) => i.message);
  }
  return [];
}
const step = (s: string): string[] => issues(`timeline:\n  - ${s}\n`);
const LEAK = 'target: { device: hq-f01-leak-001 }';

describe('targets', () => {
  it('a target that exists and fits loads', () => {
    expect(step(`{ at: 1h, action: fault.inject, fault: leak, ${LEAK} }`)).toEqual([]);
    expect(step('{ at: 1h, action: fault.inject, fault: rf_interference, target: { building: hq, kind: env } }')).toEqual([]);
    expect(step('{ at: 1h, action: setpoint, target: { building: hq }, setpoint_c: 20 }')).toEqual([]);
    expect(step('{ at: 1h, action: operator.repair, target: { building: west, kind: lock } }')).toEqual([]);
    expect(step('{ at: 1h, action: operator.ack }')).toEqual([]);
    expect(step('{ at: 1h, action: outage.start, outage: broker }')).toEqual([]);
    expect(step('{ at: 1h, action: outage.start, outage: site_uplink, target: { site: lax } }')).toEqual([]);
  });

  it('devices that select nothing the fault applies to: counted by kind in name order', () => {
    expect(step('{ at: 1h, action: fault.inject, fault: leak, target: { building: west } }')).toEqual([
      'timeline[0].target: selects 6 devices (2 env, 1 gateway, 2 lighting, 1 lock) but no leak; leak applies to leaks',
    ]);
    expect(step('{ at: 1h, action: fault.inject, fault: rf_interference, target: { kind: hvac } }')).toEqual([
      'timeline[0].target: selects 4 devices (4 hvac) but no radio device; rf_interference applies to radio devices',
    ]);
    expect(step('{ at: 1h, action: fault.inject, fault: battery_depletion, target: { building: west, kind: lighting } }')).toEqual([
      'timeline[0].target: selects 2 devices (2 lighting) but no battery-powered device; battery_depletion applies to battery-powered devices',
    ]);
    expect(step('{ at: 1h, action: fault.inject, fault: leak, target: { building: west, kind: hvac } }')).toEqual(['timeline[0].target: selects no device; leak applies to leaks']);
  });

  it('an outage needs a target unless it is the broker or the platform; the example names the scope', () => {
    expect(step('{ at: 1h, action: outage.start, outage: building_power }')).toEqual(['timeline[0]: building_power needs a target (e.g. target: { building: … })']);
    expect(step('{ at: 1h, action: outage.start, outage: gateway_down }')).toEqual(['timeline[0]: gateway_down needs a target (e.g. target: { device: … })']);
    expect(step('{ at: 1h, action: outage.start, outage: floor_power }')).toEqual(['timeline[0]: floor_power needs a target (e.g. target: { floor: … })']);
    expect(step('{ at: 1h, action: outage.start, outage: site_uplink }')).toEqual(['timeline[0]: site_uplink needs a target (e.g. target: { site: … })']);
    // A broker outage with a target is not checked against it.
    expect(step('{ at: 1h, action: outage.start, outage: broker, target: { building: hq, kind: lighting } }')).toEqual([]);
    expect(step('{ at: 1h, action: outage.start, outage: platform_restart }')).toEqual([]);
  });

  it('every name in a list is checked, each at its index; a gateway is named as such; a bad name skips the fit check', () => {
    expect(step('{ at: 1h, action: fault.inject, fault: leak, target: { device: [hq-f01-leak-001, nope-x], behind: gw-zz } }')).toEqual([
      'timeline[0].target.device[1]: no device "nope-x" in the fleet',
      'timeline[0].target.behind: no gateway "gw-zz" in the fleet',
    ]);
    expect(step('{ at: 1h, action: fault.inject, fault: lock_jam, target: { building: [hq, wset], kind: env } }')).toEqual([
      'timeline[0].target.building[1]: no building "wset" in the fleet (did you mean "west"?)',
    ]);
    expect(step('{ at: 1h, action: setpoint, target: { site: nycc }, setpoint_c: 20 }')).toEqual(['timeline[0].target.site: no site "nycc" in the fleet (did you mean "nyc"?)']);
    expect(step('{ at: 1h, action: operator.repair, target: { site: nycc } }')).toEqual(['timeline[0].target.site: no site "nycc" in the fleet (did you mean "nyc"?)']);
  });

  it('setpoint and schedule need an HVAC controller; operator steps need some device', () => {
    expect(step('{ at: 1h, action: schedule, target: { building: west }, schedule: holiday }')).toEqual(['timeline[0].target: selects no HVAC controller; schedule changes HVAC controllers']);
    expect(step('{ at: 1h, action: setpoint, target: { kind: lock }, setpoint_c: 20 }')).toEqual(['timeline[0].target: selects no HVAC controller; setpoint changes HVAC controllers']);
    expect(step('{ at: 1h, action: operator.repair, target: { building: west, kind: hvac } }')).toEqual(['timeline[0].target: selects no device']);
    expect(step('{ at: 1h, action: operator.resolve, target: { building: west, kind: hvac } }')).toEqual(['timeline[0].target: selects no device']);
    expect(step('{ at: 1h, action: operator.ack, target: { building: west, kind: hvac } }')).toEqual(['timeline[0].target: selects no device']);
  });
});

describe('times', () => {
  it('a local time that is no real date-time, or before the start, for at and until alike', () => {
    expect(step(`{ at: "2026-02-30 10:00", action: fault.inject, fault: leak, ${LEAK} }`)).toEqual(['timeline[0].at: "2026-02-30 10:00" is not a real local date-time']);
    expect(step(`{ at: "2026-03-07 19:59", action: fault.inject, fault: leak, ${LEAK} }`)).toEqual(['timeline[0].at: "2026-03-07 19:59" (America/New_York) is before the run starts']);
    expect(step(`{ at: "2026-03-07 20:00", action: fault.inject, fault: leak, ${LEAK} }`)).toEqual([]);
    expect(step(`{ at: 1h, every: 1h, until: "2026-03-07 01:00", action: fault.inject, fault: leak, ${LEAK} }`)).toEqual([
      'timeline[0].until: "2026-03-07 01:00" (America/New_York) is before the run starts',
    ]);
    expect(step(`{ at: 1h, every: 1h, until: "2026-02-30 01:00", action: fault.inject, fault: leak, ${LEAK} }`)).toEqual(['timeline[0].until: "2026-02-30 01:00" is not a real local date-time']);
    // The step's own site decides the zone: 17:30 in Los Angeles is 20:30 in New York, after the start.
    expect(step('{ at: "2026-03-07 17:30", action: fault.inject, fault: lock_jam, target: { building: west, kind: lock } }')).toEqual([]);
  });

  it('"until" or "times" without "every" is reported at the key given ("until" first)', () => {
    expect(step(`{ at: 1h, until: 3h, action: fault.inject, fault: leak, ${LEAK} }`)).toEqual(['timeline[0].until: "until" and "times" only make sense with "every"']);
    expect(step(`{ at: 1h, times: 2, action: fault.inject, fault: leak, ${LEAK} }`)).toEqual(['timeline[0].times: "until" and "times" only make sense with "every"']);
    expect(step(`{ at: 1h, times: 2, until: 3h, action: fault.inject, fault: leak, ${LEAK} }`)).toEqual(['timeline[0].until: "until" and "times" only make sense with "every"']);
    expect(step(`{ at: 1h, every: 1h, times: 2, action: fault.inject, fault: leak, ${LEAK} }`)).toEqual([]);
  });
});

describe('parameters', () => {
  it('unknown names: a did-you-mean, else the names the class takes, else "none"', () => {
    expect(step(`{ at: 1h, action: fault.inject, fault: leak, ${LEAK}, with: { x: 1 } }`)).toEqual(['timeline[0].with.x: leak has no parameter "x" (it takes none)']);
    expect(step('{ at: 1h, action: fault.inject, fault: firmware_crash, target: { kind: env }, with: { zzzzzz: 1 } }')).toEqual(['timeline[0].with.zzzzzz: firmware_crash has no parameter "zzzzzz" (it takes period)']);
    expect(step('{ at: 1h, action: fault.inject, fault: firmware_crash, target: { kind: env }, with: { perod: 1m } }')).toEqual(['timeline[0].with.perod: firmware_crash has no parameter "perod" (did you mean "period"?)']);
    // An inherited name is not a parameter.
    expect(step('{ at: 1h, action: fault.inject, fault: firmware_crash, target: { kind: env }, with: { toString: 1 } }')).toEqual(['timeline[0].with.toString: firmware_crash has no parameter "toString" (it takes period)']);
  });

  it('values in the parameter\'s unit and range (the bounds themselves allowed)', () => {
    const crash = (period: string) => step(`{ at: 1h, action: fault.inject, fault: firmware_crash, target: { kind: env }, with: { period: ${period} } }`);
    expect(crash('soon')).toEqual(['timeline[0].with.period: expected a duration like "90s" or "5m", got "soon"']);
    expect(crash('29s')).toEqual(['timeline[0].with.period: must be between 30000 and 86400000 ms, got 29000']);
    expect(crash('30s')).toEqual([]);
    expect(crash('1d')).toEqual([]);
    expect(crash('1d 00:01')).toEqual(['timeline[0].with.period: must be between 30000 and 86400000 ms, got 86460000']);
    const loss = (percent: string) => step(`{ at: 1h, action: fault.inject, fault: packet_loss, target: { kind: env }, with: { percent: ${percent} } }`);
    expect(loss('lots')).toEqual(['timeline[0].with.percent: expected a percentage (0–100), got "lots"']);
    expect(loss('100')).toEqual([]);
    expect(loss('100.5')).toEqual(['timeline[0].with.percent: must be between 0 and 100, got 100.5']);
    expect(loss('-1')).toEqual(['timeline[0].with.percent: must be between 0 and 100, got -1']);
    expect(step('{ at: 1h, action: fault.inject, fault: clock_skew, target: { kind: env }, with: { offset_s: 1m } }')).toEqual(['timeline[0].with.offset_s: expected a number, got "1m"']);
    // Parameters are checked for outages too, target or not.
    expect(step('{ at: 1h, action: outage.start, outage: broker, with: { x: 1 } }')).toEqual(['timeline[0].with.x: broker has no parameter "x" (it takes none)']);
  });
});

describe('ids and references', () => {
  it('duplicate ids, explicit or default (t1, t2 …), name the first holder', () => {
    expect(issues(`timeline:\n  - { id: a, at: 1h, action: fault.inject, fault: leak, ${LEAK} }\n  - { id: a, at: 2h, action: fault.inject, fault: leak, ${LEAK} }\n`)).toEqual([
      'timeline[1].id: duplicate step id "a" (also timeline[0])',
    ]);
    expect(issues(`timeline:\n  - { id: t2, at: 1h, action: fault.inject, fault: leak, ${LEAK} }\n  - { at: 2h, action: fault.inject, fault: leak, ${LEAK} }\n  - { id: t2, at: 2h, action: fault.inject, fault: leak, ${LEAK} }\n`)).toEqual([
      'timeline[1].id: duplicate step id "t2" (also timeline[0])',
      'timeline[2].id: duplicate step id "t2" (also timeline[0])',
    ]);
  });

  it('fault.clear and outage.stop end a step of the matching kind', () => {
    const two = (a: string, b: string) => issues(`timeline:\n  - ${a}\n  - ${b}\n`);
    const inject = `{ id: wet, at: 1h, action: fault.inject, fault: leak, ${LEAK} }`;
    const cut = '{ id: cut, at: 1h, action: outage.start, outage: site_uplink, target: { site: nyc } }';
    expect(two(inject, '{ at: 2h, action: fault.clear, ref: wet }')).toEqual([]);
    expect(two(cut, '{ at: 2h, action: outage.stop, ref: cut }')).toEqual([]);
    expect(two(cut, '{ at: 2h, action: fault.clear, ref: cut }')).toEqual(['timeline[1].ref: "cut" is a outage.start step; fault.clear ends a fault.inject step']);
    expect(two(inject, '{ at: 2h, action: outage.stop, ref: wet }')).toEqual(['timeline[1].ref: "wet" is a fault.inject step; outage.stop ends an outage.start step']);
    expect(two(inject, '{ at: 2h, action: fault.clear, ref: zzzzzz }')).toEqual(['timeline[1].ref: no timeline step "zzzzzz"']);
    expect(two(inject, '{ at: 2h, action: fault.clear, ref: wett }')).toEqual(['timeline[1].ref: no timeline step "wett" (did you mean "wet"?)']);
  });

  it('rollout steps name a defined rollout: a did-you-mean among them, or none', () => {
    const rollout = 'rollouts:\n  - { id: hvac-241, firmware: { model: LGT-DALI-60, version: 4.1.0 } }\n';
    for (const action of ['rollout.start', 'rollout.resume', 'rollout.pause', 'rollout.cancel']) {
      expect(issues(`${rollout}timeline:\n  - { at: 1h, action: ${action}, rollout: hvac-24 }\n`)).toEqual([`timeline[0].rollout: unknown rollout "hvac-24" (did you mean "hvac-241"?)`]);
    }
    expect(issues(`${rollout}timeline:\n  - { at: 1h, action: rollout.start, rollout: zzzzzzzz }\n`)).toEqual(['timeline[0].rollout: unknown rollout "zzzzzzzz"']);
    expect(issues(`${rollout}timeline:\n  - { at: 1h, action: rollout.start, rollout: hvac-241 }\n`)).toEqual([]);
  });
});

describe('fault processes', () => {
  it('ids are unique across steps and processes; targets exist and fit; parameters fit', () => {
    const got = issues(`timeline:
  - { id: cut, at: 2h, action: outage.start, outage: site_uplink, target: { site: nyc } }
fault_processes:
  - { id: cut, fault: lock_jam, target: { kind: env }, mtbf: 1d, mttr: 1h }
  - { fault: lock_jam, target: { kind: lock }, mtbf: 1d, mttr: 1h }
  - { id: p2, fault: lock_jam, target: { site: nycc }, mtbf: 1d, mttr: 1h }
  - { id: p9, fault: leak, target: { kind: lock }, mtbf: 1d, mttr: 1h, with: { y: 2 } }
  - { id: p9, fault: battery_depletion, target: { building: west, kind: lighting }, mtbf: 1d, mttr: 1h }
`);
    expect(got).toEqual([
      'fault_processes[0].id: duplicate id "cut" (timeline steps and fault processes share ids)',
      'fault_processes[0].target: selects no lock; lock_jam applies to locks',
      'fault_processes[2].id: duplicate id "p2" (timeline steps and fault processes share ids)',
      'fault_processes[2].target.site: no site "nycc" in the fleet (did you mean "nyc"?)',
      'fault_processes[3].target: selects no leak; leak applies to leaks',
      'fault_processes[3].with.y: leak has no parameter "y" (it takes none)',
      'fault_processes[4].id: duplicate id "p9" (timeline steps and fault processes share ids)',
      'fault_processes[4].target: selects no battery-powered device; battery_depletion applies to battery-powered devices',
    ]);
    expect(issues('fault_processes:\n  - { fault: lock_jam, target: { kind: lock }, mtbf: 1d, mttr: 1h }\n')).toEqual([]);
  });
});

describe('checkScenarioReferences', () => {
  const fleet = { sites: [{ id: 's', metro: 'm', timezone: 'UTC', buildings: [{ id: 'b', type: 'office', floors: 1, zones_per_floor: 1, per_zone: { env: 1 } }] }] } as never;

  it('nothing to check, no fleet generated: no issue', () => {
    expect(checkScenarioReferences({ name: 'n', fleet }, 'UTC', 0)).toEqual([]);
    expect(checkScenarioReferences({ name: 'n', fleet: { sites: [{ id: 's', buildings: [{ id: 'b', type: 'nope' }] }] } as never, timeline: [] }, 'UTC', 0)).toEqual([]);
  });

  it('expectations name the faults shorthand as fault-1 …, and timeline steps by id', () => {
    const expectation = (ref: string) => ({ alert: 'leak', for_fault: ref, within: 60_000 }) as never;
    const faults = [{ kind: 'leak' }, { kind: 'gateway_down' }];
    expect(checkScenarioReferences({ name: 'n', fleet, faults, expect: [expectation('fault-1'), expectation('fault-2')] }, 'UTC', 0)).toEqual([]);
    expect(checkScenarioReferences({ name: 'n', fleet, faults, expect: [expectation('fault-3')] }, 'UTC', 0)).toEqual([
      { path: ['expect', 0, 'for_fault'], message: 'no timeline step or fault process "fault-3" (did you mean "fault-1"?)' },
    ]);
    const timeline = [{ id: 'ack', at: { offset_ms: 0 }, action: 'operator.ack' }] as never;
    expect(checkScenarioReferences({ name: 'n', fleet, timeline, expect: [expectation('ack')] }, 'UTC', 0)).toEqual([
      { path: ['expect', 0, 'for_fault'], message: '"ack" is a operator.ack step; alert checks are about fault.inject or outage.start steps' },
    ]);
  });
});
