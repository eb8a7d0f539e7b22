import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceInfo, Incident, Liveness, Priority } from '../../platform/core/model.ts';
import type { SlaContract } from '../../platform/sla/contract.ts';
import { defaultContract } from '../../platform/sla/contract.ts';
import type { Interval, IntervalSet } from '../../platform/sla/intervals.ts';
import { clip, containsMs, intersect, normalize, serviceTime, subtract, totalMs, union } from '../../platform/sla/intervals.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';
import { SlaLedger } from '../../platform/sla/ledger.ts';
import { businessHoursByIntl, wallClock } from '../helpers/wall-clock.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
// Ten days across the US DST change (Sunday 2026-03-08), so service hours are evaluated on a
// 23-hour local day in New York.
const FROM = Date.UTC(2026, 2, 2);
const TO = FROM + 10 * DAY;
const TIMEZONES = ['America/New_York', 'Europe/Berlin', 'UTC', 'Australia/Sydney'] as const;

// ---------------------------------------------------------------------------------------------
// Interval algebra
// ---------------------------------------------------------------------------------------------

const intervalArb = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 12 })).map(([s, len]): Interval => [s, s + len]);
const rawArb = fc.array(intervalArb, { maxLength: 8 });
const setArb = rawArb.map(normalize);

function isNormal(a: IntervalSet): boolean {
  for (let i = 0; i < a.length; i++) {
    const [s, e] = a[i]!;
    if (!(e > s)) return false;
    if (i > 0 && !(s > a[i - 1]![1])) return false;
  }
  return true;
}

describe('interval algebra (property)', () => {
  it('normalize is a union: membership is pointwise, output is normal, idempotent', () => {
    fc.assert(
      fc.property(rawArb, (raw) => {
        const n = normalize(raw);
        expect(isNormal(n)).toBe(true);
        expect(normalize(n)).toEqual(n);
        for (let t = -1; t <= 75; t++) expect(containsMs(n, t)).toBe(raw.some(([s, e]) => s <= t && t < e));
      }),
    );
  });

  it('union, intersection, subtraction and clip agree with pointwise set logic', () => {
    fc.assert(
      fc.property(setArb, setArb, fc.integer({ min: -5, max: 80 }), fc.integer({ min: -5, max: 80 }), (a, b, f, t) => {
        const u = union(a, b);
        const i = intersect(a, b);
        const d = subtract(a, b);
        const c = clip(a, f, t);
        for (const s of [u, i, d, c]) expect(isNormal(s)).toBe(true);
        for (let x = -1; x <= 85; x++) {
          const ia = containsMs(a, x);
          const ib = containsMs(b, x);
          expect(containsMs(u, x)).toBe(ia || ib);
          expect(containsMs(i, x)).toBe(ia && ib);
          expect(containsMs(d, x)).toBe(ia && !ib);
          expect(containsMs(c, x)).toBe(ia && f <= x && x < t);
        }
      }),
    );
  });

  it('laws: commutativity, inclusion–exclusion, a = (a \\ b) ∪ (a ∩ b) disjointly', () => {
    fc.assert(
      fc.property(setArb, setArb, setArb, (a, b, c) => {
        expect(union(a, b)).toEqual(union(b, a));
        expect(intersect(a, b)).toEqual(intersect(b, a));
        expect(intersect(a, union(b, c))).toEqual(union(intersect(a, b), intersect(a, c)));
        expect(totalMs(union(a, b)) + totalMs(intersect(a, b))).toBe(totalMs(a) + totalMs(b));
        expect(union(subtract(a, b), intersect(a, b))).toEqual(a);
        expect(intersect(subtract(a, b), b)).toEqual([]);
        expect(totalMs(subtract(a, b)) + totalMs(intersect(a, b))).toBe(totalMs(a));
      }),
    );
  });

  it('serviceTime: 24×7 without windows is the whole period; business hours are inside the period and on the right local days', () => {
    let edges = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...TIMEZONES),
        fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 1, max: 1440 }),
        fc.integer({ min: 0, max: 3 * DAY }),
        fc.integer({ min: 0, max: 6 * DAY }),
        (tz, days, a, b, off, len) => {
          const from = FROM + off;
          const to = from + len;
          expect(totalMs(serviceTime(defaultContract(), tz, from, to, 's'))).toBe(len);
          const start_min = Math.min(a, b - 1);
          const end_min = Math.max(b, start_min + 1);
          const c: SlaContract = { ...defaultContract(), service_hours: { kind: 'business', days, start_min, end_min } };
          const st = serviceTime(c, tz, from, to, 's');
          expect(isNormal(st)).toBe(true);
          for (const [s, e] of st) {
            expect(s).toBeGreaterThanOrEqual(from);
            expect(e).toBeLessThanOrEqual(to);
          }
          // Minute-exact: the whole set equals the one built independently from Intl, and at every
          // edge (and the minute either side) Intl's own wall clock agrees with membership.
          expect(st).toEqual(businessHoursByIntl(days, start_min, end_min, tz, from, to));
          const inHours = (t: number): boolean => {
            const w = wallClock(tz, t);
            return days.includes(w.weekday) && w.minute_of_day >= start_min && w.minute_of_day < end_min;
          };
          // Within two hours after a clock change a bound may have fallen in the skipped hour (an
          // 02:30 end is 03:30 on the spring-forward night), which a plain wall-clock reading cannot
          // express; the set equality above already pins those down.
          const offset = (t: number): number => {
            const w = wallClock(tz, t);
            return Date.UTC(w.year, w.month - 1, w.day) + w.minute_of_day * MIN - Math.floor(t / MIN) * MIN;
          };
          for (const [s, e] of st) {
            for (const t of [s - MIN, s, e - MIN, e]) {
              if (t < from || t >= to || offset(t) !== offset(t - 2 * HOUR)) continue;
              expect(containsMs(st, t), new Date(t).toISOString()).toBe(inHours(t));
            }
          }
          edges += st.length;
        },
      ),
      { numRuns: 200 },
    );
    // Not vacuous: the random periods really contained business hours to check.
    expect(edges).toBeGreaterThan(200);
  });
});

// ---------------------------------------------------------------------------------------------
// Ledger
// ---------------------------------------------------------------------------------------------

interface DevSpec {
  building: number;
  kind: DeviceInfo['kind'];
  birth_off: number;
  steps: Array<{ gap: number; to: Liveness }>;
}

const devArb: fc.Arbitrary<DevSpec> = fc.record({
  building: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom('occupancy' as const, 'hvac' as const, 'env' as const),
  birth_off: fc.integer({ min: -DAY, max: 9 * DAY }),
  steps: fc.array(fc.record({ gap: fc.integer({ min: 0, max: DAY }), to: fc.constantFrom<Liveness>('ONLINE', 'SUSPECT', 'OFFLINE', 'UNKNOWN') }), { maxLength: 12 }),
});

const contractArb: fc.Arbitrary<SlaContract> = fc.record({
  business: fc.boolean(),
  days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }),
  start_min: fc.integer({ min: 0, max: 720 }),
  len_min: fc.integer({ min: 1, max: 720 }),
  windows: fc.array(fc.record({ days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }), start_min: fc.integer({ min: 0, max: 1439 }), duration_ms: fc.integer({ min: MIN, max: 2 * DAY }) }), { maxLength: 2 }),
  target: fc.constantFrom(0.9, 0.99, 0.995, 0.999),
  fraction: fc.constantFrom(0.25, 0.5, 1),
  critical: fc.boolean(),
}).map((r) => ({
  ...defaultContract(),
  availability_target: r.target,
  service_hours: r.business ? { kind: 'business' as const, days: r.days, start_min: r.start_min, end_min: r.start_min + r.len_min } : { kind: '24x7' as const },
  maintenance_windows: r.windows,
  exclude_causes: ['power_or_network'],
  building_down_fraction: r.fraction,
  critical_kinds: r.critical ? ['hvac'] : [],
}));

interface IncSpec {
  priority: Priority;
  excluded: boolean;
  devices: number[];
  opened_off: number;
  ack_after: number;
  resolve_after: number;
  resolved: boolean;
}

const incArb: fc.Arbitrary<IncSpec> = fc.record({
  priority: fc.constantFrom<Priority>('P1', 'P2', 'P3', 'P4'),
  excluded: fc.boolean(),
  devices: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
  opened_off: fc.integer({ min: -DAY, max: 10 * DAY }),
  ack_after: fc.integer({ min: 0, max: 6 * HOUR }),
  resolve_after: fc.integer({ min: 0, max: 2 * DAY }),
  resolved: fc.boolean(),
});

const fleetArb = fc.record({
  devices: fc.array(devArb, { minLength: 1, maxLength: 6 }),
  timezone: fc.constantFrom(...TIMEZONES),
  contract: contractArb,
  incidents: fc.array(incArb, { maxLength: 4 }),
});
type Fleet = typeof fleetArb extends fc.Arbitrary<infer T> ? T : never;

function toIncident(s: IncSpec, i: number, c: SlaContract): Incident {
  const opened_ms = FROM + s.opened_off;
  const acked_ms = opened_ms + s.ack_after;
  // Acknowledged no later than resolved: the case where MTTA ≤ MTTR must hold.
  const resolved_ms = s.resolved ? acked_ms + s.resolve_after : null;
  return {
    id: `INC-${i}`,
    priority: s.priority,
    scope: { kind: 'device', id: `d${s.devices[0] ?? 0}` },
    site: 's1',
    building: null,
    cause: s.excluded ? 'power_or_network' : 'device_offline',
    status: resolved_ms !== null ? 'resolved' : 'acknowledged',
    opened_ms,
    acked_ms,
    resolved_ms,
    response_due_ms: opened_ms + c.response_targets_ms[s.priority],
    resolution_due_ms: opened_ms + c.resolution_targets_ms[s.priority],
    alert_ids: [],
    device_ids: s.devices.map((d) => `d${d}`),
  };
}

function runLedger(f: Fleet, extra: Incident[] = []): SlaReport {
  const ledger = new SlaLedger({ journal: () => {}, contract: f.contract, timezone_of: () => f.timezone });
  f.devices.forEach((d, i) => {
    const id = `d${i}`;
    const info: DeviceInfo = { id, kind: d.kind, model: d.kind === 'hvac' ? 'HV' : 'M', fw: '1', serial: id, site: d.building === 2 ? 's2' : 's1', building: `b${d.building}`, floor: 'f', zone: null, gateway: null, power: 'mains', heartbeat_ms: MIN, caps: [] };
    let t = FROM + d.birth_off;
    let prev: Liveness = 'UNKNOWN';
    ledger.onLiveness({ device_id: id, at_ms: t, from: prev, to: 'ONLINE', reason: 'birth' }, info);
    prev = 'ONLINE';
    for (const s of d.steps) {
      t += s.gap;
      ledger.onLiveness({ device_id: id, at_ms: t, from: prev, to: s.to, reason: 'state' }, info);
      prev = s.to;
    }
  });
  f.incidents.forEach((s, i) => ledger.onIncident(toIncident(s, i, f.contract)));
  for (const inc of extra) ledger.onIncident(inc);
  return ledger.report(FROM, TO);
}

const inUnit = (x: number): boolean => x >= 0 && x <= 1;

describe('SLA ledger (property)', () => {
  it('every availability is in [0, 1]; downtime + excused ≤ agreed; entries add up to the totals', () => {
    fc.assert(
      fc.property(fleetArb, (f) => {
        const r = runLedger(f);
        for (const d of r.devices) {
          expect(inUnit(d.availability)).toBe(true);
          expect(d.downtime_ms + d.excluded_ms).toBeLessThanOrEqual(d.agreed_ms);
          expect(d.entries.down.reduce((s, e) => s + e.counted_ms, 0)).toBe(d.downtime_ms);
          expect(d.outage_count).toBe(d.entries.down.filter((e) => e.counted_ms > 0).length);
          expect(d.longest_outage_ms).toBeLessThanOrEqual(d.downtime_ms);
        }
        for (const b of r.buildings) {
          expect(inUnit(b.availability)).toBe(true);
          expect(inUnit(b.rule.availability)).toBe(true);
          expect(b.rule.episodes.reduce((s, e) => s + e.counted_ms, 0)).toBe(b.rule.down_ms);
        }
        for (const a of [...r.sites, r.portfolio]) {
          expect(inUnit(a.availability)).toBe(true);
          expect(inUnit(a.rule.availability)).toBe(true);
        }
        for (const b of r.error_budget.burn) expect(b.burn_rate).toBeGreaterThanOrEqual(0);
        expect(r.health.score).toBeGreaterThanOrEqual(0);
        expect(r.health.score).toBeLessThanOrEqual(100);
      }),
      { numRuns: 150 },
    );
  });

  it('adding an exclusion never lowers any device\'s availability', () => {
    fc.assert(
      fc.property(fleetArb, incArb, (f, extra) => {
        const before = runLedger(f);
        const inc = toIncident({ ...extra, excluded: true }, 99, f.contract);
        const after = runLedger(f, [inc]);
        expect(after.devices.map((d) => d.id)).toEqual(before.devices.map((d) => d.id));
        before.devices.forEach((d, i) => {
          const a = after.devices[i]!;
          expect(a.agreed_ms).toBe(d.agreed_ms);
          expect(a.downtime_ms).toBeLessThanOrEqual(d.downtime_ms);
          expect(a.availability).toBeGreaterThanOrEqual(d.availability);
          expect(a.downtime_ms + a.excluded_ms).toBe(d.downtime_ms + d.excluded_ms);
        });
        for (let i = 0; i < before.buildings.length; i++) expect(after.buildings[i]!.rule.down_ms).toBeLessThanOrEqual(before.buildings[i]!.rule.down_ms);
      }),
      { numRuns: 150 },
    );
  });

  it('building, site and portfolio device-weighted figures equal the recomputation from the device ledger', () => {
    fc.assert(
      fc.property(fleetArb, (f) => {
        const r = runLedger(f);
        const check = (agg: { devices: number; agreed_ms: number; downtime_ms: number; excluded_ms: number; availability: number; device_outage_count: number; longest_device_outage_ms: number }, ds: SlaReport['devices']): void => {
          const agreed = ds.reduce((s, d) => s + d.agreed_ms, 0);
          const down = ds.reduce((s, d) => s + d.downtime_ms, 0);
          expect(agg.devices).toBe(ds.length);
          expect(agg.agreed_ms).toBe(agreed);
          expect(agg.downtime_ms).toBe(down);
          expect(agg.excluded_ms).toBe(ds.reduce((s, d) => s + d.excluded_ms, 0));
          expect(agg.availability).toBe(agreed > 0 ? (agreed - down) / agreed : 1);
          expect(agg.device_outage_count).toBe(ds.reduce((s, d) => s + d.outage_count, 0));
          expect(agg.longest_device_outage_ms).toBe(Math.max(0, ...ds.map((d) => d.longest_outage_ms)));
        };
        for (const b of r.buildings) check(b, r.devices.filter((d) => d.site === b.site && d.building === b.id));
        for (const s of r.sites) check(s, r.devices.filter((d) => d.site === s.id));
        check(r.portfolio, r.devices);
        // Rule-based: sites and portfolio from buildings weighted by their size.
        const wa = r.buildings.reduce((s, b) => s + b.devices * b.rule.agreed_ms, 0);
        const wd = r.buildings.reduce((s, b) => s + b.devices * b.rule.down_ms, 0);
        expect(r.portfolio.rule.weighted_agreed_ms).toBe(wa);
        expect(r.portfolio.rule.weighted_down_ms).toBe(wd);
        expect(r.portfolio.rule.availability).toBe(wa > 0 ? (wa - wd) / wa : 1);
        // Error budget is over the portfolio's device-weighted figures.
        expect(r.error_budget.agreed_ms).toBe(r.portfolio.agreed_ms);
        expect(r.error_budget.downtime_ms).toBe(r.portfolio.downtime_ms);
      }),
      { numRuns: 150 },
    );
  });

  it('MTTA ≤ MTTR for incidents acknowledged before they are resolved', () => {
    let compared = 0;
    fc.assert(
      fc.property(fleetArb, (f) => {
        // Only resolved incidents inside the period, so MTTA and MTTR are over the same set.
        const g: Fleet = { ...f, incidents: f.incidents.map((i) => ({ ...i, resolved: true, opened_off: Math.min(Math.max(i.opened_off, 0), 7 * DAY) })) };
        const r = runLedger(g);
        for (const p of r.incidents.by_priority) {
          expect(p.mtta.n).toBe(p.mttr.n);
          expect(p.mtta.sum_ms).toBeLessThanOrEqual(p.mttr.sum_ms);
          expect(p.mtta.mean_ms).toBeLessThanOrEqual(p.mttr.mean_ms);
          expect(p.mtta.p50_ms).toBeLessThanOrEqual(p.mttr.p50_ms);
          expect(p.mtta.max_ms).toBeLessThanOrEqual(p.mttr.max_ms);
        }
        for (const i of r.incidents.list) {
          if (i.tta_ms === null || i.ttr_ms === null) continue;
          expect(i.tta_ms).toBeLessThanOrEqual(i.ttr_ms);
          compared++;
        }
      }),
      { numRuns: 100 },
    );
    // Not vacuous: some runs had incidents both acknowledged and resolved.
    expect(compared).toBeGreaterThan(0);
  });

  it('reports are deterministic and independent of incident arrival order', () => {
    fc.assert(
      fc.property(fleetArb, (f) => {
        const a = JSON.stringify(runLedger(f));
        expect(JSON.stringify(runLedger({ ...f, incidents: [...f.incidents] }))).toBe(a);
        const rev = { ...f, incidents: [] as IncSpec[] };
        const reversed = f.incidents.map((s, i) => toIncident(s, i, f.contract)).reverse();
        expect(JSON.stringify(runLedger(rev, reversed))).toBe(a);
      }),
      { numRuns: 50 },
    );
  });
});
