import { describe, expect, it } from 'vitest';
import type { AlertType, Severity } from '../../platform/core/model.ts';
import { AlertManager, compareAlerts, type AlertManagerDeps } from '../../platform/monitoring/alert-manager.ts';
import type { AlertSignal } from '../../platform/monitoring/monitor.ts';

// The alert lifecycle's edges (platform/monitoring/alert-manager.ts), written to kill the mutants
// StrykerJS left alive (docs/testing.md, "Mutation testing"). Every expected id, time and count is
// worked out by hand from the rules in the module comment: one alert per (device, type), a flap is
// `flap_threshold` raise/clear transitions within `flap_window_ms`, a flapping clear is held for
// `keep_firing_for_ms`. Each test builds its own manager (per-test coverage, docs/testing.md).

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 5, 8);

type Line = [number, string, Record<string, unknown>];

function manager(opts: Partial<AlertManagerDeps> = {}): { am: AlertManager; lines: Line[] } {
  const lines: Line[] = [];
  const am = new AlertManager({ journal: (t, k, f) => lines.push([t, k, f]), ...opts });
  return { am, lines };
}

function sig(kind: 'raise' | 'clear', at_ms: number, device_id = 'd1', severity: Severity = 'critical', type: AlertType = 'leak', summary = 's'): AlertSignal {
  return { kind, device_id, type, severity, at_ms, summary };
}

describe('alert manager: opening, re-triggering and clearing', () => {
  it('a new alert is firing, counted once, with every field set from the signal', () => {
    const { am, lines } = manager();
    const a = am.apply(sig('raise', T0, 'd1', 'major', 'lock_jammed', 'jammed'));
    expect(a).toEqual({
      id: 'lock_jammed:d1',
      device_id: 'd1',
      type: 'lock_jammed',
      severity: 'major',
      status: 'firing',
      started_ms: T0,
      acked_ms: null,
      resolved_ms: null,
      count: 1,
      flapping: false,
      inhibited_by: null,
      summary: 'jammed',
    });
    expect(lines).toEqual([[T0, 'p.alert', { id: 'lock_jammed:d1', d: 'd1', type: 'lock_jammed', s: 'firing', sev: 'major', n: 1, inh: null }]]);
    expect(am.get('lock_jammed:d1')).toEqual(a);
    expect(am.get('lock_jammed:d2')).toBeUndefined();
  });

  it('a re-trigger counts, takes the latest summary and only ever raises the severity', () => {
    const { am, lines } = manager();
    am.apply(sig('raise', T0, 'd1', 'minor', 'leak', 'first'));
    expect(am.apply(sig('raise', T0 + MIN, 'd1', 'major', 'leak', 'second'))).toMatchObject({ count: 2, severity: 'major', summary: 'second', started_ms: T0 });
    expect(am.apply(sig('raise', T0 + 2 * MIN, 'd1', 'warning', 'leak', 'third'))).toMatchObject({ count: 3, severity: 'major', summary: 'third' });
    expect(lines.map((l) => [l[0], l[2].n, l[2].sev])).toEqual([
      [T0, 1, 'minor'],
      [T0 + MIN, 2, 'major'],
      [T0 + 2 * MIN, 3, 'major'],
    ]);
  });

  it('re-triggers are not flap transitions: four raises and a clear resolve at once', () => {
    const { am } = manager();
    for (let i = 0; i < 4; i++) am.apply(sig('raise', T0 + i * MIN));
    expect(am.apply(sig('clear', T0 + 4 * MIN))).toMatchObject({ id: 'leak:d1', count: 4, status: 'resolved', flapping: false });
  });

  it('a clear resolves the active alert at its time; a clear with nothing active does nothing', () => {
    const { am, lines } = manager();
    expect(am.apply(sig('clear', T0))).toBeUndefined();
    expect(lines).toEqual([]);
    am.apply(sig('raise', T0 + MIN));
    const done = am.apply(sig('clear', T0 + 2 * MIN));
    expect(done).toMatchObject({ id: 'leak:d1', status: 'resolved', resolved_ms: T0 + 2 * MIN, flapping: false });
    expect(lines.at(-1)).toEqual([T0 + 2 * MIN, 'p.alert', { id: 'leak:d1', d: 'd1', type: 'leak', s: 'resolved', sev: 'critical', n: 1, inh: null }]);
    expect(am.active()).toEqual([]);
    expect(am.apply(sig('clear', T0 + 3 * MIN))).toBeUndefined();
  });

  it('a clear stamped before the raise resolves the alert at its start, never before', () => {
    const { am } = manager();
    am.apply(sig('raise', T0));
    expect(am.apply(sig('clear', T0 - MIN))).toMatchObject({ status: 'resolved', resolved_ms: T0 });
  });

  it('alerts of different devices or types are separate; active and all are sorted by start, then id', () => {
    const { am } = manager();
    am.apply(sig('raise', T0, 'd2'));
    am.apply(sig('raise', T0 + MIN, 'd1'));
    am.apply(sig('raise', T0, 'd1', 'major', 'lock_jammed'));
    am.apply(sig('raise', T0 + 2 * MIN, 'd3'));
    am.apply(sig('clear', T0 + 3 * MIN, 'd3'));
    expect(am.active().map((a) => a.id)).toEqual(['leak:d2', 'lock_jammed:d1', 'leak:d1']);
    expect(am.all().map((a) => [a.id, a.status])).toEqual([
      ['leak:d2', 'firing'],
      ['lock_jammed:d1', 'firing'],
      ['leak:d1', 'firing'],
      ['leak:d3', 'resolved'],
    ]);
  });

  it('compareAlerts orders by start time, then id, and calls equal ones equal', () => {
    const a = { started_ms: 5, id: 'b' } as never;
    const b = { started_ms: 7, id: 'a' } as never;
    const c = { started_ms: 5, id: 'c' } as never;
    expect(compareAlerts(a, b)).toBe(-2);
    expect(compareAlerts(b, a)).toBe(2);
    expect(compareAlerts(a, c)).toBe(-1);
    expect(compareAlerts(c, a)).toBe(1);
    expect(compareAlerts(a, { started_ms: 5, id: 'b' } as never)).toBe(0);
  });
});

describe('alert manager: operators', () => {
  it('acknowledge works on a firing alert only, never before it started, and journals who', () => {
    const { am, lines } = manager();
    am.apply(sig('raise', T0));
    const acked = am.acknowledge('leak:d1', T0 - MIN, 'noc');
    expect(acked).toMatchObject({ status: 'acknowledged', acked_ms: T0 });
    expect(lines.at(-1)).toEqual([T0 - MIN, 'p.alert', { id: 'leak:d1', d: 'd1', type: 'leak', s: 'acknowledged', sev: 'critical', n: 1, inh: null, by: 'noc' }]);
    expect(am.acknowledge('leak:d1', T0 + MIN, 'again')).toBeUndefined();
    expect(am.acknowledge('leak:d9', T0, 'noc')).toBeUndefined();
    // Still the active alert: a re-trigger counts on it, and a clear resolves it.
    expect(am.apply(sig('raise', T0 + 2 * MIN))).toMatchObject({ id: 'leak:d1', status: 'acknowledged', count: 2 });
    expect(am.apply(sig('clear', T0 + 3 * MIN))).toMatchObject({ id: 'leak:d1', status: 'resolved', acked_ms: T0 });
    expect(am.acknowledge('leak:d1', T0 + 4 * MIN, 'late')).toBeUndefined();
  });

  it('a later acknowledge keeps its own time', () => {
    const { am } = manager();
    am.apply(sig('raise', T0));
    expect(am.acknowledge('leak:d1', T0 + 5 * MIN, 'noc')).toMatchObject({ acked_ms: T0 + 5 * MIN });
  });

  it('resolve ends a firing or acknowledged alert once, and the next raise is a new occurrence', () => {
    const { am, lines } = manager();
    am.apply(sig('raise', T0));
    am.acknowledge('leak:d1', T0 + MIN, 'noc');
    expect(am.resolve('leak:d1', T0 - HOUR, 'ops')).toMatchObject({ status: 'resolved', resolved_ms: T0 });
    expect(lines.at(-1)).toEqual([T0 - HOUR, 'p.alert', { id: 'leak:d1', d: 'd1', type: 'leak', s: 'resolved', sev: 'critical', n: 1, inh: null, by: 'ops' }]);
    expect(am.resolve('leak:d1', T0 + 2 * MIN, 'ops')).toBeUndefined();
    expect(am.resolve('nope', T0, 'ops')).toBeUndefined();
    expect(am.active()).toEqual([]);
    expect(am.apply(sig('raise', T0 + 3 * MIN))).toMatchObject({ id: 'leak:d1:2', count: 1 });
    expect(am.resolve('leak:d1:2', T0 + 4 * MIN, 'ops')).toMatchObject({ resolved_ms: T0 + 4 * MIN });
  });

  it('setInhibited marks and unmarks, journals only a change, at the given time or the alert\'s own', () => {
    const { am, lines } = manager();
    am.apply(sig('raise', T0));
    expect(am.setInhibited('leak:d1', 'INC-1', T0 + MIN)).toMatchObject({ inhibited_by: 'INC-1' });
    expect(lines.at(-1)).toEqual([T0 + MIN, 'p.alert', { id: 'leak:d1', d: 'd1', type: 'leak', s: 'firing', sev: 'critical', n: 1, inh: 'INC-1' }]);
    expect(am.setInhibited('leak:d1', 'INC-1', T0 + 2 * MIN)).toMatchObject({ inhibited_by: 'INC-1' });
    expect(lines).toHaveLength(2);
    am.setInhibited('leak:d1', null);
    expect(lines.at(-1)![0]).toBe(T0);
    expect(am.get('leak:d1')!.inhibited_by).toBeNull();
    am.apply(sig('clear', T0 + 5 * MIN));
    am.setInhibited('leak:d1', 'INC-2');
    expect(lines.at(-1)![0]).toBe(T0 + 5 * MIN);
    expect(am.setInhibited('leak:d9', 'INC-1', T0)).toBeUndefined();
  });
});

describe('alert manager: flapping', () => {
  it('four transitions within the hour: the second occurrence is held for 15 min, journalled with its hold', () => {
    const { am, lines } = manager();
    am.apply(sig('raise', T0));
    am.apply(sig('clear', T0 + MIN));
    am.apply(sig('raise', T0 + 2 * MIN));
    const held = am.apply(sig('clear', T0 + 3 * MIN));
    expect(held).toMatchObject({ id: 'leak:d1:2', status: 'firing', flapping: true, resolved_ms: null });
    expect(lines.at(-1)).toEqual([T0 + 3 * MIN, 'p.alert', { id: 'leak:d1:2', d: 'd1', type: 'leak', s: 'firing', sev: 'critical', n: 1, inh: null, flap: true, hold: T0 + 18 * MIN }]);
    // A clear on hold changes nothing: the hold is not extended.
    expect(am.apply(sig('clear', T0 + 10 * MIN))).toBeUndefined();
    expect(am.tick(T0 + 18 * MIN - 1)).toEqual([]);
    expect(am.tick(T0 + 18 * MIN)).toMatchObject([{ id: 'leak:d1:2', status: 'resolved', resolved_ms: T0 + 18 * MIN, flapping: true }]);
    expect(lines.at(-1)).toEqual([T0 + 18 * MIN, 'p.alert', { id: 'leak:d1:2', d: 'd1', type: 'leak', s: 'resolved', sev: 'critical', n: 1, inh: null, flap: true, held: true }]);
    expect(am.tick(T0 + HOUR)).toEqual([]);
  });

  it('transitions spread over exactly the window flap; one ms more do not', () => {
    const edge = manager();
    edge.am.apply(sig('raise', T0));
    edge.am.apply(sig('clear', T0 + 20 * MIN));
    edge.am.apply(sig('raise', T0 + 40 * MIN));
    expect(edge.am.apply(sig('clear', T0 + HOUR))).toMatchObject({ status: 'firing', flapping: true });
    const past = manager();
    past.am.apply(sig('raise', T0));
    past.am.apply(sig('clear', T0 + 20 * MIN));
    past.am.apply(sig('raise', T0 + 40 * MIN));
    expect(past.am.apply(sig('clear', T0 + HOUR + 1))).toMatchObject({ status: 'resolved', flapping: false });
  });

  it('only the latest four transitions count', () => {
    const { am } = manager();
    am.apply(sig('raise', T0));
    am.apply(sig('clear', T0 + MIN));
    am.apply(sig('raise', T0 + 90 * MIN));
    // [0, 1, 90, 91] min: spread over 91 min, no flap.
    expect(am.apply(sig('clear', T0 + 91 * MIN))).toMatchObject({ status: 'resolved' });
    am.apply(sig('raise', T0 + 92 * MIN));
    // [90, 91, 92, 93] min: the first two have dropped out, a flap.
    expect(am.apply(sig('clear', T0 + 93 * MIN))).toMatchObject({ id: 'leak:d1:3', status: 'firing', flapping: true });
  });

  it('flap_threshold below 2 means 2; the window and the hold are settable', () => {
    const { am } = manager({ flap_threshold: 1, flap_window_ms: 10 * MIN, keep_firing_for_ms: 5 * MIN });
    expect(am.apply(sig('raise', T0))).toMatchObject({ flapping: false });
    expect(am.apply(sig('clear', T0 + 10 * MIN))).toMatchObject({ status: 'firing', flapping: true });
    expect(am.tick(T0 + 15 * MIN)).toMatchObject([{ resolved_ms: T0 + 15 * MIN }]);
    am.apply(sig('raise', T0 + 30 * MIN));
    // Two transitions 11 min apart: outside the 10-minute window.
    expect(am.apply(sig('clear', T0 + 41 * MIN))).toMatchObject({ status: 'resolved', flapping: false });
  });

  it('a raise within the hold cancels it and stays flapping even when the flap has aged out', () => {
    const { am } = manager({ keep_firing_for_ms: 2 * HOUR });
    am.apply(sig('raise', T0));
    am.apply(sig('clear', T0 + MIN));
    am.apply(sig('raise', T0 + 2 * MIN));
    am.apply(sig('clear', T0 + 3 * MIN));
    // [1, 2, 3, 100] min: no flap by the window, but it was flapping when held.
    expect(am.apply(sig('raise', T0 + 100 * MIN))).toMatchObject({ id: 'leak:d1:2', status: 'firing', count: 2, flapping: true });
    expect(am.tick(T0 + 3 * HOUR)).toEqual([]);
    // [2, 3, 100, 101]: no flap, so this clear resolves at once and the flag goes.
    expect(am.apply(sig('clear', T0 + 101 * MIN))).toMatchObject({ status: 'resolved', resolved_ms: T0 + 101 * MIN, flapping: false });
  });

  it('a signal after the hold ran out resolves the held alert at the hold first; tick hands it out', () => {
    const { am, lines } = manager();
    am.apply(sig('raise', T0));
    am.apply(sig('clear', T0 + MIN));
    am.apply(sig('raise', T0 + 2 * MIN));
    am.apply(sig('clear', T0 + 3 * MIN));
    // Exactly at the end of the hold: a new occurrence, not a re-trigger.
    expect(am.apply(sig('raise', T0 + 18 * MIN))).toMatchObject({ id: 'leak:d1:3', count: 1, started_ms: T0 + 18 * MIN });
    expect(lines.at(-2)).toEqual([T0 + 18 * MIN, 'p.alert', { id: 'leak:d1:2', d: 'd1', type: 'leak', s: 'resolved', sev: 'critical', n: 1, inh: null, flap: true, held: true }]);
    expect(am.tick(T0 + 18 * MIN)).toMatchObject([{ id: 'leak:d1:2', resolved_ms: T0 + 18 * MIN }]);
    expect(am.tick(T0 + 19 * MIN)).toEqual([]);
  });

  it('a clear after the hold ran out resolves the held alert and raises nothing new', () => {
    const { am } = manager();
    am.apply(sig('raise', T0));
    am.apply(sig('clear', T0 + MIN));
    am.apply(sig('raise', T0 + 2 * MIN));
    am.apply(sig('clear', T0 + 3 * MIN));
    expect(am.apply(sig('clear', T0 + 30 * MIN))).toBeUndefined();
    expect(am.active()).toEqual([]);
    expect(am.tick(T0 + 30 * MIN)).toMatchObject([{ id: 'leak:d1:2', status: 'resolved', resolved_ms: T0 + 18 * MIN }]);
  });

  it('tick hands out the resolved alerts by resolve time, then start and id', () => {
    const { am, lines } = manager();
    // d1 starts first but its hold ends last.
    for (const [d, shift] of [['d1', 0], ['d2', 5 * MIN], ['d3', 5 * MIN]] as const) {
      am.apply(sig('raise', T0 + shift, d));
      am.apply(sig('clear', T0 + shift + MIN, d));
      am.apply(sig('raise', T0 + shift + 2 * MIN, d));
    }
    am.apply(sig('clear', T0 + 20 * MIN, 'd1'));
    am.apply(sig('clear', T0 + 10 * MIN, 'd3'));
    am.apply(sig('clear', T0 + 10 * MIN, 'd2'));
    const before = lines.length;
    expect(am.tick(T0 + HOUR).map((a) => [a.id, a.resolved_ms])).toEqual([
      ['leak:d2:2', T0 + 25 * MIN],
      ['leak:d3:2', T0 + 25 * MIN],
      ['leak:d1:2', T0 + 35 * MIN],
    ]);
    // Journalled in start order (d1's second occurrence started first), whatever order they were held in.
    expect(lines.slice(before).map((l) => [l[0], l[2].id])).toEqual([
      [T0 + 35 * MIN, 'leak:d1:2'],
      [T0 + 25 * MIN, 'leak:d2:2'],
      [T0 + 25 * MIN, 'leak:d3:2'],
    ]);
    // Resolved by the tick: no longer active, so the next raise is a new occurrence.
    expect(am.active()).toEqual([]);
    expect(am.apply(sig('raise', T0 + 2 * HOUR, 'd1'))).toMatchObject({ id: 'leak:d1:3' });
  });
});

describe('alert manager: eviction', () => {
  it('past max_alerts the oldest resolved alerts go, a tenth at once, counted and journalled', () => {
    const { am, lines } = manager({ max_alerts: 10 });
    for (let i = 0; i < 10; i++) {
      am.apply(sig('raise', T0 + i * MIN, `d${i}`));
      am.apply(sig('clear', T0 + i * MIN + 30_000, `d${i}`));
    }
    expect(am.evicted()).toBe(0);
    am.apply(sig('raise', T0 + HOUR, 'd10'));
    // 11 alerts, 10 allowed: drop 11 − 10 + 10 / 10 = 2, the two that started first.
    expect(am.evicted()).toBe(2);
    expect(am.all().map((a) => a.id)).toEqual(['leak:d2', 'leak:d3', 'leak:d4', 'leak:d5', 'leak:d6', 'leak:d7', 'leak:d8', 'leak:d9', 'leak:d10']);
    expect(lines.at(-1)).toEqual([T0 + MIN + 30_000, 'p.alert_evict', { n: 2, total: 2 }]);
    // Occurrences outlive eviction: ids are never reused.
    expect(am.apply(sig('raise', T0 + 2 * HOUR, 'd0'))).toMatchObject({ id: 'leak:d0:2' });
  });

  it('with nothing resolved nothing is evicted, and one resolved is enough for one', () => {
    const { am, lines } = manager({ max_alerts: 2 });
    am.apply(sig('raise', T0, 'a'));
    am.apply(sig('raise', T0, 'b'));
    am.apply(sig('raise', T0, 'c'));
    expect(am.evicted()).toBe(0);
    expect(am.all()).toHaveLength(3);
    expect(lines.map((l) => l[1])).not.toContain('p.alert_evict');
    am.apply(sig('clear', T0 + MIN, 'b'));
    am.apply(sig('raise', T0 + 2 * MIN, 'd'));
    // 4 alerts, 2 allowed: 4 − 2 + 0 = 2 wanted, only b is resolved.
    expect(am.evicted()).toBe(1);
    expect(am.all().map((a) => a.id)).toEqual(['leak:a', 'leak:c', 'leak:d']);
    expect(lines.at(-1)).toEqual([T0 + MIN, 'p.alert_evict', { n: 1, total: 1 }]);
  });

  it('at exactly max_alerts nothing is evicted', () => {
    const { am } = manager({ max_alerts: 2 });
    am.apply(sig('raise', T0, 'a'));
    am.apply(sig('clear', T0 + 1, 'a'));
    am.apply(sig('raise', T0 + 2, 'b'));
    expect(am.evicted()).toBe(0);
    expect(am.all()).toHaveLength(2);
  });
});

describe('alert manager: snapshots', () => {
  it('a loaded state, over a used manager, carries holds, occurrences, flap history, outbox and eviction count', () => {
    const src = manager({ max_alerts: 2 });
    const am = src.am;
    am.apply(sig('raise', T0, 'x'));
    am.apply(sig('clear', T0 + 1, 'x'));
    am.apply(sig('raise', T0 + 2, 'y'));
    am.apply(sig('raise', T0 + 3, 'z'));
    // d1 flaps: held until T0 + 18 min; d2 flaps and its hold runs out inside apply (outbox).
    for (const d of ['d1', 'd2']) {
      am.apply(sig('raise', T0, d));
      am.apply(sig('clear', T0 + MIN, d));
      am.apply(sig('raise', T0 + 2 * MIN, d));
      am.apply(sig('clear', T0 + 3 * MIN, d));
    }
    am.apply(sig('clear', T0 + 20 * MIN, 'd2'));
    const state = am.saveState();
    const dst = manager();
    dst.am.apply(sig('raise', T0, 'other'));
    dst.am.apply(sig('raise', T0, 'd1'));
    dst.am.loadState(state);
    expect(dst.am.saveState()).toEqual(state);
    expect(dst.am.evicted()).toBe(am.evicted());
    expect(dst.am.evicted()).toBeGreaterThan(0);
    expect(dst.am.get('leak:other')).toBeUndefined();
    // d1's hold and d2's pending resolve come out of the loaded manager's tick.
    expect(dst.am.tick(T0 + 18 * MIN).map((a) => [a.id, a.resolved_ms])).toEqual([
      ['leak:d1:2', T0 + 18 * MIN],
      ['leak:d2:2', T0 + 18 * MIN],
    ]);
    // Occurrences: the next alerts are the third; flap history: [1, 2, 3, 30] min is within the
    // hour, so both are flapping from the start (a fresh history, [30], would not be).
    expect(dst.am.apply(sig('raise', T0 + 30 * MIN, 'd1'))).toMatchObject({ id: 'leak:d1:3', flapping: true });
    expect(dst.am.apply(sig('raise', T0 + 30 * MIN, 'd2'))).toMatchObject({ id: 'leak:d2:3', flapping: true });
    // The saved state is a copy: changing the loaded manager leaves it alone.
    expect(state.outbox.map((a) => a.id)).toEqual(['leak:d2:2']);
    expect(state.held).toEqual(['leak:d1:2']);
  });
});
