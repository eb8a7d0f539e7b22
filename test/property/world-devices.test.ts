import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BirthPayload, EventPayload, StatePayload, TelemetryPayload } from '../../platform/contract/messages.ts';
import { parseDeviceTopic } from '../../platform/contract/topics.ts';
import { modelById } from '../../sim/devices/models.ts';
import type { FleetSpec } from '../../sim/world/fleet-spec.ts';
import { localTime } from '../../platform/contract/local-time.ts';
import { publishes, runFleet, smallOffice } from '../helpers/small-fleet.ts';

const DAY = 86_400_000;

interface Rec {
  k: string;
  t: number;
  c?: string;
  d?: string;
  s?: string;
  cls?: string;
  topic?: string;
  p?: Record<string, unknown>;
}

/** Longest silence a healthy device may keep: its heartbeat, half a sample, one sample's drift and jitter. */
function maxHeartbeatGap(report: { heartbeat_ms: number; sample_ms: number }): number {
  return report.heartbeat_ms + report.sample_ms / 2 + report.sample_ms * 60e-6 + 1_500;
}

function parse(lines: string[]): Rec[] {
  return lines.map((l) => JSON.parse(l) as Rec);
}

const climateArb = fc.record({
  mean_c: fc.integer({ min: -5, max: 24 }),
  seasonal_amplitude_c: fc.integer({ min: 0, max: 14 }),
  diurnal_amplitude_c: fc.integer({ min: 0, max: 8 }),
});

function fleetWith(climate: { mean_c: number; seasonal_amplitude_c: number; diurnal_amplitude_c: number }): FleetSpec {
  const f = smallOffice({ floors: 1, zones: 3 });
  f.sites[0]!.climate = climate;
  return f;
}

describe('world and device twins (property)', () => {
  it('zone temperatures stay physically bounded and sit near setpoint in occupied hours when HVAC is healthy', () => {
    fc.assert(
      fc.property(climateArb, fc.string({ minLength: 1, maxLength: 6 }), (climate, seed) => {
        const run = runFleet(fleetWith(climate), seed, 3 * DAY);
        const hvac = publishes(run.lines).filter((r) => r.topic.endsWith('/telemetry') && typeof r.p.values === 'object' && 'zone_temp_c' in (r.p.values as object));
        expect(hvac.length).toBeGreaterThan(50);
        for (const r of hvac) {
          const v = r.p.values as { zone_temp_c: number; heat_setpoint_c: number; cool_setpoint_c: number };
          expect(v.zone_temp_c).toBeGreaterThan(0);
          expect(v.zone_temp_c).toBeLessThan(40);
          const local = localTime('America/New_York', r.t);
          // After the first day, a healthy unit holds an occupied zone inside its heating/cooling
          // band, give or take 1.5 K of PI overshoot and undershoot (a 30-minute integral on a
          // cold evening as the people and lights leave), sensor noise and the outdoor-air
          // lockouts. That is still inside Guideline 36's mildest zone-temperature alarm (2 K
          // from setpoint for 10 minutes), which a healthy zone must never raise.
          // From 10:00: the first occupied hour after a −20 °C night is still warm-up (optimal start
          // is capped at 3 h, and a unit sized for the design day has little capacity to spare).
          const occupied_hours = local.weekday >= 1 && local.weekday <= 5 && local.hour >= 10 && local.hour < 18;
          if (r.t - run.sim.config.start_ms > DAY && occupied_hours) {
            expect(v.zone_temp_c, `${r.c} at ${local.hour}:${local.minute}`).toBeGreaterThanOrEqual(v.heat_setpoint_c - 1.5);
            expect(v.zone_temp_c, `${r.c} at ${local.hour}:${local.minute}`).toBeLessThanOrEqual(v.cool_setpoint_c + 1.5);
          }
        }
      }),
      {
        numRuns: 8,
        // Found by CI: a mild-winter site (0 °C ± 1 K) whose economizer-only cooling ran at half
        // capacity overshot the cooling setpoint by 1.1 K at 17:17.
        examples: [
          [{ mean_c: 0, seasonal_amplitude_c: 0, diurnal_amplitude_c: 1 }, 'C2Z-R'],
          // A cold-January site: 1.2 K under the heating setpoint at 17:52 as the zone emptied.
          [{ mean_c: 0, seasonal_amplitude_c: 7, diurnal_amplitude_c: 0 }, '6.'],
          // −21 °C at dawn: at 9:09 the zone was still 1.6 K short of its heating setpoint.
          [{ mean_c: -1, seasonal_amplitude_c: 12, diurnal_amplitude_c: 8 }, 'm%O'],
        ],
      },
    );
  });

  it('battery level never rises, and every healthy device reports within its heartbeat interval (± half a sample)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 6 }), (seed) => {
        const run = runFleet(smallOffice({ floors: 2, zones: 2 }), seed, 2 * DAY);
        const recs = parse(run.lines);
        const battery = new Map<string, number>();
        const last_attempt = new Map<string, number>();
        const online = new Map<string, boolean>();
        const end = run.sim.config.start_ms + 2 * DAY;
        let checked = 0;
        for (const r of recs) {
          const id = r.c ?? r.d;
          if (!id) continue;
          const spec = run.portfolio.devices.find((d) => d.id === id)!;
          const report = modelById(spec.model).report;
          // Devices send the heartbeat at the sample nearest the interval, on a drifting, jittered
          // clock (docs/world.md): the gap may exceed the nominal heartbeat by half a sample plus
          // one sample's drift (≤ 60 ppm) and wake-up jitter (≤ 1.5 s). (Half a sample alone was
          // once exceeded by 944 ms: a lock at seed "  Bn".)
          const heartbeat_ms = maxHeartbeatGap(report);
          if (r.k === 'power') {
            online.set(id, r.s === 'online');
            last_attempt.delete(id);
            continue;
          }
          const is_telemetry = (r.k === 'pub' && r.topic!.endsWith('/telemetry')) || (r.k === 'drop' && r.cls === 'telemetry');
          if (!is_telemetry) continue;
          const prev = last_attempt.get(id);
          if (prev !== undefined && online.get(id)) {
            expect(r.t - prev, `${id} gap`).toBeLessThanOrEqual(heartbeat_ms);
            checked++;
          }
          last_attempt.set(id, r.t);
          const pct = r.p?.battery_pct as number | undefined;
          if (pct !== undefined) {
            expect(pct, `${id} battery`).toBeLessThanOrEqual(battery.get(id) ?? 100);
            battery.set(id, pct);
          }
        }
        // And no healthy device fell silent for longer than its heartbeat before the run ended.
        for (const [id, t] of last_attempt) {
          const spec = run.portfolio.devices.find((d) => d.id === id)!;
          const report = modelById(spec.model).report;
          if (online.get(id)) expect(end - t).toBeLessThanOrEqual(maxHeartbeatGap(report));
        }
        expect(checked).toBeGreaterThan(100);
        expect(battery.size).toBeGreaterThan(0);
      }),
      { numRuns: 6, examples: [['  Bn']] },
    );
  });

  it('every message follows the v1 topic and payload contract', () => {
    const run = runFleet(smallOffice({ floors: 2, zones: 3 }), 'contract', DAY);
    const schemas = { birth: BirthPayload, state: StatePayload, telemetry: TelemetryPayload, event: EventPayload, ota: undefined };
    const pubs = publishes(run.lines);
    const classes = new Set<string>();
    for (const r of pubs) {
      const topic = parseDeviceTopic(r.topic);
      expect(topic, r.topic).toBeDefined();
      expect(topic!.device_id).toBe(r.c);
      const schema = schemas[topic!.message_class];
      expect(schema, topic!.message_class).toBeDefined();
      const result = schema!.safeParse(r.p);
      expect(result.success, `${r.topic}: ${JSON.stringify(r.p)} ${result.error?.message ?? ''}`).toBe(true);
      // Birth and state are retained (a late subscriber learns the fleet); nothing else is.
      expect(r.r).toBe(topic!.message_class === 'birth' || topic!.message_class === 'state');
      classes.add(topic!.message_class);
    }
    expect([...classes].sort()).toEqual(['birth', 'event', 'state', 'telemetry']);
    // Retained state on the bus: every device's latest birth is there for a newcomer.
    expect(run.bus.retained('msp/v1/+/+/birth')).toHaveLength(run.portfolio.devices.length);
  });

  it('occupancy follows the building schedule in local time', () => {
    const run = runFleet(smallOffice({ floors: 1, zones: 4 }), 'schedule', 7 * DAY);
    const occ = publishes(run.lines).filter((r) => r.topic.endsWith('/telemetry') && r.p.values && 'occupied' in (r.p.values as object));
    const share = (pred: (h: number, wd: number) => boolean): number => {
      const xs = occ.filter((r) => {
        const l = localTime('America/New_York', r.t);
        return pred(l.hour, l.weekday);
      });
      return xs.filter((r) => (r.p.values as { occupied: boolean }).occupied).length / Math.max(1, xs.length);
    };
    const weekday_midday = share((h, wd) => wd >= 1 && wd <= 5 && h >= 10 && h < 16);
    const nights = share((h) => h >= 1 && h < 5);
    const weekend = share((h, wd) => (wd === 0 || wd === 6) && h >= 10 && h < 16);
    expect(weekday_midday).toBeGreaterThan(0.8);
    expect(nights).toBeLessThan(0.1);
    expect(weekend).toBeLessThan(weekday_midday);
  });
});
