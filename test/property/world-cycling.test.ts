import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOME_CYCLING } from '../../sim/devices/kinds/hvac-controller.ts';
import { Simulation } from '../../sim/simulation.ts';
import { TraceJournal } from '../../sim/kernel/trace.ts';
import { MemoryBus } from '../../sim/edge/memory-bus.ts';
import { MemoryTransport } from '../../sim/edge/memory-transport.ts';
import type { FleetSpec } from '../../sim/world/fleet-spec.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { publishes } from '../helpers/small-fleet.ts';

const MIN = 60_000;
const DAY = 86_400_000;
// Past the differential: a call runs at least its minimum time (5 min at full capacity: ≤ 0.6 K in
// these zones, 100–140 W/m² against 33–80 kJ/K·m²) and the thermostat checks once a minute.
const OVERSHOOT_K = 0.75;
// A setpoint change (night setback, morning recovery) is a new target, not a control error.
const SETTLED_MS = 90 * MIN;

/** Homes with a THERM-WIFI-7 (single-stage, on/off) in every room, in a climate the units are sized for. */
function homes(climate: { mean_c: number; seasonal_amplitude_c: number; diurnal_amplitude_c: number }): FleetSpec {
  return {
    sites: [
      {
        id: 'home',
        metro: 'Nowhere',
        timezone: 'America/Chicago',
        climate: { ...climate, humidity_mean_pct: 60, latitude_deg: 35 },
        buildings: [{ id: 'h', type: 'home', floors: 1, zones_per_floor: 3, zone_area_m2: 30, per_zone: { hvac: 1, env: 1 }, models: { hvac: 'THERM-WIFI-7' } }],
      },
    ],
  };
}

describe('home thermostats cycle on/off with a differential (property)', () => {
  it('output is only 0 or ±100 %, and a settled zone stays within setpoint ± differential ± overshoot', () => {
    fc.assert(
      fc.property(
        fc.record({ mean_c: fc.integer({ min: 2, max: 22 }), seasonal_amplitude_c: fc.integer({ min: 0, max: 10 }), diurnal_amplitude_c: fc.integer({ min: 0, max: 6 }) }),
        fc.integer({ min: 0, max: 11 }),
        fc.string({ minLength: 1, maxLength: 6 }),
        (climate, month, seed) => {
          const start_ms = Date.UTC(2026, month, 5, 6, 0);
          const portfolio = generatePortfolio('homes', homes(climate));
          const lines: string[] = [];
          const sim = new Simulation({ seed, start_ms, duration_ms: 2 * DAY, portfolio, telemetry_qos: 1 }, { transport: new MemoryTransport(new MemoryBus()), trace: new TraceJournal((l) => lines.push(l)) });
          sim.start();
          const zones = [...sim.world.zones()];
          const since = new Map<string, { key: string; from: number }>();
          let heat_checked = 0;
          let calls = 0;
          for (let t = start_ms + 5 * MIN; t <= start_ms + 2 * DAY; t += 5 * MIN) {
            sim.runUntil(t);
            for (const z of zones) {
              const drive = z.hvac;
              if (!drive) continue;
              expect(drive.cycling).toEqual(HOME_CYCLING);
              const key = `${drive.heat_setpoint_c}/${drive.cool_setpoint_c}/${drive.mode}/${drive.cooling_share}`;
              const s = since.get(z.zone.id);
              if (!s || s.key !== key) since.set(z.zone.id, { key, from: t });
              const settled = t - (since.get(z.zone.id)!.from) >= SETTLED_MS;
              const temp = z.state.temperature_c;
              const d = HOME_CYCLING.differential_k;
              if (z.call !== null) calls++;
              // Never heating at or above the cooling setpoint, never cooling at or below the heating one.
              if (z.call === 'heat') expect(temp, `${z.zone.id} heating`).toBeLessThan(drive.cool_setpoint_c + 0.2);
              if (z.call === 'cool') expect(temp, `${z.zone.id} cooling`).toBeGreaterThan(drive.heat_setpoint_c - 0.2);
              if (!settled) continue;
              if (drive.mode === 'auto' || drive.mode === 'heat') {
                expect(temp, `${z.zone.id} at ${new Date(t).toISOString()}`).toBeGreaterThanOrEqual(drive.heat_setpoint_c - d - OVERSHOOT_K);
                heat_checked++;
              }
              if ((drive.mode === 'auto' || drive.mode === 'cool') && drive.cooling_share > 0) {
                expect(temp, `${z.zone.id} at ${new Date(t).toISOString()}`).toBeLessThanOrEqual(drive.cool_setpoint_c + d + OVERSHOOT_K);
              }
              // While heating is called the zone does not run away past the off point.
              if (z.call === 'heat') expect(temp).toBeLessThanOrEqual(drive.heat_setpoint_c + d + OVERSHOOT_K);
              if (z.call === 'cool') expect(temp).toBeGreaterThanOrEqual(drive.cool_setpoint_c - d - OVERSHOOT_K);
            }
          }
          expect(heat_checked + calls).toBeGreaterThan(0);
          const outputs = publishes(lines)
            .filter((r) => r.topic.endsWith('/telemetry') && typeof (r.p.values as Record<string, unknown> | undefined)?.output_pct === 'number')
            .map((r) => (r.p.values as { output_pct: number }).output_pct);
          expect(outputs.length).toBeGreaterThan(50);
          for (const o of outputs) expect([0, 100, -100]).toContain(o);
        },
      ),
      { numRuns: 10 },
    );
  }, 240_000);

  it('a home thermostat in a heating season cycles: several calls a day, none shorter than the minimum run', () => {
    const portfolio = generatePortfolio('homes', homes({ mean_c: 2, seasonal_amplitude_c: 0, diurnal_amplitude_c: 4 }));
    const start_ms = Date.UTC(2026, 0, 12, 6, 0);
    const sim = new Simulation({ seed: 'cycle', start_ms, duration_ms: DAY, portfolio, telemetry_qos: 1 }, { transport: new MemoryTransport(new MemoryBus()), trace: new TraceJournal(() => {}) });
    sim.start();
    const zone = [...sim.world.zones()][0]!;
    const runs: number[] = [];
    let on_since: number | undefined;
    for (let t = start_ms + MIN; t <= start_ms + DAY; t += MIN) {
      sim.runUntil(t);
      // The zone's call changes inside its 5-minute advance; call_since_ms says exactly when.
      if (zone.call === 'heat' && on_since === undefined) on_since = zone.call_since_ms;
      if (zone.call !== 'heat' && on_since !== undefined) {
        runs.push(zone.call_since_ms - on_since);
        on_since = undefined;
      }
    }
    expect(runs.length).toBeGreaterThan(10);
    expect(Math.min(...runs)).toBeGreaterThanOrEqual(HOME_CYCLING.min_on_ms);
  });
});
