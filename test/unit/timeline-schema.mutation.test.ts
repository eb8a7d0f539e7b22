import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Module from '../../harness/scenario/timeline-schema.ts';

// Each test loads the module afresh (vi.resetModules, then import), so its zod schemas are built
// inside the test: mutation testing credits a test only with code that runs inside it, and a
// schema built at import would otherwise be scored by no test (docs/testing.md, "hybrid" static
// mutants).
let zFaultProcess: typeof Module.zFaultProcess;
let zFaultProcesses: typeof Module.zFaultProcesses;
let zSelector: typeof Module.zSelector;
let zStepTime: typeof Module.zStepTime;
let zTimeline: typeof Module.zTimeline;
let zTimelineStep: typeof Module.zTimelineStep;
beforeEach(async () => {
  vi.resetModules();
  ({ zFaultProcess, zFaultProcesses, zSelector, zStepTime, zTimeline, zTimelineStep } = await import('../../harness/scenario/timeline-schema.ts'));
});

// harness/scenario/timeline-schema.ts: class names with their suggestions, step times, selectors
// and the sections' limits, written to kill the mutants StrykerJS left alive (docs/testing.md,
// "Mutation testing").

const FAULTS = 'sensor_stuck, sensor_drift, sensor_noise, battery_depletion, firmware_crash, lock_jam, door_propped, hvac_compressor_failure, lighting_driver_failure, clock_skew, malformed_payloads, leak, reboot, device_down, packet_loss, link_flapping, rf_interference';
const OUTAGES = 'gateway_down, floor_power, building_power, site_uplink, building_uplink, broker, platform_restart';
const AT = 'expected a time like "3h", "2d 03:00" (from the start) or "2026-03-04 14:00" (site-local)';

/** The messages of a failed parse ([] when it passes). */
function messages(schema: { safeParse: (v: unknown) => { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, value: unknown): string[] {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('class names', () => {
  const inject = (fault: string) => messages(zTimelineStep, { at: '1h', action: 'fault.inject', fault, target: {} });
  const outage = (name: string) => messages(zTimelineStep, { at: '1h', action: 'outage.start', outage: name });

  it('known names pass; a close one gets a did-you-mean (case aside)', () => {
    expect(inject('leak')).toEqual([]);
    expect(outage('broker')).toEqual([]);
    expect(inject('ldak')).toEqual([`fault: expected one of ${FAULTS}, got "ldak" (did you mean "leak"?)`]);
    expect(outage('building_powr')).toEqual([`outage: expected one of ${OUTAGES}, got "building_powr" (did you mean "building_power"?)`]);
  });

  it('a class of the other family says which action injects it', () => {
    expect(outage('leak')).toEqual(['outage: "leak" is a device fault class, injected with action: fault.inject and fault: leak']);
    expect(inject('site_uplink')).toEqual(['fault: "site_uplink" is an outage class, injected with action: outage.start and outage: site_uplink']);
  });

  it('a far-off word containing a class name (4 letters or more, any case) suggests the first such name in order', () => {
    expect(inject('zzzzzz_leak_zzzzzz')).toEqual([`fault: expected one of ${FAULTS}, got "zzzzzz_leak_zzzzzz" (did you mean "leak"?)`]);
    expect(inject('ZZZZZZ_LEAK_ZZZZZZ')).toEqual([`fault: expected one of ${FAULTS}, got "ZZZZZZ_LEAK_ZZZZZZ" (did you mean "leak"?)`]);
    // Both `reboot` and `leak` are inside; `leak` sorts first.
    expect(inject('zz_reboot_zz_leak_zz')).toEqual([`fault: expected one of ${FAULTS}, got "zz_reboot_zz_leak_zz" (did you mean "leak"?)`]);
    expect(outage('the_broker_outage_please')).toEqual([`outage: expected one of ${OUTAGES}, got "the_broker_outage_please" (did you mean "broker"?)`]);
    expect(inject('nothing_like_it_at_all')).toEqual([`fault: expected one of ${FAULTS}, got "nothing_like_it_at_all"`]);
  });
});

describe('step times', () => {
  it('a site-local date-time (space or T, trimmed) or an offset', () => {
    expect(zStepTime.parse(' 2026-03-04T14:00 ')).toEqual({ local: '2026-03-04T14:00' });
    expect(zStepTime.parse('2026-03-04 14:00')).toEqual({ local: '2026-03-04 14:00' });
    expect(zStepTime.parse('90m')).toEqual({ offset_ms: 5_400_000 });
    expect(zStepTime.parse('2d 03:00')).toEqual({ offset_ms: 2 * 86_400_000 + 3 * 3_600_000 });
    // Near misses of the date-time shape are read as durations, and refused as such.
    expect(zStepTime.safeParse('2026-03-04 14:00x').success).toBe(false);
    expect(zStepTime.safeParse('x2026-03-04 14:00').success).toBe(false);
    expect(zStepTime.safeParse('2026-03-04_14:00').success).toBe(false);
  });

  it('anything else is refused with the expected forms and the duration grammar\'s detail when it has one', () => {
    expect(messages(zStepTime, 'soon')).toEqual([`: ${AT}, got "soon"`]);
    expect(messages(zStepTime, true)).toEqual([`: ${AT}, got true`]);
    expect(messages(zStepTime, '30m 1h')).toEqual([`: ${AT}, got "30m 1h" (units must go from largest to smallest, each at most once ("h" is out of place))`]);
    expect(messages(zStepTime, 5_400_000)).toEqual([`: ${AT}, got 5400000 (a duration needs a unit: did you mean "5400000s"?)`]);
  });
});

describe('selectors and steps', () => {
  it('percent is above 0 and at most 100; names are one or a non-empty list of 1–200 characters', () => {
    expect(zSelector.safeParse({ percent: 0 }).success).toBe(false);
    expect(zSelector.safeParse({ percent: 0.1 }).success).toBe(true);
    expect(zSelector.safeParse({ percent: 100 }).success).toBe(true);
    expect(zSelector.safeParse({ percent: 100.1 }).success).toBe(false);
    expect(zSelector.safeParse({ site: [] }).success).toBe(false);
    expect(zSelector.safeParse({ site: '' }).success).toBe(false);
    expect(zSelector.safeParse({ site: 'x'.repeat(200) }).success).toBe(true);
    expect(zSelector.safeParse({ site: 'x'.repeat(201) }).success).toBe(false);
    expect(zSelector.safeParse({ kind: [] }).success).toBe(false);
    expect(zSelector.safeParse({ kind: ['lock', 'env'] }).success).toBe(true);
    expect(zSelector.safeParse({ kind: 'toaster' }).success).toBe(false);
    expect(zSelector.safeParse({ sites: 'x' }).success).toBe(false);
  });

  it('ids: a letter or digit first, then letters, digits, ".", "_" or "-", at most 64', () => {
    const id = (v: string) => zTimelineStep.safeParse({ id: v, at: '1h', action: 'operator.ack' }).success;
    expect(id('A.b_c-9')).toBe(true);
    expect(id('a'.repeat(64))).toBe(true);
    expect(id('a'.repeat(65))).toBe(false);
    expect(id('-a')).toBe(false);
    expect(id('a b')).toBe(false);
    expect(id('a/b')).toBe(false);
  });

  it('repetition and setpoints within their bounds; each action takes only its own keys', () => {
    const ack = (extra: Record<string, unknown>) => zTimelineStep.safeParse({ at: '1h', action: 'operator.ack', ...extra }).success;
    expect(ack({ every: '1h', times: 1 })).toBe(true);
    expect(ack({ every: '1h', times: 10_000 })).toBe(true);
    expect(ack({ every: '1h', times: 0 })).toBe(false);
    expect(ack({ every: '1h', times: 10_001 })).toBe(false);
    expect(ack({ every: '0s' })).toBe(false);
    expect(ack({ note: 'why' })).toBe(true);
    expect(ack({ ref: 'x' })).toBe(false);
    const setpoint = (c: unknown) => zTimelineStep.safeParse({ at: '1h', action: 'setpoint', target: {}, setpoint_c: c }).success;
    expect([setpoint(5), setpoint(35), setpoint(null), setpoint(4.9), setpoint(35.1)]).toEqual([true, true, true, false, false]);
    expect(zTimelineStep.safeParse({ at: '1h', action: 'rollout.pause', rollout: 'r', reason: 'x' }).success).toBe(true);
    expect(zTimelineStep.safeParse({ at: '1h', action: 'rollout.start', rollout: 'r', reason: 'x' }).success).toBe(false);
    expect(zTimelineStep.safeParse({ at: '1h', action: 'operator.repair' }).success).toBe(false);
    expect(zTimelineStep.safeParse({ at: '1h', action: 'schedule', target: {}, schedule: 'holiday' }).success).toBe(true);
  });

  it('fault processes take device faults and outages except the broker and a platform restart', () => {
    const p = (fault: string) => zFaultProcess.safeParse({ fault, target: {}, mtbf: '1d', mttr: '1h' }).success;
    expect([p('leak'), p('site_uplink'), p('gateway_down'), p('broker'), p('platform_restart'), p('nope')]).toEqual([true, true, true, false, false, false]);
  });

  it('at most 10,000 steps and 1,000 processes', () => {
    const step = { at: '1h', action: 'operator.ack' };
    expect(zTimeline.safeParse(Array.from({ length: 10_000 }, () => step)).success).toBe(true);
    expect(zTimeline.safeParse(Array.from({ length: 10_001 }, () => step)).success).toBe(false);
    const proc = { fault: 'leak', target: {}, mtbf: '1d', mttr: '1h' };
    expect(zFaultProcesses.safeParse(Array.from({ length: 1_000 }, () => proc)).success).toBe(true);
    expect(zFaultProcesses.safeParse(Array.from({ length: 1_001 }, () => proc)).success).toBe(false);
  });
});
