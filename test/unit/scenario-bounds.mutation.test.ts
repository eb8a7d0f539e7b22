/**
 * The scenario's size bounds on their own (the loader tests reach them through whole files):
 * each limit at its edge, the exact message, the path it is reported at, and a site-local step
 * that is after the end only in some of the fleet's timezones. Expected instants are UTC by hand.
 */
import { describe, expect, it } from 'vitest';
import { checkScenarioBounds, durationProblem, MAX_RUN_DURATION_MS, MAX_SCENARIO_DEVICES } from '../../harness/scenario/bounds.ts';
import type { FleetSpec } from '../../sim/world/fleet-spec.ts';
import { countBuildingDevices } from '../../sim/world/fleet-count.ts';
import { smallOffice } from '../helpers/small-fleet.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 2, 2, 5, 0); // 2026-03-02 00:00 in New York

describe('durationProblem', () => {
  it('a run must last longer than 0 and at most 400 days', () => {
    expect(MAX_RUN_DURATION_MS).toBe(400 * DAY);
    expect(durationProblem(0)).toBe('a run must last longer than 0');
    expect(durationProblem(-5)).toBe('a run must last longer than 0');
    expect(durationProblem(1)).toBeUndefined();
    expect(durationProblem(400 * DAY)).toBeUndefined();
    expect(durationProblem(401 * DAY)).toBe('401d is longer than the limit of 400d');
    expect(durationProblem(401.5 * DAY)).toBe('401.5d is longer than the limit of 400d');
  });
});

describe('checkScenarioBounds', () => {
  const fleet = smallOffice();

  it('a step exactly at the end is fine; one ms later is reported at its path with what it is', () => {
    const end = 2 * DAY;
    expect(checkScenarioBounds({ duration: end, fleet, faults: [{ at: end }], rollouts: [{ at: end }, {}], timeline: [{ at: { offset_ms: end } }] }, START)).toEqual([]);
    expect(checkScenarioBounds({ duration: end, fleet, faults: [{ at: 0 }, { at: end + 1 }], rollouts: [{}, { at: 3 * DAY }], timeline: [{ at: { offset_ms: 2.5 * DAY } }] }, START)).toEqual([
      { path: ['faults', 1, 'at'], message: "this fault at 2d is after the run's end (duration 2d) and would never happen" },
      { path: ['rollouts', 1, 'at'], message: "this rollout at 3d is after the run's end (duration 2d) and would never happen" },
      { path: ['timeline', 0, 'at'], message: "this step at 2.5d is after the run's end (duration 2d) and would never happen" },
    ]);
  });

  it('a bad duration is reported alone: steps are not measured against it', () => {
    expect(checkScenarioBounds({ duration: 0, fleet, faults: [{ at: DAY }] }, START)).toEqual([{ path: ['duration'], message: 'a run must last longer than 0' }]);
  });

  it('a site-local step is after the end only if it is in every site\'s timezone', () => {
    // Run of 1 day from 2026-03-02 05:00 UTC; the end is 2026-03-03 05:00 UTC.
    const two: FleetSpec = { sites: [{ ...smallOffice().sites[0]!, id: 'nyc' }, { ...smallOffice().sites[0]!, id: 'lon', timezone: 'Europe/London' }] };
    // 03-03 02:00 local: London 02:00 UTC (inside), New York 07:00 UTC (after): not after in every zone.
    expect(checkScenarioBounds({ duration: DAY, fleet: two, timeline: [{ at: { local: '2026-03-03 02:00' } }] }, START)).toEqual([]);
    // 03-03 06:00 local: London 06:00 UTC and New York 11:00 UTC, both after.
    expect(checkScenarioBounds({ duration: DAY, fleet: two, timeline: [{ at: { local: '2026-03-03 06:00' } }] }, START)).toEqual([
      { path: ['timeline', 0, 'at'], message: 'this step at "2026-03-03 06:00" is after the run\'s end (duration 1d) and would never happen' },
    ]);
    // New York alone: 03-03 00:00 local is 05:00 UTC, the end itself (inside); 00:01 is one minute after.
    expect(checkScenarioBounds({ duration: DAY, fleet, timeline: [{ at: { local: '2026-03-03 00:00' } }] }, START)).toEqual([]);
    expect(checkScenarioBounds({ duration: DAY, fleet, timeline: [{ at: { local: '2026-03-03 00:01' } }] }, START)).toHaveLength(1);
    expect(checkScenarioBounds({ duration: DAY + HOUR, fleet, timeline: [{ at: { local: '2026-03-03 00:01' } }] }, START)).toEqual([]);
    // A date the timeline checks will reject is not this check's to report.
    expect(checkScenarioBounds({ duration: DAY, fleet, timeline: [{ at: { local: 'not a date' } }] }, START)).toEqual([]);
  });

  it('a fleet over 200,000 devices is reported at its biggest building, with both counts', () => {
    expect(MAX_SCENARIO_DEVICES).toBe(200_000);
    const base = smallOffice().sites[0]!.buildings[0]!;
    const big: FleetSpec = {
      sites: [
        { ...smallOffice().sites[0]!, buildings: [{ ...base, id: 'small', floors: 1 }, { ...base, id: 'tower', floors: 10_000 }] },
        { ...smallOffice().sites[0]!, id: 'chi', buildings: [{ ...base, id: 'mid', floors: 9_000 }] },
      ],
    };
    const n = (floors: number): number => countBuildingDevices({ ...base, floors }, big);
    const total = n(1) + n(10_000) + n(9_000);
    expect(total).toBeGreaterThan(200_000);
    const issues = checkScenarioBounds({ duration: DAY, fleet: big }, START);
    expect(issues).toEqual([
      {
        path: ['fleet', 'sites', 0, 'buildings', 1],
        message: `the fleet would have ${total.toLocaleString('en-US')} devices, over the limit of 200,000 per process (building "tower" alone has ${n(10_000).toLocaleString('en-US')}); use msp-twin load for larger fleets`,
      },
    ]);
    // Of two equally big buildings, the first is named.
    const twins: FleetSpec = { sites: [{ ...smallOffice().sites[0]!, buildings: [{ ...base, id: 'east', floors: 10_000 }, { ...base, id: 'west', floors: 10_000 }] }] };
    expect(checkScenarioBounds({ duration: DAY, fleet: twins }, START).map((i) => i.path)).toEqual([['fleet', 'sites', 0, 'buildings', 0]]);
  });

  it('exactly 200,000 devices is allowed; one more is not', () => {
    const site = smallOffice().sites[0]!;
    const base = site.buildings[0]!;
    // A big building plus a one-floor annex of k sensors, k chosen so the total is exactly the limit.
    const fleetOf = (k: number): FleetSpec => ({
      sites: [{ ...site, buildings: [{ ...base, id: 'main', floors: 18_181 }, { ...base, id: 'annex', floors: 1, zones_per_floor: 1, per_zone: { env: k }, per_floor: {} }] }],
    });
    const count = (f: FleetSpec): number => f.sites[0]!.buildings.reduce((sum, b) => sum + countBuildingDevices(b, f), 0);
    const k = Array.from({ length: 60 }, (_, i) => i + 1).find((i) => count(fleetOf(i)) === 200_000);
    expect(k, 'an annex size that lands on exactly 200,000').toBeDefined();
    expect(checkScenarioBounds({ duration: DAY, fleet: fleetOf(k!) }, START)).toEqual([]);
    expect(count(fleetOf(k! + 1))).toBeGreaterThan(200_000);
    expect(checkScenarioBounds({ duration: DAY, fleet: fleetOf(k! + 1) }, START)).toHaveLength(1);
  });
});
