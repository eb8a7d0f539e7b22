import { describe, expect, it } from 'vitest';
import { localTime } from '../../platform/contract/local-time.ts';
import { scheduleDay, usFederalHolidayOn, usFederalHolidays } from '../../sim/world/holidays.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { Simulation } from '../../sim/simulation.ts';
import { TraceJournal } from '../../sim/kernel/trace.ts';
import { MemoryBus } from '../../sim/edge/memory-bus.ts';
import { MemoryTransport } from '../../sim/edge/memory-transport.ts';

// Observed dates written out by hand from a calendar (OPM's federal holiday tables for 2026 and
// 2027), not computed: the independent oracle for the rules in holidays.ts.
const OBSERVED: Record<number, string[]> = {
  2026: ['01-01', '01-19', '02-16', '05-25', '06-19', '07-03', '09-07', '10-12', '11-11', '11-26', '12-25'],
  // 2027: Juneteenth (Sat) on Fri 18 June, Independence Day (Sun) on Mon 5 July, Christmas (Sat)
  // on Fri 24 December, and New Year's Day 2028 (Sat) on Fri 31 December 2027.
  2027: ['01-01', '01-18', '02-15', '05-31', '06-18', '07-05', '09-06', '10-11', '11-11', '11-25', '12-24', '12-31'],
};

function everyDay(year: number): string[] {
  const out: string[] = [];
  for (let m = 1; m <= 12; m++) {
    for (let d = 1; d <= 31; d++) {
      const t = Date.UTC(year, m - 1, d);
      if (new Date(t).getUTCMonth() !== m - 1) continue;
      if (usFederalHolidayOn(year, m, d) !== undefined) out.push(`${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    }
  }
  return out;
}

describe('US federal holidays', () => {
  it('are observed on exactly the days of the 2026 and 2027 calendars', () => {
    expect(everyDay(2026)).toEqual(OBSERVED[2026]);
    expect(everyDay(2027)).toEqual(OBSERVED[2027]);
  });

  it('names each holiday, and a fixed holiday on a weekend is not also kept on the weekend day', () => {
    expect(usFederalHolidayOn(2026, 11, 26)).toBe('Thanksgiving Day');
    expect(usFederalHolidayOn(2027, 12, 31)).toBe("New Year's Day");
    expect(usFederalHolidayOn(2026, 7, 4)).toBeUndefined(); // a Saturday: observed on Friday the 3rd
    expect(usFederalHolidayOn(2028, 1, 1)).toBeUndefined();
    // Eleven rules a year; Juneteenth only from 2021.
    expect(usFederalHolidays(2030)).toHaveLength(11);
    expect(usFederalHolidays(2019).map((h) => h.name)).not.toContain('Juneteenth National Independence Day');
  });

  it('offices keep a Sunday schedule on a holiday; stores, clinics and homes keep the calendar day', () => {
    const thanksgiving = localTime('America/New_York', Date.UTC(2026, 10, 26, 15));
    expect(thanksgiving.weekday).toBe(4);
    expect(scheduleDay('office', thanksgiving).weekday).toBe(0);
    for (const type of ['retail', 'clinic', 'multifamily', 'home'] as const) expect(scheduleDay(type, thanksgiving).weekday).toBe(4);
    const ordinary = localTime('America/New_York', Date.UTC(2026, 10, 25, 15));
    expect(scheduleDay('office', ordinary)).toBe(ordinary);
  });

  it('an office on Thanksgiving is set back and nearly empty, and busy the Wednesday before', () => {
    const portfolio = generatePortfolio('holiday', {
      sites: [{ id: 'nyc', metro: 'New York', timezone: 'America/New_York', buildings: [{ id: 'hq', type: 'office', floors: 2, zones_per_floor: 10, per_zone: { hvac: 1 } }] }],
    });
    const start_ms = Date.UTC(2026, 10, 25, 5); // Wednesday 00:00 in New York
    const sim = new Simulation({ seed: 'turkey', start_ms, duration_ms: 2 * 86_400_000, portfolio, telemetry_qos: 1 }, { transport: new MemoryTransport(new MemoryBus()), trace: new TraceJournal(() => {}) });
    sim.start();
    const zones = [...sim.world.zones()];
    const at = (day: number, hour: number): { people: number; occupied_setpoints: number } => {
      const t = start_ms + day * 86_400_000 + hour * 3_600_000;
      sim.runUntil(t);
      return {
        people: zones.reduce((n, z) => n + z.occupantsAt(t), 0),
        occupied_setpoints: zones.filter((z) => z.hvac !== null && z.hvac.heat_setpoint_c > 18).length,
      };
    };
    const wednesday = at(0, 11);
    const thursday = at(1, 11);
    expect(wednesday.people).toBeGreaterThan(100);
    expect(wednesday.occupied_setpoints).toBe(zones.length);
    expect(thursday.people).toBeLessThan(wednesday.people * 0.2);
    expect(thursday.occupied_setpoints).toBe(0);
  });
});
