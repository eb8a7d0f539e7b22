/**
 * A second hand-computed SLA report, written to kill the ledger mutants StrykerJS left alive
 * (docs/testing.md, "Mutation testing"): ledger starts, backwards stamps, UNKNOWN as down,
 * outages wholly inside maintenance, exclusions before the ledger and after the period, firmware
 * history, the contract echo, incidents at the period's edges, and a "ticket" burn verdict.
 *
 * Period: Mon 2026-03-02 00:00Z, 10 h = 600 min, sites on UTC. Contract: target 95 %
 * (budget 5 %), a maintenance window Mondays 01:00 for 1 h at site s1 only, 'power' incidents
 * excluded, device b critical, model M approved at 2.0.
 *
 *   s1/b1  a: born 0:00; OFFLINE 0:30–1:00 (30 min) and 4:00–5:00 (60 min). agreed 600 − 60
 *             = 540 min; down 90; 2 outages, longest 60.
 *             Firmware 1.0 at 0:00, 2.0 at 8:00, 3.0 at 10:00 (the period end: not yet) ⇒ 2.0.
 *          b: born 0:00; OFFLINE 1:15–1:45, inside maintenance: 0 counted, no outage. fw 1.0.
 *             b is critical, so b1 is down by rule then too: an episode that counts 0.
 *   s2/b2  c: born 2:00; OFFLINE 6:00 → end (4 h). Incident INC-P (power) from 6:30, resolved
 *             after the period ⇒ excluded to 10:00: 210 min excused, 30 counted. agreed 480.
 *          d: SUSPECT at 0:00 before any birth (ignored), first seen ONLINE 1:00 (ledger start);
 *             UNKNOWN 8:00 (down), OFFLINE 8:10, ONLINE 8:30 ⇒ 30 min, one raw interval; then
 *             OFFLINE stamped 8:20 (backwards: read as 8:30) and ONLINE 8:30: nothing. agreed 540.
 *             (d is created first, so Map order is not id order.)
 *          e: a will at 0:00 (never starts), then born exactly at the period end: not reported.
 * Portfolio: agreed 2100 min, down 150 ⇒ 1950 / 2100. Budget round(0.05 × 2100 min) = 105 min;
 * remaining −45 min, fraction 1 − 150/105.
 * Burn (allowed 0.05): 6h window 4:00–10:00: agreed 4 × 360 = 1440 min, down 60 + 30 + 30 = 120
 * ⇒ 1.67; 3d (the whole period) 150 / 2100 ⇒ 1.43; 1h, 30m, 5m: nothing down ⇒ 0.
 * ⇒ ticket_3d fires (both > 1), page_6h does not (1.67 < 6): verdict ticket.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceInfo, Incident, Liveness, Priority } from '../../platform/core/model.ts';
import { defaultContract, type SlaContract } from '../../platform/sla/contract.ts';
import { SlaLedger } from '../../platform/sla/ledger.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const FROM = Date.UTC(2026, 2, 2);
const TO = FROM + 10 * HOUR;
const t = (h: number, m = 0): number => FROM + h * HOUR + m * MIN;

function info(id: string, site: string, building: string): DeviceInfo {
  return { id, kind: 'env', model: 'M', fw: '1.0', serial: id, site, building, floor: 'f1', zone: null, gateway: null, power: 'mains', heartbeat_ms: MIN, caps: [] };
}

function contract(): SlaContract {
  return {
    ...defaultContract(),
    availability_target: 0.95,
    maintenance_windows: [{ days: [1, 0], start_min: 60, duration_ms: HOUR, sites: ['s1', 'a-site'] }],
    exclude_causes: ['power', 'act_of_god'],
    critical_kinds: ['lock', 'hvac'],
    critical_devices: ['zz', 'b'],
    credits: [{ below: 0.9, credit: 0.1 }],
    approved_firmware: { M: '2.0', A: '1' },
  };
}

function incident(id: string, priority: Priority, cause: string, device_ids: string[], opened_ms: number, acked_ms: number | null, resolved_ms: number | null): Incident {
  const c = defaultContract();
  return {
    id,
    priority,
    scope: { kind: 'device', id: device_ids[0]! },
    site: 's2',
    building: 'b2',
    cause,
    status: resolved_ms !== null ? 'resolved' : acked_ms !== null ? 'acknowledged' : 'open',
    opened_ms,
    acked_ms,
    resolved_ms,
    response_due_ms: opened_ms + c.response_targets_ms[priority],
    resolution_due_ms: opened_ms + c.resolution_targets_ms[priority],
    alert_ids: [],
    device_ids,
  };
}

function build(): { ledger: SlaLedger; journal: string[] } {
  const journal: string[] = [];
  const ledger = new SlaLedger({ journal: (at_ms, kind, f) => journal.push(`${at_ms} ${kind} ${JSON.stringify(f)}`), contract: contract(), timezone_of: (s) => (s === 's1' ? 'UTC' : 'Etc/UTC') });
  const devs: Record<string, DeviceInfo> = { a: info('a', 's1', 'b1'), b: info('b', 's1', 'b1'), c: info('c', 's2', 'b2'), d: info('d', 's2', 'b2'), e: info('e', 's2', 'b2') };
  const live = (id: string, at_ms: number, to: Liveness, reason: string): void => ledger.onLiveness({ device_id: id, at_ms, from: 'UNKNOWN', to, reason }, devs[id]!);

  live('d', t(0), 'SUSPECT', 'heartbeat_missed');
  live('d', t(1), 'ONLINE', 'telemetry');
  live('d', t(8), 'UNKNOWN', 'restart');
  live('d', t(8, 10), 'OFFLINE', 'will');
  live('d', t(8, 30), 'ONLINE', 'birth');
  live('d', t(8, 20), 'OFFLINE', 'will');
  live('d', t(8, 30), 'ONLINE', 'birth');

  ledger.onFirmware('a', '1.0', t(0));
  ledger.onFirmware('a', '1.0', t(1)); // the same version again: no change
  live('a', t(0), 'ONLINE', 'birth');
  live('a', t(0, 30), 'OFFLINE', 'will');
  live('a', t(1), 'ONLINE', 'birth');
  live('a', t(4), 'OFFLINE', 'offline_deadline');
  live('a', t(5), 'SUSPECT', 'telemetry'); // SUSPECT is up
  live('a', t(5, 10), 'ONLINE', 'telemetry');
  ledger.onFirmware('a', '2.0', t(8));
  ledger.onFirmware('a', '3.0', TO);

  live('b', t(0), 'ONLINE', 'birth');
  live('b', t(1, 15), 'OFFLINE', 'will');
  live('b', t(1, 45), 'ONLINE', 'birth');

  ledger.onFirmware('c', '2.0', t(2));
  live('c', t(2), 'ONLINE', 'birth');
  live('c', t(6), 'OFFLINE', 'will');

  live('e', t(0), 'OFFLINE', 'will');
  live('e', TO, 'ONLINE', 'birth');
  // Firmware heard from a device whose birth never arrives: a track with a stand-in identity.
  ledger.onFirmware('ghost', '9.9', t(3));

  // Incidents (INC-A first arrives unacknowledged; the later version wins).
  ledger.onIncident(incident('INC-A', 'P1', 'device_offline', ['a'], t(4), null, null));
  ledger.onIncident(incident('INC-A', 'P1', 'device_offline', ['a'], t(4), t(4, 10), t(5)));
  ledger.onIncident(incident('INC-0', 'P4', 'x', ['b'], t(4), t(4, 5), null));
  ledger.onIncident(incident('INC-P', 'P2', 'power', ['c', 'c'], t(6, 30), null, TO + HOUR));
  ledger.onIncident(incident('INC-E', 'P4', 'power', ['c'], t(7), null, t(7, 10)));
  ledger.onIncident(incident('INC-B', 'P3', 'x', ['d'], t(8), null, t(8, 30)));
  ledger.onIncident(incident('INC-OLD', 'P1', 'power', ['a'], FROM - 1, FROM, FROM + 10 * MIN));
  ledger.onIncident(incident('INC-LATE', 'P4', 'x', ['a'], TO, null, null));
  // Resolved exactly at c's ledger start: nothing of it falls in c's ledger, so no entry.
  ledger.onIncident(incident('INC-EDGE', 'P4', 'power', ['c'], FROM - HOUR, null, t(2)));
  return { ledger, journal };
}

describe('SlaLedger: a second worked report', () => {
  // Built afresh inside each test: a mutant that makes building throw then fails the tests
  // instead of the file's collection (which StrykerJS does not count as a kill), and with
  // per-test coverage every test is run against the mutants it reads, not only the first one.
  const get = (): ReturnType<typeof build> & { r: ReturnType<SlaLedger['report']> } => {
    const b = build();
    return { ...b, r: b.ledger.report(FROM, TO) };
  };

  it('devices: starts, maintenance, exclusions, firmware', () => {
    const { r } = get();
    expect(r.devices.map((d) => d.id)).toEqual(['a', 'b', 'c', 'd']);
    const [a, b, c, d] = r.devices;
    expect(a).toEqual({
      id: 'a',
      site: 's1',
      building: 'b1',
      kind: 'env',
      model: 'M',
      fw: '2.0',
      critical: false,
      ledger_from_ms: FROM,
      maintenance_ms: HOUR,
      agreed_ms: 540 * MIN,
      downtime_ms: 90 * MIN,
      excluded_ms: 0,
      unreachable_ms: 0,
      availability: 450 / 540,
      outage_count: 2,
      longest_outage_ms: HOUR,
      approved_fw: '2.0',
      compliant: true,
      entries: {
        down: [
          { from_ms: t(0, 30), to_ms: t(1), counted_ms: 30 * MIN },
          { from_ms: t(4), to_ms: t(5), counted_ms: HOUR },
        ],
        // Opened before the period, resolved 10 min into it: listed from the ledger start, nothing excused.
        exclusions: [{ incident_id: 'INC-OLD', cause: 'power', from_ms: FROM, to_ms: FROM + 10 * MIN, excused_ms: 0 }],
      },
    });
    expect(b).toMatchObject({ critical: true, fw: '1.0', compliant: false, agreed_ms: 540 * MIN, downtime_ms: 0, outage_count: 0, longest_outage_ms: 0, availability: 1 });
    expect(b!.entries.down).toEqual([{ from_ms: t(1, 15), to_ms: t(1, 45), counted_ms: 0 }]);
    expect(c).toMatchObject({ ledger_from_ms: t(2), maintenance_ms: 0, agreed_ms: 480 * MIN, downtime_ms: 30 * MIN, excluded_ms: 210 * MIN, outage_count: 1, longest_outage_ms: 30 * MIN, fw: '2.0', compliant: true });
    expect(c!.entries).toEqual({
      down: [{ from_ms: t(6), to_ms: TO, counted_ms: 30 * MIN }],
      exclusions: [
        { incident_id: 'INC-P', cause: 'power', from_ms: t(6, 30), to_ms: TO, excused_ms: 210 * MIN },
        { incident_id: 'INC-E', cause: 'power', from_ms: t(7), to_ms: t(7, 10), excused_ms: 10 * MIN },
      ],
    });
    expect(d).toMatchObject({ ledger_from_ms: t(1), agreed_ms: 540 * MIN, downtime_ms: 30 * MIN, fw: '1.0', compliant: false, outage_count: 1 });
    expect(d!.entries.down).toEqual([{ from_ms: t(8), to_ms: t(8, 30), counted_ms: 30 * MIN }]);
  });

  it('buildings by rule: b critical in b1, one of two devices in b2', () => {
    const { r } = get();
    expect(r.buildings).toEqual([
      {
        site: 's1',
        id: 'b1',
        devices: 2,
        critical_devices: ['b'],
        agreed_ms: 1080 * MIN,
        downtime_ms: 90 * MIN,
        excluded_ms: 0,
        availability: 990 / 1080,
        device_outage_count: 2,
        longest_device_outage_ms: HOUR,
        rule: {
          agreed_ms: 540 * MIN,
          down_ms: 90 * MIN,
          availability: 450 / 540,
          outage_count: 2,
          longest_outage_ms: HOUR,
          episodes: [
            { from_ms: t(0, 30), to_ms: t(1), counted_ms: 30 * MIN },
            { from_ms: t(1, 15), to_ms: t(1, 45), counted_ms: 0 },
            { from_ms: t(4), to_ms: t(5), counted_ms: HOUR },
          ],
        },
      },
      {
        site: 's2',
        id: 'b2',
        devices: 2,
        critical_devices: [],
        agreed_ms: 1020 * MIN,
        downtime_ms: 60 * MIN,
        excluded_ms: 210 * MIN,
        availability: 960 / 1020,
        device_outage_count: 2,
        longest_device_outage_ms: 30 * MIN,
        rule: {
          agreed_ms: 540 * MIN,
          down_ms: 60 * MIN,
          availability: 480 / 540,
          outage_count: 2,
          longest_outage_ms: 30 * MIN,
          episodes: [
            { from_ms: t(6), to_ms: t(6, 30), counted_ms: 30 * MIN },
            { from_ms: t(8), to_ms: t(8, 30), counted_ms: 30 * MIN },
          ],
        },
      },
    ]);
  });

  it('sites and portfolio', () => {
    const { r } = get();
    expect(r.sites.map((s) => [s.id, s.timezone, s.buildings, s.devices, s.agreed_ms, s.downtime_ms])).toEqual([
      ['s1', 'UTC', 1, 2, 1080 * MIN, 90 * MIN],
      ['s2', 'Etc/UTC', 1, 2, 1020 * MIN, 60 * MIN],
    ]);
    expect(r.portfolio).toMatchObject({ buildings: 2, devices: 4, agreed_ms: 2100 * MIN, downtime_ms: 150 * MIN, excluded_ms: 210 * MIN, availability: 1950 / 2100 });
    expect(r.portfolio.rule).toEqual({ weighted_agreed_ms: 2160 * MIN, weighted_down_ms: 300 * MIN, availability: 1860 / 2160, outage_count: 4, longest_outage_ms: HOUR });
    expect(r.period).toEqual({ from_ms: FROM, to_ms: TO, duration_ms: 10 * HOUR });
  });

  it('error budget and burn: a ticket', () => {
    const { r } = get();
    const eb = r.error_budget;
    expect(eb).toMatchObject({ target: 0.95, agreed_ms: 2100 * MIN, downtime_ms: 150 * MIN, budget_ms: 105 * MIN, remaining_ms: -45 * MIN, verdict: 'ticket' });
    expect(eb.remaining_fraction).toBeCloseTo(1 - 150 / 105, 12);
    expect(eb.burn.map((b) => [b.window, b.window_ms, b.agreed_ms, b.down_ms])).toEqual([
      ['5m', 5 * MIN, 20 * MIN, 0],
      ['30m', 30 * MIN, 120 * MIN, 0],
      ['1h', HOUR, 240 * MIN, 0],
      ['6h', 6 * HOUR, 1440 * MIN, 120 * MIN],
      ['3d', 3 * DAY, 2100 * MIN, 150 * MIN],
    ]);
    expect(eb.burn.map((b) => b.burn_rate)).toEqual([0, 0, 0, expect.closeTo(120 / 1440 / 0.05, 9), expect.closeTo(150 / 2100 / 0.05, 9)]);
    expect(eb.alerts.map((a) => [a.rule, a.firing])).toEqual([
      ['page_1h', false],
      ['page_6h', false],
      ['ticket_3d', true],
    ]);
  });

  it('incidents opened in [from, to), as of the period end', () => {
    const { r } = get();
    const inc = r.incidents;
    expect(inc.list.map((i) => [i.id, i.status_at_end, i.excluded, i.devices, i.scope, i.tta_ms, i.ttr_ms, i.response, i.resolution, i.acked_ms, i.resolved_ms])).toEqual([
      ['INC-0', 'acknowledged', false, 1, 'device:b', 5 * MIN, null, 'met', 'pending', t(4, 5), null],
      ['INC-A', 'resolved', false, 1, 'device:a', 10 * MIN, HOUR, 'met', 'met', t(4, 10), t(5)],
      ['INC-P', 'open', true, 1, 'device:c', null, null, 'breached', 'pending', null, null],
      ['INC-E', 'resolved', true, 1, 'device:c', null, 10 * MIN, 'met', 'met', null, t(7, 10)],
      ['INC-B', 'resolved', false, 1, 'device:d', null, 30 * MIN, 'met', 'met', null, t(8, 30)],
    ]);
    expect(inc.count).toBe(5);
    expect(inc.open_at_end).toBe(2);
    expect(inc.response).toEqual({ met: 4, breached: 1, pending: 0, compliance: 0.8 });
    expect(inc.resolution).toEqual({ met: 3, breached: 0, pending: 2, compliance: 1 });
    const p = Object.fromEntries(inc.by_priority.map((x) => [x.priority, x]));
    expect(inc.by_priority.map((x) => x.priority)).toEqual(['P1', 'P2', 'P3', 'P4']);
    expect(p.P1).toMatchObject({ count: 1, open_at_end: 0, response_target_ms: 15 * MIN, resolution_target_ms: 4 * HOUR, mtta: { n: 1, mean_ms: 10 * MIN }, mttr: { n: 1, mean_ms: HOUR } });
    expect(p.P2).toMatchObject({ count: 1, open_at_end: 1, mtta: { n: 0 }, mttr: { n: 0 }, response: { breached: 1, compliance: 0 }, resolution: { pending: 1, compliance: 1 } });
    expect(p.P3).toMatchObject({ count: 1, open_at_end: 0, mtta: { n: 0 }, mttr: { n: 1, max_ms: 30 * MIN } });
    expect(p.P4).toMatchObject({ count: 2, open_at_end: 1, mtta: { n: 1, sum_ms: 5 * MIN }, mttr: { n: 1, sum_ms: 10 * MIN }, response: { met: 2 }, resolution: { met: 1, pending: 1 } });
  });

  it('patch coverage and health', () => {
    const { r } = get();
    expect(r.patch).toEqual({ devices: 4, compliant: 2, coverage: 0.5, by_model: [{ model: 'M', approved_fw: '2.0', devices: 4, compliant: 2, coverage: 0.5 }] });
    // 100 × (0.5·0 + 0.2·0.8 + 0.2·0.5 + 0.1·(1 − 1/5)) = 34
    expect(r.health.score).toBe(34);
    expect(r.health.components).toEqual({ availability_score: 0, response_compliance: 0.8, patch_coverage: 0.5, open_p1p2_share: 0.2 });
  });

  it('the contract as it applied, sorted', () => {
    const { r } = get();
    expect(r.contract).toMatchObject({
      availability_target: 0.95,
      service_hours: { kind: '24x7' },
      maintenance_windows: [{ days: [0, 1], start_min: 60, duration_ms: HOUR, sites: ['a-site', 's1'] }],
      exclude_causes: ['act_of_god', 'power'],
      critical_kinds: ['hvac', 'lock'],
      critical_devices: ['b', 'zz'],
      unreachable_counts_as: 'down',
      credits: [{ below: 0.9, credit: 0.1 }],
      monthly_fee: null,
      clients: [],
    });
    expect(Object.keys(r.contract.approved_firmware)).toEqual(['A', 'M']);
    expect(r.contract.response_targets_ms).toEqual({ P1: 15 * MIN, P2: HOUR, P3: 4 * HOUR, P4: DAY });
  });

  it('journals the report', () => {
    const { journal } = get();
    expect(journal.at(-1)).toBe(`${TO} p.sla ${JSON.stringify({ from: FROM, to: TO, availability: 1950 / 2100, devices: 4 })}`);
  });

  it('saved and loaded, the ledger gives the same report', () => {
    const { ledger } = get();
    const copy = new SlaLedger({ journal: () => undefined, contract: contract(), timezone_of: (s) => (s === 's1' ? 'UTC' : 'Etc/UTC') });
    copy.loadState(ledger.saveState());
    expect(copy.report(FROM, TO)).toEqual(ledger.report(FROM, TO));
    expect(copy.saveState()).toEqual(ledger.saveState());
  });

  it('the saved tracks: raw intervals as they happened, firmware changes only', () => {
    const { ledger } = get();
    const tracks = Object.fromEntries(ledger.saveState().devices);
    expect(Object.keys(tracks)).toEqual(['a', 'b', 'c', 'd', 'e', 'ghost']);
    expect(tracks.d!.down).toEqual([[t(8), t(8, 30)]]);
    expect(tracks.a!.down).toEqual([
      [t(0, 30), t(1)],
      [t(4), t(5)],
    ]);
    expect(tracks.a!.fw).toEqual([
      { at_ms: t(0), fw: '1.0' },
      { at_ms: t(8), fw: '2.0' },
      { at_ms: TO, fw: '3.0' },
    ]);
    // e started at the period end; ghost never started: its state is still the initial "up".
    expect(tracks.e).toMatchObject({ start_ms: TO, cur: 'up', down: [], unreach: [] });
    expect(tracks.ghost).toEqual({
      info: { id: 'ghost', kind: 'occupancy', model: '', fw: '9.9', serial: '', site: '', building: '', floor: '', zone: null, gateway: null, power: 'mains', heartbeat_ms: 1, caps: [] },
      start_ms: null,
      down: [],
      unreach: [],
      cur: 'up',
      cur_since_ms: t(3),
      last_ms: t(3),
      fw: [{ at_ms: t(3), fw: '9.9' }],
    });
  });
});

describe('SlaLedger edges', () => {
  function small(c: Partial<SlaContract> = {}): SlaLedger {
    return new SlaLedger({ journal: () => undefined, contract: { ...defaultContract(), ...c }, timezone_of: () => 'UTC' });
  }

  it('refuses a non-integer or inverted period; an empty one reports nothing agreed', () => {
    const l = small();
    expect(() => l.report(1.5, 10)).toThrow('SLA period [1.5, 10) must be integer ms with from ≤ to');
    expect(() => l.report(0, 10.5)).toThrow(RangeError);
    expect(() => l.report(10, 9)).toThrow(RangeError);
    l.onLiveness({ device_id: 'x', at_ms: 0, from: 'UNKNOWN', to: 'ONLINE', reason: 'birth' }, info('x', 's', 'b'));
    const r = l.report(5, 5);
    expect(r.period.duration_ms).toBe(0);
    expect(r.portfolio.availability).toBe(1);
    expect(r.error_budget).toMatchObject({ budget_ms: 0, remaining_fraction: 1, verdict: 'none' });
    // No agreed time in any window: every burn rate is 0, not 0 / 0.
    expect(r.error_budget.burn.map((b) => b.burn_rate)).toEqual([0, 0, 0, 0, 0]);
  });

  it('a budget that rounds to 0 with downtime left is fully spent', () => {
    const l = small();
    l.onLiveness({ device_id: 'x', at_ms: 0, from: 'UNKNOWN', to: 'ONLINE', reason: 'birth' }, info('x', 's', 'b'));
    l.onLiveness({ device_id: 'x', at_ms: 5, from: 'ONLINE', to: 'OFFLINE', reason: 'will' }, info('x', 's', 'b'));
    // 9 ms agreed × 0.005 = 0.045 → 0; 4 ms down.
    expect(l.report(0, 9).error_budget).toMatchObject({ budget_ms: 0, downtime_ms: 4, remaining_ms: -4, remaining_fraction: 0 });
  });

  it('tracks with no interval yet, fresh or restored, each get their own list with their first outage', () => {
    // Tracks share one frozen empty list until their first interval (docs/performance.md): a
    // device's outage must land in its own list only, before and after a save and load.
    const l = small();
    for (const id of ['x', 'y']) l.onLiveness({ device_id: id, at_ms: 0, from: 'UNKNOWN', to: 'ONLINE', reason: 'birth' }, info(id, 's', 'b'));
    const copy = small();
    copy.loadState(l.saveState());
    for (const ledger of [l, copy]) {
      ledger.onLiveness({ device_id: 'x', at_ms: 2, from: 'ONLINE', to: 'UNREACHABLE', reason: 'parent' }, info('x', 's', 'b'));
      ledger.onLiveness({ device_id: 'x', at_ms: 3, from: 'UNREACHABLE', to: 'OFFLINE', reason: 'will' }, info('x', 's', 'b'));
      ledger.onLiveness({ device_id: 'x', at_ms: 5, from: 'OFFLINE', to: 'ONLINE', reason: 'birth' }, info('x', 's', 'b'));
      const tracks = Object.fromEntries(ledger.saveState().devices);
      expect(tracks.x).toMatchObject({ down: [[3, 5]], unreach: [[2, 3]] });
      expect(tracks.y).toMatchObject({ down: [], unreach: [] });
    }
    expect(copy.report(0, 10)).toEqual(l.report(0, 10));
  });

  it('a model named like an Object.prototype key has no approved firmware', () => {
    const l = small();
    l.onLiveness({ device_id: 'x', at_ms: 0, from: 'UNKNOWN', to: 'ONLINE', reason: 'birth' }, { ...info('x', 's', 'b'), model: 'constructor' });
    expect(l.report(0, 10).devices[0]).toMatchObject({ approved_fw: null, compliant: true });
  });

  it('firmware learnt before the birth, and a stamp earlier than the last one', () => {
    const l = small({ approved_firmware: { M: '2' } });
    l.onFirmware('x', '1', 100);
    l.onFirmware('x', '2', 50); // earlier stamp: read as at 100
    l.onLiveness({ device_id: 'x', at_ms: 0, from: 'UNKNOWN', to: 'ONLINE', reason: 'birth' }, info('x', 's', 'b'));
    expect(l.report(0, 100).devices[0]!.fw).toBe('1'); // neither change is before 100… the first known
    expect(l.report(0, 101).devices[0]!.fw).toBe('2');
    expect(l.saveState().devices[0]![1].fw).toEqual([
      { at_ms: 100, fw: '1' },
      { at_ms: 100, fw: '2' },
    ]);
  });

  it('business hours are echoed with their days sorted; a fee and clients are echoed', () => {
    const l = small({ service_hours: { kind: 'business', days: [5, 1, 3], start_min: 480, end_min: 1080 }, monthly_fee: { amount: 10, currency: 'EUR' }, clients: [{ id: 'z' }, { id: 'a', sites: ['s'] }] });
    const c = l.report(0, 10).contract;
    expect(c.service_hours).toEqual({ kind: 'business', days: [1, 3, 5], start_min: 480, end_min: 1080 });
    expect(c.monthly_fee).toEqual({ amount: 10, currency: 'EUR' });
    expect(c.clients).toEqual([{ id: 'a', sites: ['s'] }, { id: 'z' }]);
    expect(c.maintenance_windows).toEqual([]);
  });

  it('a window without sites is echoed without a sites key', () => {
    const l = small({ maintenance_windows: [{ days: [3], start_min: 0, duration_ms: HOUR }] });
    expect(l.report(0, 10).contract.maintenance_windows).toEqual([{ days: [3], start_min: 0, duration_ms: HOUR }]);
  });

  it('the ledger keeps its own copy of the contract', () => {
    const c: SlaContract = { ...defaultContract(), exclude_causes: ['power'] };
    const l = new SlaLedger({ journal: () => undefined, contract: c, timezone_of: () => 'UTC' });
    c.exclude_causes.push('later');
    expect(l.report(0, 10).contract.exclude_causes).toEqual(['power']);
  });

  it('critical by kind', () => {
    const l = small({ critical_kinds: ['hvac'] });
    l.onLiveness({ device_id: 'h', at_ms: 0, from: 'UNKNOWN', to: 'ONLINE', reason: 'birth' }, { ...info('h', 's', 'b'), kind: 'hvac' });
    l.onLiveness({ device_id: 'x', at_ms: 0, from: 'UNKNOWN', to: 'ONLINE', reason: 'birth' }, info('x', 's', 'b'));
    expect(l.report(0, 10).devices.map((d) => [d.id, d.critical])).toEqual([
      ['h', true],
      ['x', false],
    ]);
  });

  it('a device born one ms before the end is reported; unreachable time counts as the contract says', () => {
    for (const [as, down] of [
      ['down', 3],
      ['unknown', 0],
    ] as const) {
      const l = small({ unreachable_counts_as: as });
      l.onLiveness({ device_id: 'x', at_ms: 0, from: 'UNKNOWN', to: 'ONLINE', reason: 'birth' }, info('x', 's', 'b'));
      l.onLiveness({ device_id: 'x', at_ms: 2, from: 'ONLINE', to: 'UNREACHABLE', reason: 'parent_offline' }, info('x', 's', 'b'));
      l.onLiveness({ device_id: 'y', at_ms: 9, from: 'UNKNOWN', to: 'ONLINE', reason: 'birth' }, info('y', 's', 'b'));
      const r = l.report(0, 5);
      expect(r.devices.map((d) => [d.id, d.downtime_ms, d.unreachable_ms])).toEqual([['x', down, 3]]);
      expect(l.report(0, 10).devices.map((d) => [d.id, d.agreed_ms])).toEqual([
        ['x', 10],
        ['y', 1],
      ]);
    }
  });
});

describe('SlaLedger: more edges', () => {
  const born = (l: SlaLedger, id: string, at_ms: number, i: DeviceInfo = info(id, 's', 'b')): void => l.onLiveness({ device_id: id, at_ms, from: 'UNKNOWN', to: 'ONLINE', reason: 'birth' }, i);

  it('a contract without the optional lists: none critical, unreachable is down, nothing echoed', () => {
    const c: SlaContract = { ...defaultContract() };
    delete c.critical_kinds;
    delete c.critical_devices;
    delete c.unreachable_counts_as;
    delete c.credits;
    const l = new SlaLedger({ journal: () => undefined, contract: c, timezone_of: () => 'UTC' });
    born(l, 'x', 0);
    l.onLiveness({ device_id: 'x', at_ms: 4, from: 'ONLINE', to: 'UNREACHABLE', reason: 'parent_offline' }, info('x', 's', 'b'));
    const r = l.report(0, 10);
    expect(r.devices[0]).toMatchObject({ critical: false, downtime_ms: 6, unreachable_ms: 6 });
    expect(r.contract).toMatchObject({ critical_kinds: [], critical_devices: [], unreachable_counts_as: 'down', credits: [], monthly_fee: null, clients: [] });
  });

  it('buildings and sites are ordered by site and building, not by device id', () => {
    const l = new SlaLedger({ journal: () => undefined, contract: defaultContract(), timezone_of: () => 'UTC' });
    born(l, 'a', 0, info('a', 'zulu', 'b9'));
    born(l, 'b', 0, info('b', 'mike', 'b1'));
    born(l, 'c', 0, info('c', 'mike', 'b0'));
    const r = l.report(0, 10);
    expect(r.buildings.map((b) => `${b.site}/${b.id}`)).toEqual(['mike/b0', 'mike/b1', 'zulu/b9']);
    expect(r.sites.map((x) => x.id)).toEqual(['mike', 'zulu']);
  });

  it('an incident opened exactly at the period start is the period’s; one at its end is not', () => {
    const l = new SlaLedger({ journal: () => undefined, contract: defaultContract(), timezone_of: () => 'UTC' });
    born(l, 'a', 0);
    l.onIncident(incident('at-from', 'P3', 'x', ['a'], 100, null, null));
    l.onIncident(incident('at-to', 'P3', 'x', ['a'], 200, null, null));
    expect(l.report(100, 200).incidents.list.map((i) => i.id)).toEqual(['at-from']);
  });

  // Target 50 %: the allowed share is exactly 0.5, so burn rates are exact binary fractions.
  function burning(downs: Array<[number, number]>): { alerts: Array<[string, boolean]>; rates: number[] } {
    const l = new SlaLedger({ journal: () => undefined, contract: { ...defaultContract(), availability_target: 0.5 }, timezone_of: () => 'UTC' });
    born(l, 'a', 0);
    for (const [s, e] of downs) {
      l.onLiveness({ device_id: 'a', at_ms: s, from: 'ONLINE', to: 'OFFLINE', reason: 'will' }, info('a', 's', 'b'));
      l.onLiveness({ device_id: 'a', at_ms: e, from: 'OFFLINE', to: 'ONLINE', reason: 'birth' }, info('a', 's', 'b'));
    }
    const eb = l.report(0, 12 * HOUR).error_budget;
    return { alerts: eb.alerts.map((a) => [a.rule, a.firing]), rates: eb.burn.map((b) => b.burn_rate) };
  }

  it('a burn rate exactly at the threshold does not fire (long window)', () => {
    // Down the last 6 h of 12: 3d (whole period) 6/12/0.5 = 1, exactly the ticket threshold; 6h: 2.
    const b = burning([[6 * HOUR, 12 * HOUR]]);
    expect(b.rates).toEqual([2, 2, 2, 2, 1]);
    expect(b.alerts).toEqual([
      ['page_1h', false],
      ['page_6h', false],
      ['ticket_3d', false],
    ]);
  });

  it('a burn rate exactly at the threshold does not fire (short window)', () => {
    // Down 0–4 h and 9–12 h: 3d 7/12/0.5 = 7/6 > 1; 6h (6–12 h) 3/6/0.5 = 1, exactly the threshold.
    const b = burning([
      [0, 4 * HOUR],
      [9 * HOUR, 12 * HOUR],
    ]);
    expect(b.rates[3]).toBe(1);
    expect(b.rates[4]).toBeCloseTo(7 / 6, 12);
    expect(b.alerts.find(([rule]) => rule === 'ticket_3d')).toEqual(['ticket_3d', false]);
    // One more minute down in the last 6 h and it fires.
    const more = burning([
      [0, 4 * HOUR],
      [9 * HOUR - MIN, 12 * HOUR],
    ]);
    expect(more.alerts.find(([rule]) => rule === 'ticket_3d')).toEqual(['ticket_3d', true]);
  });
});
