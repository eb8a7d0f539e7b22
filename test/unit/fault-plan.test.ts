import { describe, expect, it } from 'vitest';
import { compilePlan, PlanError, type FaultProcess, type TimelineStep } from '../../sim/faults/plan.ts';
import { selectDevices } from '../../sim/faults/selector.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import type { FleetSpec } from '../../sim/world/fleet-spec.ts';

const H = 3_600_000;
const START = Date.UTC(2026, 2, 2, 5, 0);

function fleet(extra_floor_devices = 0): FleetSpec {
  return {
    sites: [
      { id: 'nyc', metro: 'New York', timezone: 'America/New_York', buildings: [{ id: 'hq', type: 'office', floors: 2, zones_per_floor: 3, per_zone: { occupancy: 2, env: 1, hvac: 1 }, per_floor: { lock: 1, leak: 1 + extra_floor_devices } }] },
      { id: 'chi', metro: 'Chicago', timezone: 'America/Chicago', buildings: [{ id: 'loop', type: 'office', count: 2, floors: 1, zones_per_floor: 2, per_zone: { env: 1, lighting: 1 }, per_floor: { lock: 1 } }] },
    ],
  };
}

const portfolio = generatePortfolio('t', fleet());
const plan = (steps: TimelineStep[], end_ms = START + 24 * H) => compilePlan({ portfolio, seed: 's', start_ms: START, end_ms, steps });
const inject = (id: string, fault: string, target: Record<string, readonly string[]>, at_ms: number, extra: Partial<TimelineStep> = {}): TimelineStep =>
  ({ id, at_ms, action: 'fault.inject', fault, target, with: {}, ...extra }) as TimelineStep;

describe('selectors', () => {
  it('AND across keys, OR within a list', () => {
    const ids = selectDevices(portfolio, { building: ['hq', 'loop-1'], kind: ['lock', 'leak'] }, 'x').map((d) => d.id);
    expect(ids).toEqual(['hq-f01-leak-001', 'hq-f01-lock-001', 'hq-f02-leak-001', 'hq-f02-lock-001', 'loop-1-f01-lock-001']);
    expect(selectDevices(portfolio, { behind: ['hq-f01-gw-001'], kind: ['hvac'] }, 'x').every((d) => d.gateway_id === 'hq-f01-gw-001' && d.kind === 'hvac')).toBe(true);
  });

  it('a percentage picks by a stable hash: the same devices every time, untouched by devices added elsewhere', () => {
    const a = selectDevices(portfolio, { kind: ['occupancy'], percent: 50 }, 'step-1').map((d) => d.id);
    expect(a.length).toBeGreaterThan(0);
    expect(a.length).toBeLessThan(selectDevices(portfolio, { kind: ['occupancy'] }, 'step-1').length);
    expect(selectDevices(portfolio, { kind: ['occupancy'], percent: 50 }, 'step-1').map((d) => d.id)).toEqual(a);
    // Another salt draws another half; a bigger fleet keeps every earlier choice.
    expect(selectDevices(portfolio, { kind: ['occupancy'], percent: 50 }, 'step-2').map((d) => d.id)).not.toEqual(a);
    const bigger = generatePortfolio('t', fleet(2));
    const b = selectDevices(bigger, { kind: ['occupancy', 'leak'], percent: 50 }, 'step-1').map((d) => d.id);
    for (const id of selectDevices(portfolio, { kind: ['occupancy', 'leak'], percent: 50 }, 'step-1').map((d) => d.id)) expect(b).toContain(id);
  });
});

describe('compilePlan', () => {
  it('one instance per target of a class: device faults per device, outages per gateway, floor, building or site', () => {
    const p = plan([
      inject('jam', 'lock_jam', { building: ['hq'] }, H),
      { id: 'gw', at_ms: H, action: 'outage.start', outage: 'gateway_down', target: { floor: ['hq-f02'] }, with: {} },
      { id: 'cut', at_ms: 2 * H, action: 'outage.start', outage: 'building_power', target: { site: ['chi'] }, with: {}, for_ms: H },
      { id: 'b', at_ms: 3 * H, action: 'outage.start', outage: 'broker', target: {}, with: {}, for_ms: 600_000 },
    ]);
    expect(plan([]).faults).toEqual([]);
    expect(p.faults.map((f) => [f.id, f.scope, f.on])).toEqual([
      ['gw', 'gateway', 'hq-f02-gw-001'],
      ['jam/hq-f01-lock-001', 'device', 'hq-f01-lock-001'],
      ['jam/hq-f02-lock-001', 'device', 'hq-f02-lock-001'],
      ['cut/loop-1', 'building', 'loop-1'],
      ['cut/loop-2', 'building', 'loop-2'],
      ['b', 'broker', 'broker'],
    ]);
    expect(p.faults.find((f) => f.id === 'cut/loop-2')).toMatchObject({ start_ms: START + 2 * H, end_ms: START + 3 * H, params: { network_boot: 90_000, stagger: 5_000 } });
    expect(p.faults.find((f) => f.id === 'gw')!.end_ms).toBeNull();
  });

  it('repeats with every/until/times, numbering occurrences, and stops at the run end', () => {
    const every = plan([inject('crash', 'firmware_crash', { device: ['hq-f01-env-001'] }, H, { every_ms: 6 * H, for_ms: 10 * 60_000 })]);
    expect(every.faults.map((f) => [f.id, f.start_ms - START])).toEqual([['crash#1', H], ['crash#2', 7 * H], ['crash#3', 13 * H], ['crash#4', 19 * H]]);
    expect(plan([inject('c', 'firmware_crash', { device: ['hq-f01-env-001'] }, H, { every_ms: 6 * H, times: 2 })]).faults).toHaveLength(2);
    expect(plan([inject('c', 'firmware_crash', { device: ['hq-f01-env-001'] }, H, { every_ms: 6 * H, until_ms: 8 * H })]).faults).toHaveLength(2);
    expect(plan([inject('late', 'leak', { device: ['hq-f01-leak-001'] }, 30 * H)]).faults).toEqual([]);
    expect(() => plan([inject('storm', 'firmware_crash', { device: ['hq-f01-env-001'] }, 0, { every_ms: 1 })])).toThrow(PlanError);
  });

  it('a clear ends what its step started if it is still active; a repair ends the device faults it fixes', () => {
    const p = plan([
      inject('stuck', 'sensor_stuck', { kind: ['env'], building: ['hq'] }, H),
      { id: 'unstick', at_ms: 3 * H, action: 'fault.clear', ref: 'stuck' },
      inject('jam', 'lock_jam', { device: ['hq-f01-lock-001'] }, H, { for_ms: H }),
      { id: 'fix', at_ms: 5 * H, action: 'operator.repair', target: { device: ['hq-f01-lock-001', 'hq-f02-env-001'] }, by: 'tech' },
      inject('jam2', 'lock_jam', { device: ['hq-f01-lock-001'] }, 4 * H),
    ]);
    for (const f of p.faults.filter((x) => x.source === 'stuck')) expect(f.end_ms).toBe(START + 3 * H);
    // Already over by itself: the repair does not move its end.
    expect(p.faults.find((f) => f.id === 'jam')!.end_ms).toBe(START + 2 * H);
    expect(p.faults.find((f) => f.id === 'jam2')!.end_ms).toBe(START + 5 * H);
    expect(p.actions.map((a) => [a.id, a.action, a.devices])).toEqual([['fix', 'operator.repair', ['hq-f01-lock-001', 'hq-f02-env-001']]]);
  });

  it('random processes: deterministic per seed, one stream per (process, device), so adding a process changes no other', () => {
    const crashes: FaultProcess = { id: 'crashes', fault: 'firmware_crash', target: { kind: ['occupancy'] }, mtbf_ms: 12 * H, mttr_ms: 20 * 60_000, with: {} };
    const jams: FaultProcess = { id: 'jams', fault: 'lock_jam', target: { kind: ['lock'] }, mtbf_ms: 6 * H, mttr_ms: H, with: {} };
    const run = (processes: FaultProcess[], seed = 's') => compilePlan({ portfolio, seed, start_ms: START, end_ms: START + 7 * 24 * H, steps: [], processes });
    const a = run([crashes]);
    expect(a.faults.length).toBeGreaterThan(20);
    for (const f of a.faults) {
      expect(f.end_ms! - f.start_ms).toBeGreaterThanOrEqual(60_000);
      expect(f.start_ms).toBeLessThan(START + 7 * 24 * H);
    }
    expect(run([crashes]).faults).toEqual(a.faults);
    expect(run([crashes], 't').faults).not.toEqual(a.faults);
    const both = run([jams, crashes]);
    expect(both.faults.filter((f) => f.source === 'crashes')).toEqual(a.faults);
    expect(both.faults.some((f) => f.source === 'jams')).toBe(true);
    // A device's faults never overlap: the next one starts after the last was repaired.
    const d = a.faults.filter((f) => f.on === a.faults[0]!.on);
    for (let i = 1; i < d.length; i++) expect(d[i]!.start_ms).toBeGreaterThanOrEqual(d[i - 1]!.end_ms!);
  });
});

describe('reboot', () => {
  it('without for: each target is down for its model kind’s reboot time; with for: that long', () => {
    const p = plan([inject('rb', 'reboot', { device: ['hq-f01-gw-001', 'hq-f01-lock-001'] }, 2 * H), inject('rb2', 'reboot', { device: ['hq-f01-gw-001'] }, 5 * H, { for_ms: 15 * 60_000 })]);
    const spans = Object.fromEntries(p.faults.map((f) => [f.id, f.end_ms! - f.start_ms]));
    expect(spans).toEqual({ 'rb/hq-f01-gw-001': 2 * 60_000, 'rb/hq-f01-lock-001': 15_000, rb2: 15 * 60_000 });
  });
});
