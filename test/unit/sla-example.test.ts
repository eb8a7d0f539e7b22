/**
 * A hand-computed SLA report. Every expected figure below is derived in these comments from the
 * events fed to the ledger, so the test doubles as a worked example of docs/sla.md.
 *
 * Period: Mon 2026-03-02 00:00Z → Mon 2026-03-09 00:00Z, 7 d = 604,800,000 ms. The site is in
 * Europe/London, which is on GMT (= UTC) all that week (BST starts 29 March), so local = UTC and
 * the arithmetic stays readable while still going through the time-zone code.
 *
 * Contract: 24×7, target 99.5 %; one weekly maintenance window Tuesdays 02:00 local for 2 h
 * (Tue 03-03 02:00–04:00Z = 7,200,000 ms, not agreed); 'power_or_network' incidents are the
 * client's (excluded); 'hvac' is a critical kind; approved firmware OC-10 → 1.2.0,
 * HV-200 → 2.4.1 (ENV-1 has no approved entry, so any version is compliant).
 *
 * Fleet (site s1): building b1 = d1 (occupancy, OC-10), d2 (hvac, HV-200, critical, runs 2.4.0);
 * building b2 = d3 (occupancy, OC-10), d4 (env, ENV-1). d1–d3 are born at the period start;
 * d4 is born Tue 00:00 (a SUSPECT change before its birth is ignored), so
 *   agreed(d1..d3) = 604,800,000 − 7,200,000 = 597,600,000
 *   agreed(d4)     = 518,400,000 − 7,200,000 = 511,200,000 (the window is after its birth).
 *
 * Outages (LivenessChange sequences):
 *  1. d2 OFFLINE Tue 01:00 → ONLINE 03:00 (2 h raw); 02:00–03:00 is maintenance, so 1 h counts:
 *     3,600,000. d2 is critical ⇒ b1 is down by rule 01:00–03:00, of which 1 h is agreed.
 *  2. d1 OFFLINE Wed 10:00 → 11:30: 5,400,000. 1 of b1's 2 devices ≥ 0.5 × 2 ⇒ b1 down 1.5 h.
 *     (d1 also goes SUSPECT Thu 09:00 → ONLINE 09:10: SUSPECT is up, counts nothing.)
 *  3. Power cut in b2 Fri 14:00 → 16:00: d3 and d4 OFFLINE 2 h each. Incident INC-2 (P2,
 *     cause power_or_network, devices d3 d4) opened 14:05, acked 14:20, resolved 16:00 ⇒
 *     exclusion [14:05, 16:00) excuses 6,900,000 per device; 14:00–14:05 = 300,000 counts each.
 *     b2 by rule: both devices down 14:00–14:05 (excused time is not down) ⇒ 300,000.
 *  4. d3 OFFLINE Sun 23:30 → (period end): 1,800,000; b2 down by rule (1 of 2 ≥ 1). Incident
 *     INC-3 (P1, cause device_offline) opened 23:35, acked 23:55 (20 min > 15 min target:
 *     response breached), unresolved; resolution due Mon 03:35 is after the period: pending.
 *  INC-1 was opened before the period and is not one of its incidents.
 *
 * Device figures (availability = (agreed − downtime) / agreed):
 *   d1: downtime 5,400,000, outages 1, longest 5,400,000
 *   d2: downtime 3,600,000, outages 1, longest 3,600,000 (its down entry is 2 h raw, 1 h counted)
 *   d3: downtime 300,000 + 1,800,000 = 2,100,000, excluded 6,900,000, outages 2, longest 1,800,000
 *   d4: downtime 300,000, excluded 6,900,000, outages 1, longest 300,000
 * Buildings (device-weighted = Σ(agreed − down) / Σ agreed):
 *   b1: agreed 1,195,200,000, down 9,000,000; rule: agreed 597,600,000, down 9,000,000, 2 outages
 *   b2: agreed 1,108,800,000, down 2,400,000; rule: agreed 597,600,000 (union of d3, d4), down
 *       2,100,000, 2 outages, longest 1,800,000
 * Portfolio: agreed 2,304,000,000, down 11,400,000, excluded 13,800,000 ⇒ 2,292,600,000 /
 *   2,304,000,000 = 99.5052 % (meets 99.5 %); 5 device outages, longest d1's 5,400,000;
 *   rule: Σ n·agreed = 2,390,400,000, Σ n·down = 2·9,000,000 + 2·2,100,000 = 22,200,000,
 *   4 building outages, longest b1's 5,400,000.
 * Error budget: round(0.005 × 2,304,000,000) = 11,520,000; remaining 120,000 ms, fraction
 *   1 − 11,400,000 / 11,520,000. Burn (windows ending at period end, 4 devices agreed):
 *   5m: 300,000 / 1,200,000 = 0.25 ⇒ 50×; 30m: 1,800,000 / 7,200,000 ⇒ 50×; 1h: 1,800,000 /
 *   14,400,000 ⇒ 25×; 6h: 1,800,000 / 86,400,000 ⇒ 4.17×; 3d: 2,400,000 / 1,036,800,000 ⇒ 0.46×
 *   ⇒ page_1h fires (25 > 14.4 and 50 > 14.4), the others do not: verdict 'page'.
 * Incidents: P1 1 (tta 20 min, response breached, resolution pending), P2 1 (tta 15 min, ttr
 *   115 min, both met) ⇒ response compliance 1/2, resolution 1/1.
 * Patch: d2 runs 2.4.0 ≠ 2.4.1 ⇒ 3 of 4 compliant = 0.75; OC-10 2/2, HV-200 0/1, ENV-1 1/1.
 * Health: 100 × (0.5 × (1 − 11.4/11.52) + 0.2 × 0.5 + 0.2 × 0.75 + 0.1 × (1 − 1/2)) = 30.52… ⇒ 30.5.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceInfo, Incident, Liveness, Priority } from '../../platform/core/model.ts';
import type { SlaContract } from '../../platform/sla/contract.ts';
import { defaultContract } from '../../platform/sla/contract.ts';
import { SlaLedger } from '../../platform/sla/ledger.ts';
import { LEDGER_CSV_COLUMNS, pct, writeReportFiles } from '../../harness/report/report-files.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const FROM = Date.UTC(2026, 2, 2); // Monday
const TO = FROM + 7 * DAY;
const at = (day: number, hour: number, minute = 0): number => FROM + day * DAY + hour * HOUR + minute * MIN;
// day offsets from Monday
const TUE = 1;
const WED = 2;
const THU = 3;
const FRI = 4;
const SUN = 6;

function info(id: string, building: string, kind: DeviceInfo['kind'], model: string, fw: string): DeviceInfo {
  return { id, kind, model, fw, serial: `SN-${id}`, site: 's1', building, floor: 'f1', zone: null, gateway: null, power: 'mains', heartbeat_ms: 15 * MIN, caps: [] };
}

function incident(id: string, priority: Priority, cause: string, device_ids: string[], opened_ms: number, acked_ms: number | null, resolved_ms: number | null, c: SlaContract): Incident {
  return {
    id,
    priority,
    scope: { kind: 'device', id: device_ids[0] ?? '' },
    site: 's1',
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

function contract(): SlaContract {
  return {
    ...defaultContract(),
    maintenance_windows: [{ days: [2], start_min: 120, duration_ms: 2 * HOUR }],
    exclude_causes: ['power_or_network'],
    critical_kinds: ['hvac'],
    approved_firmware: { 'OC-10': '1.2.0', 'HV-200': '2.4.1' },
  };
}

function build(): { ledger: SlaLedger; journal: Array<{ at_ms: number; kind: string; fields: Record<string, unknown> }> } {
  const c = contract();
  const journal: Array<{ at_ms: number; kind: string; fields: Record<string, unknown> }> = [];
  const ledger = new SlaLedger({ journal: (at_ms, kind, fields) => journal.push({ at_ms, kind, fields }), contract: c, timezone_of: () => 'Europe/London' });
  const devs = {
    d1: info('d1', 'b1', 'occupancy', 'OC-10', '1.2.0'),
    d2: info('d2', 'b1', 'hvac', 'HV-200', '2.4.0'),
    d3: info('d3', 'b2', 'occupancy', 'OC-10', '1.2.0'),
    d4: info('d4', 'b2', 'env', 'ENV-1', '3.0.0'),
  };
  const live = (id: keyof typeof devs, at_ms: number, from: Liveness, to: Liveness, reason: string): void => ledger.onLiveness({ device_id: id, at_ms, from, to, reason }, devs[id]);

  // Births. d1 was first on 1.1.0 and was patched on Wednesday (its birth announced 1.2.0).
  ledger.onFirmware('d1', '1.1.0', FROM);
  live('d1', FROM, 'UNKNOWN', 'ONLINE', 'birth');
  ledger.onFirmware('d2', '2.4.0', FROM);
  live('d2', FROM, 'UNKNOWN', 'ONLINE', 'birth');
  ledger.onFirmware('d3', '1.2.0', FROM);
  live('d3', FROM, 'UNKNOWN', 'ONLINE', 'birth');
  live('d4', at(0, 1), 'UNKNOWN', 'SUSPECT', 'heartbeat_missed'); // before its birth: not counted
  ledger.onFirmware('d4', '3.0.0', at(TUE, 0));
  live('d4', at(TUE, 0), 'UNKNOWN', 'ONLINE', 'birth');

  // 1. d2 (critical) down across the start of the maintenance window.
  live('d2', at(TUE, 1), 'ONLINE', 'OFFLINE', 'will');
  live('d2', at(TUE, 3), 'OFFLINE', 'ONLINE', 'birth');
  // 2. d1 down 1.5 h; later a late heartbeat (SUSPECT is up).
  live('d1', at(WED, 10), 'ONLINE', 'OFFLINE', 'offline_deadline');
  ledger.onFirmware('d1', '1.2.0', at(WED, 11, 30));
  live('d1', at(WED, 11, 30), 'OFFLINE', 'ONLINE', 'birth');
  live('d1', at(THU, 9), 'ONLINE', 'SUSPECT', 'heartbeat_missed');
  live('d1', at(THU, 9, 10), 'SUSPECT', 'ONLINE', 'telemetry');
  // 3. Power cut in b2, a client-caused incident.
  live('d3', at(FRI, 14), 'ONLINE', 'OFFLINE', 'will');
  live('d4', at(FRI, 14), 'ONLINE', 'OFFLINE', 'will');
  live('d3', at(FRI, 16), 'OFFLINE', 'ONLINE', 'birth');
  live('d4', at(FRI, 16), 'OFFLINE', 'ONLINE', 'birth');
  // The incident desk publishes versions; the ledger keeps the latest.
  ledger.onIncident(incident('INC-2', 'P2', 'power_or_network', ['d3', 'd4'], at(FRI, 14, 5), null, null, c));
  ledger.onIncident(incident('INC-2', 'P2', 'power_or_network', ['d3', 'd4'], at(FRI, 14, 5), at(FRI, 14, 20), null, c));
  ledger.onIncident(incident('INC-2', 'P2', 'power_or_network', ['d3', 'd4'], at(FRI, 14, 5), at(FRI, 14, 20), at(FRI, 16), c));
  // 4. d3 down at the end of the period; P1 acknowledged late, not resolved.
  live('d3', at(SUN, 23, 30), 'ONLINE', 'OFFLINE', 'offline_deadline');
  ledger.onIncident(incident('INC-3', 'P1', 'device_offline', ['d3'], at(SUN, 23, 35), at(SUN, 23, 55), null, c));
  // Before the period: not this period's incident.
  ledger.onIncident(incident('INC-1', 'P3', 'device_offline', ['d1'], FROM - HOUR, FROM - 30 * MIN, FROM - 10 * MIN, c));
  return { ledger, journal };
}

const AGREED = 597_600_000;
const AGREED_D4 = 511_200_000;

describe('SLA report: hand-computed example', () => {
  const { ledger, journal } = build();
  const r = ledger.report(FROM, TO);
  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-sla-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('per-device ledger figures', () => {
    expect(r.devices.map((d) => d.id)).toEqual(['d1', 'd2', 'd3', 'd4']);
    const [d1, d2, d3, d4] = r.devices;
    expect(d1).toMatchObject({ ledger_from_ms: FROM, maintenance_ms: 2 * HOUR, agreed_ms: AGREED, downtime_ms: 5_400_000, excluded_ms: 0, outage_count: 1, longest_outage_ms: 5_400_000, fw: '1.2.0', approved_fw: '1.2.0', compliant: true, critical: false });
    expect(d1!.availability).toBe((AGREED - 5_400_000) / AGREED);
    expect(d1!.entries.down).toEqual([{ from_ms: at(WED, 10), to_ms: at(WED, 11, 30), counted_ms: 5_400_000 }]);

    expect(d2).toMatchObject({ agreed_ms: AGREED, downtime_ms: 3_600_000, excluded_ms: 0, outage_count: 1, longest_outage_ms: 3_600_000, fw: '2.4.0', approved_fw: '2.4.1', compliant: false, critical: true });
    expect(d2!.availability).toBe((AGREED - 3_600_000) / AGREED);
    expect(d2!.entries.down).toEqual([{ from_ms: at(TUE, 1), to_ms: at(TUE, 3), counted_ms: 3_600_000 }]);

    expect(d3).toMatchObject({ agreed_ms: AGREED, downtime_ms: 2_100_000, excluded_ms: 6_900_000, outage_count: 2, longest_outage_ms: 1_800_000, compliant: true });
    expect(d3!.availability).toBe((AGREED - 2_100_000) / AGREED);
    expect(d3!.entries.down).toEqual([
      { from_ms: at(FRI, 14), to_ms: at(FRI, 16), counted_ms: 300_000 },
      { from_ms: at(SUN, 23, 30), to_ms: TO, counted_ms: 1_800_000 },
    ]);
    expect(d3!.entries.exclusions).toEqual([{ incident_id: 'INC-2', cause: 'power_or_network', from_ms: at(FRI, 14, 5), to_ms: at(FRI, 16), excused_ms: 6_900_000 }]);

    expect(d4).toMatchObject({ ledger_from_ms: at(TUE, 0), agreed_ms: AGREED_D4, downtime_ms: 300_000, excluded_ms: 6_900_000, outage_count: 1, longest_outage_ms: 300_000, approved_fw: null, compliant: true });
    expect(d4!.availability).toBe((AGREED_D4 - 300_000) / AGREED_D4);
  });

  it('buildings: device-weighted and rule-based', () => {
    const [b1, b2] = r.buildings;
    expect(b1).toMatchObject({ site: 's1', id: 'b1', devices: 2, critical_devices: ['d2'], agreed_ms: 2 * AGREED, downtime_ms: 9_000_000, excluded_ms: 0, device_outage_count: 2, longest_device_outage_ms: 5_400_000 });
    expect(b1!.availability).toBe((2 * AGREED - 9_000_000) / (2 * AGREED));
    expect(b1!.rule).toEqual({
      agreed_ms: AGREED,
      down_ms: 9_000_000,
      availability: (AGREED - 9_000_000) / AGREED,
      outage_count: 2,
      longest_outage_ms: 5_400_000,
      episodes: [
        { from_ms: at(TUE, 1), to_ms: at(TUE, 3), counted_ms: 3_600_000 },
        { from_ms: at(WED, 10), to_ms: at(WED, 11, 30), counted_ms: 5_400_000 },
      ],
    });
    expect(b2).toMatchObject({ id: 'b2', devices: 2, critical_devices: [], agreed_ms: AGREED + AGREED_D4, downtime_ms: 2_400_000, excluded_ms: 13_800_000, device_outage_count: 3, longest_device_outage_ms: 1_800_000 });
    expect(b2!.availability).toBe((AGREED + AGREED_D4 - 2_400_000) / (AGREED + AGREED_D4));
    expect(b2!.rule).toEqual({
      agreed_ms: AGREED,
      down_ms: 2_100_000,
      availability: (AGREED - 2_100_000) / AGREED,
      outage_count: 2,
      longest_outage_ms: 1_800_000,
      episodes: [
        { from_ms: at(FRI, 14), to_ms: at(FRI, 14, 5), counted_ms: 300_000 },
        { from_ms: at(SUN, 23, 30), to_ms: TO, counted_ms: 1_800_000 },
      ],
    });
  });

  it('site and portfolio', () => {
    const expected = {
      buildings: 2,
      devices: 4,
      agreed_ms: 2_304_000_000,
      downtime_ms: 11_400_000,
      excluded_ms: 13_800_000,
      availability: 2_292_600_000 / 2_304_000_000,
      device_outage_count: 5,
      longest_device_outage_ms: 5_400_000,
      rule: { weighted_agreed_ms: 2_390_400_000, weighted_down_ms: 22_200_000, availability: (2_390_400_000 - 22_200_000) / 2_390_400_000, outage_count: 4, longest_outage_ms: 5_400_000 },
    };
    expect(r.portfolio).toEqual(expected);
    expect(r.sites).toEqual([{ id: 's1', timezone: 'Europe/London', ...expected }]);
    expect(r.portfolio.availability).toBeGreaterThanOrEqual(r.contract.availability_target);
  });

  it('incidents: MTTA, MTTR and compliance by priority', () => {
    expect(r.incidents.count).toBe(2);
    expect(r.incidents.open_at_end).toBe(1);
    expect(r.incidents.list.map((i) => [i.id, i.tta_ms, i.ttr_ms, i.response, i.resolution, i.status_at_end])).toEqual([
      ['INC-2', 15 * MIN, 115 * MIN, 'met', 'met', 'resolved'],
      ['INC-3', 20 * MIN, null, 'breached', 'pending', 'acknowledged'],
    ]);
    const [p1, p2, p3, p4] = r.incidents.by_priority;
    expect(p1).toEqual({
      priority: 'P1',
      response_target_ms: 15 * MIN,
      resolution_target_ms: 4 * HOUR,
      count: 1,
      open_at_end: 1,
      mtta: { n: 1, sum_ms: 20 * MIN, mean_ms: 20 * MIN, p50_ms: 20 * MIN, max_ms: 20 * MIN },
      mttr: { n: 0, sum_ms: 0, mean_ms: 0, p50_ms: 0, max_ms: 0 },
      response: { met: 0, breached: 1, pending: 0, compliance: 0 },
      resolution: { met: 0, breached: 0, pending: 1, compliance: 1 },
    });
    expect(p2).toMatchObject({
      count: 1,
      open_at_end: 0,
      mtta: { n: 1, sum_ms: 15 * MIN, mean_ms: 15 * MIN, p50_ms: 15 * MIN, max_ms: 15 * MIN },
      mttr: { n: 1, sum_ms: 115 * MIN, mean_ms: 115 * MIN, p50_ms: 115 * MIN, max_ms: 115 * MIN },
      response: { met: 1, breached: 0, pending: 0, compliance: 1 },
      resolution: { met: 1, breached: 0, pending: 0, compliance: 1 },
    });
    expect(p3!.count + p4!.count).toBe(0);
    expect(r.incidents.response).toEqual({ met: 1, breached: 1, pending: 0, compliance: 0.5 });
    expect(r.incidents.resolution).toEqual({ met: 1, breached: 0, pending: 1, compliance: 1 });
  });

  it('patch coverage', () => {
    expect(r.patch).toEqual({
      devices: 4,
      compliant: 3,
      coverage: 0.75,
      by_model: [
        { model: 'ENV-1', approved_fw: null, devices: 1, compliant: 1, coverage: 1 },
        { model: 'HV-200', approved_fw: '2.4.1', devices: 1, compliant: 0, coverage: 0 },
        { model: 'OC-10', approved_fw: '1.2.0', devices: 2, compliant: 2, coverage: 1 },
      ],
    });
  });

  it('error budget, burn rates and health score', () => {
    const eb = r.error_budget;
    expect(eb).toMatchObject({ target: 0.995, agreed_ms: 2_304_000_000, downtime_ms: 11_400_000, budget_ms: 11_520_000, remaining_ms: 120_000, verdict: 'page' });
    expect(eb.remaining_fraction).toBe(1 - 11_400_000 / 11_520_000);
    const allowed = 1 - 0.995;
    expect(eb.burn).toEqual([
      { window: '5m', window_ms: 5 * MIN, agreed_ms: 1_200_000, down_ms: 300_000, burn_rate: 300_000 / 1_200_000 / allowed },
      { window: '30m', window_ms: 30 * MIN, agreed_ms: 7_200_000, down_ms: 1_800_000, burn_rate: 1_800_000 / 7_200_000 / allowed },
      { window: '1h', window_ms: HOUR, agreed_ms: 14_400_000, down_ms: 1_800_000, burn_rate: 1_800_000 / 14_400_000 / allowed },
      { window: '6h', window_ms: 6 * HOUR, agreed_ms: 86_400_000, down_ms: 1_800_000, burn_rate: 1_800_000 / 86_400_000 / allowed },
      { window: '3d', window_ms: 3 * DAY, agreed_ms: 1_036_800_000, down_ms: 2_400_000, burn_rate: 2_400_000 / 1_036_800_000 / allowed },
    ]);
    expect(eb.burn.map((b) => Math.round(b.burn_rate * 100) / 100)).toEqual([50, 50, 25, 4.17, 0.46]);
    expect(eb.alerts.map((a) => [a.rule, a.firing])).toEqual([
      ['page_1h', true],
      ['page_6h', false],
      ['ticket_3d', false],
    ]);
    const a = 1 - 11_400_000 / 11_520_000;
    expect(r.health.components).toEqual({ availability_score: a, response_compliance: 0.5, patch_coverage: 0.75, open_p1p2_share: 0.5 });
    expect(r.health.score).toBe(30.5);
  });

  it('journals one p.sla record per report', () => {
    expect(journal).toEqual([{ at_ms: TO, kind: 'p.sla', fields: { from: FROM, to: TO, availability: 2_292_600_000 / 2_304_000_000, devices: 4 } }]);
  });

  it('is deterministic: the same events give the same JSON', () => {
    expect(JSON.stringify(build().ledger.report(FROM, TO))).toBe(JSON.stringify(r));
  });

  it('writes report.json, report.html and ledger.csv carrying these numbers', () => {
    writeReportFiles(r, dir, { scenario: 'example <fleet> & "co"', seed: 's', trace_hash: 'abc123', generated_for: '2026-03-02 → 2026-03-09 Europe/London' });
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { meta: { scenario: string }; report: unknown };
    expect(json.meta.scenario).toBe('example <fleet> & "co"');
    expect(json.report).toEqual(r);

    const csv = readFileSync(join(dir, 'ledger.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv[0]).toBe(LEDGER_CSV_COLUMNS.join(','));
    expect(csv.slice(1)).toEqual([
      `d1,s1,b1,occupancy,OC-10,1.2.0,${AGREED},5400000,0,${(AGREED - 5_400_000) / AGREED},1,5400000,true,0`,
      `d2,s1,b1,hvac,HV-200,2.4.0,${AGREED},3600000,0,${(AGREED - 3_600_000) / AGREED},1,3600000,false,0`,
      `d3,s1,b2,occupancy,OC-10,1.2.0,${AGREED},2100000,6900000,${(AGREED - 2_100_000) / AGREED},2,1800000,true,0`,
      `d4,s1,b2,env,ENV-1,3.0.0,${AGREED_D4},300000,6900000,${(AGREED_D4 - 300_000) / AGREED_D4},1,300000,true,0`,
    ]);

    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Escaped, self-contained, no scripts, nothing from the network.
    expect(html).toContain('example &lt;fleet&gt; &amp; &quot;co&quot;');
    expect(html).not.toContain('<fleet>');
    expect(html).not.toMatch(/<script|https?:\/\/|<link /i);
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(pct(r.portfolio.availability)).toBe('99.5052 %');
    for (const s of [
      '99.5052 %', // portfolio availability
      pct(r.buildings[0]!.availability),
      pct(r.buildings[1]!.rule.availability),
      '2304000000', // Σ agreed_ms
      '11400000', // Σ downtime_ms
      '13800000', // Σ excluded_ms
      '11520000', // error budget
      '75.0000 %', // patch coverage
      '50.0000 %', // response compliance
      '30.5', // health score
      'INC-2',
      'INC-3',
    ]) {
      expect(html).toContain(s);
    }
    expect(html).toContain('1 h 55 min'); // INC-2 TTR
    expect(html).toContain('20 min'); // INC-3 TTA
    expect(html).toContain('(Σ agreed_ms − Σ downtime_ms) / Σ agreed_ms'); // formula noted
  });
});
