import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Expectations from '../../harness/expect/expectations.ts';
import type { ExpectationCheckInput } from '../../harness/expect/expectations.ts';
import type * as Positions from '../../harness/expect/positions.ts';
import type * as Schema from '../../harness/expect/schema.ts';
import type { ExpectationFile } from '../../harness/expect/schema.ts';
import type { DeviceSpec, Portfolio } from '../../sim/world/topology.ts';

// Each test loads the modules afresh (vi.resetModules, then import), so the expectation schema is
// built inside the test: mutation testing credits a test only with code that runs inside it, and a
// schema built at import would otherwise be scored by no test (docs/testing.md, "hybrid" static
// mutants).
let checkExpectations: typeof Expectations.checkExpectations;
let NO_ALERT_TAIL_MS: typeof Expectations.NO_ALERT_TAIL_MS;
let resolveExpectations: typeof Expectations.resolveExpectations;
let itemLines: typeof Positions.itemLines;
let zExpectation: typeof Schema.zExpectation;
let zExpectations: typeof Schema.zExpectations;
beforeEach(async () => {
  vi.resetModules();
  ({ checkExpectations, NO_ALERT_TAIL_MS, resolveExpectations } = await import('../../harness/expect/expectations.ts'));
  ({ itemLines } = await import('../../harness/expect/positions.ts'));
  ({ zExpectation, zExpectations } = await import('../../harness/expect/schema.ts'));
});

/**
 * Pins harness/expect/expectations.ts (names, defaults, the checks against the scenario),
 * schema.ts (the structure rules and their messages) and positions.ts (source lines of list
 * items), with hand-written inputs built inside each test.
 */

function portfolio(): Portfolio {
  const d = { id: 'd1', kind: 'leak', model: 'LEAK-W-20', serial: 'd1', firmware: '1', site_id: 'hq', building_id: 'tower', floor_id: 'f1', zone_id: null, gateway_id: null, critical: false, tags: [] } as DeviceSpec;
  return { name: 't', sites: [{ id: 'hq', buildings: [{ id: 'tower' }, { id: 'annex' }] }], devices: [d] } as unknown as Portfolio;
}

function check(files: ExpectationFile[], over: Partial<ExpectationCheckInput> = {}): Array<[string, string]> {
  const issues: Array<[string, string]> = [];
  const input: ExpectationCheckInput = { portfolio: portfolio(), steps: new Map([['cut', 'fault.inject'], ['down', 'outage.start'], ['fix', 'fault.clear']]), processes: new Set(['leaks']), rollout_ids: new Set(), ...over };
  checkExpectations(files, input, (path, message) => issues.push([path.join('.'), message]));
  return issues;
}

describe('resolving expectations', () => {
  it('names each kind from what it checks, with its line, and fills the defaults', () => {
    const e = resolveExpectations(
      [
        { that: '  messages >= 5 ' },
        { always: 'open_incidents <= 2' },
        { alert: 'leak', for_fault: 'cut', within: 120_000 },
        { alert: ['leak', 'device_offline'], for_fault: 'cut', within: 60_000, devices: 'targets' },
        { incident: 'P1', for_fault: 'cut', within: 300_000 },
        { incident: { cause: 'leak', scope: 'site' }, for_fault: 'cut', within: 300_000, devices: 'behind' },
        { incident: {}, for_fault: 'cut', within: 300_000 },
        { no_alert: 'any', for_fault: 'cut' },
        { no_alert: 'leak', for_fault: 'cut', within: 60_000, devices: 'affected', include_inhibited: true },
        { no_alert: ['leak', 'battery_low'], for_fault: 'cut', devices: 'targets' },
        { that: 'messages >= 5', name: 'given' },
      ],
      [3, 5, 7],
    );
    expect(e).toEqual([
      { kind: 'that', name: 'that messages >= 5', line: 3, unit: 'count', comparison: { metric: 'messages', op: '>=', value: 5, value_text: '5' } },
      { kind: 'always', name: 'always open_incidents <= 2', line: 5, unit: 'count', comparison: { metric: 'open_incidents', op: '<=', value: 2, value_text: '2' } },
      { kind: 'alert', name: 'leak alert within 2m of cut', line: 7, types: ['leak'], for_fault: 'cut', within_ms: 120_000, devices: 'affected' },
      { kind: 'alert', name: 'leak/device_offline alert within 1m of cut', line: 0, types: ['leak', 'device_offline'], for_fault: 'cut', within_ms: 60_000, devices: 'targets' },
      { kind: 'incident', name: 'P1 incident within 5m of cut', line: 0, match: { priority: 'P1' }, for_fault: 'cut', within_ms: 300_000, devices: 'affected' },
      { kind: 'incident', name: 'leak site-scope incident within 5m of cut', line: 0, match: { cause: 'leak', scope: 'site' }, for_fault: 'cut', within_ms: 300_000, devices: 'behind' },
      { kind: 'incident', name: 'an incident within 5m of cut', line: 0, match: {}, for_fault: 'cut', within_ms: 300_000, devices: 'affected' },
      { kind: 'no_alert', name: 'no alert on the devices behind cut', line: 0, types: 'any', for_fault: 'cut', within_ms: 15 * 60_000, devices: 'behind', include_inhibited: false },
      { kind: 'no_alert', name: 'no leak alert on the devices affected by cut', line: 0, types: ['leak'], for_fault: 'cut', within_ms: 60_000, devices: 'affected', include_inhibited: true },
      { kind: 'no_alert', name: 'no leak/battery_low alert on the devices hit by cut', line: 0, types: ['leak', 'battery_low'], for_fault: 'cut', within_ms: 15 * 60_000, devices: 'targets', include_inhibited: false },
      expect.objectContaining({ name: 'given' }),
    ]);
    expect(NO_ALERT_TAIL_MS).toBe(900_000);
    expect(resolveExpectations(undefined)).toEqual([]);
  });

  it('reads the value in the metric\'s unit', () => {
    const [ratio, ms, text] = resolveExpectations([{ that: 'sla.availability >= 99.5%' }, { that: 'storm.reconnect_all <= 2m' }, { that: 'rollout.r.state = done' }]);
    expect([ratio, ms, text].map((e) => (e as { comparison: { value: unknown }; unit: string }).comparison.value)).toEqual([0.995, 120_000, 'done']);
    expect([ratio, ms, text].map((e) => (e as { unit: string }).unit)).toEqual(['ratio', 'ms', 'text']);
  });
});

describe('checking expectations against the scenario', () => {
  it('accepts known metrics with known arguments and fault steps or processes', () => {
    expect(check([
      { that: 'sla.availability.site.hq >= 99%' },
      { that: 'sla.availability.building.annex >= 99%' },
      { that: 'oracle.leak.detected >= 1' },
      { that: 'alerts.leak = 0' },
      { that: 'incidents.P1 = 0' },
      { that: 'dropped.reboot = 0' },
      { that: 'sla.patch_coverage.LEAK-W-20 >= 90%' },
      { that: 'rollout.r1.state != halted' },
      { always: 'open_incidents.P2 <= 3' },
      { alert: 'leak', for_fault: 'cut', within: 60_000 },
      { incident: 'P1', for_fault: 'down', within: 60_000 },
      { no_alert: 'any', for_fault: 'leaks' },
      // An argument with no domain (a cause) is not checked.
      { that: 'incidents.cause.anything = 0' },
    ], { rollout_ids: new Set(['r1']) })).toEqual([]);
  });

  it('refuses text that is not a comparison, with the form it expects', () => {
    expect(check([{ that: 'messages' }])).toEqual([['expect.0.that', 'expected "<metric> <op> <value>" such as "sla.availability >= 99.5%", got "messages"']]);
  });

  it('an unknown metric gets a did-you-mean from the concrete names of its kind', () => {
    expect(check([{ that: 'sla.availabilty >= 99%' }])).toEqual([['expect.0.that', 'unknown metric "sla.availabilty" (did you mean "sla.availability"?)']]);
    expect(check([{ always: 'open_incidentz <= 1' }])).toEqual([['expect.0.always', 'unknown metric "open_incidentz" (did you mean "open_incidents"?)']]);
    // Placeholders expanded: a site of this portfolio is suggested.
    expect(check([{ that: 'sla.availabilty.site.hq >= 99%' }])).toEqual([['expect.0.that', 'unknown metric "sla.availabilty.site.hq" (did you mean "sla.availability.site.hq"?)']]);
    expect(check([{ that: 'zzzzzzzzzz >= 1' }])).toEqual([['expect.0.that', 'unknown metric "zzzzzzzzzz"']]);
  });

  it('a live metric in that:, or an end-of-run one in always:, says which to use', () => {
    expect(check([{ that: 'firing_alerts <= 1' }])).toEqual([['expect.0.that', 'unknown metric "firing_alerts" (a live metric: use "always:")']]);
    expect(check([{ always: 'messages >= 1' }])).toEqual([['expect.0.always', 'unknown metric "messages" ("always:" takes live metrics: open_incidents, firing_alerts, offline_devices)']]);
  });

  it('an argument outside its domain is named, with a did-you-mean when one is close', () => {
    expect(check([{ that: 'sla.availability.site.hx >= 99%' }])).toEqual([['expect.0.that', 'unknown site "hx" in metric "sla.availability.site.hx" (did you mean "hq"?)']]);
    expect(check([{ that: 'sla.availability.building.anex >= 99%' }])).toEqual([['expect.0.that', 'unknown building "anex" in metric "sla.availability.building.anex" (did you mean "annex"?)']]);
    expect(check([{ that: 'incidents.P7 = 0' }])).toEqual([['expect.0.that', 'unknown priority "P7" in metric "incidents.P7" (did you mean "P1"?)']]);
    expect(check([{ that: 'oracle.lek.detected >= 1' }])).toEqual([['expect.0.that', 'unknown class "lek" in metric "oracle.lek.detected" (did you mean "leak"?)']]);
    expect(check([{ that: 'alerts.qqqqqqqqqqqq = 0' }])).toEqual([['expect.0.that', 'unknown alert "qqqqqqqqqqqq" in metric "alerts.qqqqqqqqqqqq"']]);
    expect(check([{ that: 'dropped.rebot = 0' }])).toEqual([['expect.0.that', 'unknown reason "rebot" in metric "dropped.rebot" (did you mean "reboot"?)']]);
    expect(check([{ that: 'rollout.r1.stat = done' }], { rollout_ids: new Set(['r1']) })).toEqual([['expect.0.that', 'unknown field "stat" in metric "rollout.r1.stat" (did you mean "state"?)']]);
    expect(check([{ that: 'rollout.r2.state = done' }], { rollout_ids: new Set(['r1']) })).toEqual([['expect.0.that', 'unknown rollout "r2" in metric "rollout.r2.state" (did you mean "r1"?)']]);
    expect(check([{ that: 'rollout.r2.state = done' }])).toEqual([['expect.0.that', 'unknown rollout "r2": this scenario defines no rollouts (the "rollouts:" section)']]);
    // Only the first bad argument is reported.
    expect(check([{ that: 'rollout.r2.stat = done' }])).toHaveLength(1);
  });

  it('a value that does not fit the unit, or a word compared with an order, is refused', () => {
    expect(check([{ that: 'messages >= many' }])).toEqual([['expect.0.that', 'messages: expected a number, got "many"']]);
    expect(check([{ that: 'rollout.r1.state > done' }], { rollout_ids: new Set(['r1']) })).toEqual([['expect.0.that', 'rollout.r1.state: ">" compares numbers; a word can only be compared with = or !=']]);
    expect(check([{ that: 'rollout.r1.state != done' }, { that: 'rollout.r1.committed > 3' }], { rollout_ids: new Set(['r1']) })).toEqual([]);
  });

  it('fault checks must name a fault.inject or outage.start step, or a fault process', () => {
    expect(check([{ alert: 'leak', for_fault: 'cutt', within: 60_000 }])).toEqual([['expect.0.for_fault', 'no timeline step or fault process "cutt" (did you mean "cut"?)']]);
    expect(check([{ no_alert: 'any', for_fault: 'leak' }])).toEqual([['expect.0.for_fault', 'no timeline step or fault process "leak" (did you mean "leaks"?)']]);
    expect(check([{ no_alert: 'any', for_fault: 'qqqqqqqqqq' }])).toEqual([['expect.0.for_fault', 'no timeline step or fault process "qqqqqqqqqq"']]);
    expect(check([{ that: 'messages >= 1' }, { incident: 'P1', for_fault: 'fix', within: 60_000 }])).toEqual([['expect.1.for_fault', '"fix" is a fault.clear step; incident checks are about fault.inject or outage.start steps']]);
  });
});

describe('the expectation schema', () => {
  function issues(x: unknown): Array<[string, string]> {
    const r = zExpectation.safeParse(x);
    return r.success ? [] : r.error.issues.map((i) => [i.path.join('.'), i.message]);
  }

  it('an entry checks exactly one thing', () => {
    expect(issues({})).toEqual([['', 'an expectation needs one of that, always, alert, incident, no_alert']]);
    expect(issues({ name: 'x' })).toEqual([['', 'an expectation needs one of that, always, alert, incident, no_alert']]);
    expect(issues({ that: 'a = 1', always: 'b = 1' })).toEqual([['', 'an expectation checks one thing; this one has that and always']]);
  });

  it('fault checks need for_fault, and alert and incident need within', () => {
    expect(issues({ alert: 'leak' })).toEqual([['alert', 'alert needs "for_fault": the timeline step whose fault it is about'], ['alert', 'alert needs "within": how soon after the fault\'s onset']]);
    expect(issues({ incident: 'P1', for_fault: 'x' })).toEqual([['incident', 'incident needs "within": how soon after the fault\'s onset']]);
    expect(issues({ no_alert: 'any' })).toEqual([['no_alert', 'no_alert needs "for_fault": the timeline step whose fault it is about']]);
    expect(issues({ no_alert: 'any', for_fault: 'x' })).toEqual([]);
    expect(issues({ alert: ['leak', 'battery_low'], for_fault: 'x', within: '2m', devices: 'behind' })).toEqual([]);
    expect(zExpectation.parse({ alert: 'leak', for_fault: 'x', within: '2m' }).within).toBe(120_000);
  });

  it('fault-check keys do not belong to that/always, and include_inhibited only to no_alert', () => {
    expect(issues({ that: 'a = 1', for_fault: 'x', within: '1m', devices: 'targets', include_inhibited: true })).toEqual([
      ['for_fault', '"for_fault" belongs to alert, incident and no_alert checks, not to that'],
      ['within', '"within" belongs to alert, incident and no_alert checks, not to that'],
      ['devices', '"devices" belongs to alert, incident and no_alert checks, not to that'],
      ['include_inhibited', '"include_inhibited" belongs to alert, incident and no_alert checks, not to that'],
      ['include_inhibited', '"include_inhibited" belongs to no_alert checks'],
    ]);
    expect(issues({ alert: 'leak', for_fault: 'x', within: '1m', include_inhibited: false })).toEqual([['include_inhibited', '"include_inhibited" belongs to no_alert checks']]);
    expect(issues({ no_alert: 'any', for_fault: 'x', include_inhibited: false })).toEqual([]);
  });

  it('field shapes: step ids, alert types, incident matches, names, empty texts', () => {
    expect(issues({ no_alert: 'any', for_fault: '-x' }).map(([p, m]) => `${p}: ${m}`)).toEqual(['for_fault: a timeline step id']);
    expect(issues({ no_alert: 'any', for_fault: `a${'b'.repeat(63)}` })).toEqual([]);
    expect(issues({ no_alert: 'any', for_fault: `a${'b'.repeat(64)}` })).toHaveLength(1);
    expect(issues({ no_alert: 'any', for_fault: 'a.b_c-9' })).toEqual([]);
    expect(issues({ alert: 'nope', for_fault: 'x', within: '1m' })).toHaveLength(1);
    expect(issues({ alert: [], for_fault: 'x', within: '1m' })).toHaveLength(1);
    expect(issues({ no_alert: ['stale_telemetry', 'threshold'], for_fault: 'x' })).toEqual([]);
    expect(issues({ incident: 'P5', for_fault: 'x', within: '1m' })).toHaveLength(1);
    expect(issues({ incident: { priority: 'P4', cause: 'leak', scope: 'floor' }, for_fault: 'x', within: '1m' })).toEqual([]);
    expect(issues({ incident: { cause: '' }, for_fault: 'x', within: '1m' })).toHaveLength(1);
    expect(issues({ incident: { scope: 'broker' }, for_fault: 'x', within: '1m' })).toHaveLength(1);
    expect(issues({ incident: { severity: 'x' }, for_fault: 'x', within: '1m' })).toHaveLength(1);
    expect(issues({ that: '' })).toHaveLength(1);
    expect(issues({ always: '' })).toHaveLength(1);
    expect(issues({ that: 'a = 1', name: '' })).toHaveLength(1);
    expect(issues({ that: 'a = 1', name: 'n'.repeat(200) })).toEqual([]);
    expect(issues({ that: 'a = 1', name: 'n'.repeat(201) })).toHaveLength(1);
    expect(issues({ that: 'a = 1', unknown: 1 })).toHaveLength(1);
    expect(issues({ no_alert: 'any', for_fault: 'x', devices: 'all' })).toHaveLength(1);
    expect(zExpectations.safeParse(Array.from({ length: 1000 }, () => ({ that: 'a = 1' }))).success).toBe(true);
    expect(zExpectations.safeParse(Array.from({ length: 1001 }, () => ({ that: 'a = 1' }))).success).toBe(false);
  });
});

describe('item lines', () => {
  it('gives the 1-based line of each item of a top-level list, a BOM aside', () => {
    const text = 'name: x\nexpect:\n  - that: a = 1\n\n  - that: b = 2\n    name: two\nother: 1\n';
    expect(itemLines(text, 'expect')).toEqual([3, 5]);
    expect(itemLines(`\uFEFF${text}`, 'expect')).toEqual([3, 5]);
    expect(itemLines(text, 'other')).toEqual([]);
    expect(itemLines(text, 'missing')).toEqual([]);
    expect(itemLines('- a\n- b\n', 'expect')).toEqual([]);
    expect(itemLines('', 'expect')).toEqual([]);
    // An empty item is a null node, still at its own line.
    expect(itemLines('expect:\n  -\n  - b\n', 'expect')).toEqual([2, 3]);
  });

  it('strips a BOM only at the start: a file ending in U+FEFF (here inside a comment) keeps its first character', () => {
    // Were the BOM looked for at the end, the first character would be cut and `expect` read as `xpect`.
    expect(itemLines('expect:\n  - that: a = 1\n  - that: b = 2\n# end \uFEFF', 'expect')).toEqual([2, 3]);
  });
});
