/**
 * Quiet samples (docs/performance.md): a lighting node or an occupancy sensor skips the samples it
 * can prove would find its reading unchanged, up to the instant `quietUntil` names. The skip is
 * only sound if that instant is a true bound, so this property measures the device at instants
 * before it (every 5 s across the span and random milliseconds in it) and requires the very
 * reading the device parked on — at any time of day or week, lit or dark, by a window or not,
 * PIR or radar. A bound one slot too long, a hold counted from the wrong end or a daylight rate
 * too low fails here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSimulation } from '../../harness/bench/sim-bench.ts';
import { loadScenario } from '../../harness/scenario/scenario.ts';
import type { DeviceTwin, Values } from '../../sim/devices/twin.ts';

const HOUR = 3_600_000;
const scenario = loadScenario('scenarios/commercial-portfolio.yaml');
const { sim } = buildSimulation(scenario, 14 * 24 * HOUR);
const quiet_kinds = sim.twins.filter((t) => t.behaviour.quietUntil !== undefined);
const kinds = new Set(quiet_kinds.map((t) => `${t.spec.kind}/${t.spec.model}`));

function reading(twin: DeviceTwin, at_ms: number): Values {
  return twin.behaviour.measure(twin, at_ms);
}

describe('quiet samples (property)', () => {
  it('the fleet has every kind that parks: lighting nodes and both occupancy sensors', () => {
    expect([...kinds].sort()).toEqual(['lighting/LGT-DALI-60', 'occupancy/OCC-MMW-310', 'occupancy/OCC-PIR-200'].sort());
  });

  it('nothing a device measures before its quiet bound differs from the reading it parked on', () => {
    let parked = 0;
    let by_daylight = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: quiet_kinds.length - 1 }),
        fc.nat({ max: 13 * 24 * HOUR }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 8, maxLength: 8 }),
        (i, offset_ms, probes) => {
          const twin = quiet_kinds[i]!;
          const now = scenario.start_ms + offset_ms;
          const values = reading(twin, now);
          const heartbeat_due = now + twin.model.report.heartbeat_ms;
          const until = twin.behaviour.quietUntil!(twin, now, values, heartbeat_due);
          expect(until).toBeGreaterThanOrEqual(now);
          expect(until).toBeLessThanOrEqual(heartbeat_due);
          if (until > now) parked++;
          if (until > now && twin.spec.kind === 'lighting' && values.level_pct !== 0 && (twin.local.fixture as { daylight_share: number }).daylight_share > 0) by_daylight++;
          const instants = probes.map((p) => now + Math.floor(p * (until - now)));
          for (let t = now + 5_000; t < until; t += 5_000) instants.push(t);
          for (const t of instants) {
            if (t >= until) continue;
            expect({ t: t - now, values: reading(twin, t) }).toEqual({ t: t - now, values });
          }
          // Measuring is pure: the instant itself still reads the same after the probes.
          expect(reading(twin, now)).toEqual(values);
        },
      ),
      { numRuns: 600 },
    );
    // Not vacuous: most draws park, windowed lit nodes among them.
    expect(parked).toBeGreaterThan(300);
    expect(by_daylight).toBeGreaterThan(5);
  });
});
