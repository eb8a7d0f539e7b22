import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { captureIo } from '../helpers/capture-io.ts';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo();
  const code = await main(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

const FIXTURE = join(import.meta.dirname, '../fixtures/small-office.yaml');
const ZONE = 'hq-f01-z01';
const HVAC = 'hq-f01-hvac-001';

interface Plot {
  x0: number;
  y0: number;
  w: number;
  h: number;
  t0: number;
  t1: number;
  left: [number, number];
  /** Every polyline in the plot: its series name and its points in SVG coordinates. */
  lines: Array<{ series: string; points: Array<[number, number]> }>;
}

/** The plots of a page with the scales they carry, so a drawn point can be read back as a value. */
function plots(html: string): Plot[] {
  const out: Plot[] = [];
  for (const m of html.matchAll(/<g class="plot" data-plot="([^"]+)" data-t0="(\d+)" data-t1="(\d+)" data-left="([^"]+)"[^>]*>(.*?)<\/g>/gs)) {
    const [x0, y0, w, h] = m[1]!.split(',').map(Number) as [number, number, number, number];
    const lines = [...m[5]!.matchAll(/<polyline data-series="([^"]+)"[^>]* points="([^"]+)"/g)].map((p) => ({
      series: p[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&'),
      points: p[2]!.split(' ').map((xy) => xy.split(',').map(Number) as [number, number]),
    }));
    out.push({ x0, y0, w, h, t0: Number(m[2]), t1: Number(m[3]), left: m[4]!.split(',').map(Number) as [number, number], lines });
  }
  return out;
}

/** The value a step series shows at instant t: the horizontal run whose x range holds x(t). */
function valueAt(plot: Plot, series: string, t: number): number | undefined {
  const x = plot.x0 + ((t - plot.t0) / (plot.t1 - plot.t0)) * plot.w;
  for (const line of plot.lines.filter((l) => l.series === series)) {
    for (let i = 1; i < line.points.length; i++) {
      const [ax, ay] = line.points[i - 1]!;
      const [bx, by] = line.points[i]!;
      if (ay === by && ax <= x && x <= bx) return plot.left[0] + ((plot.y0 + plot.h - ay) / plot.h) * (plot.left[1] - plot.left[0]);
    }
  }
  return undefined;
}

describe('msp-twin inspect (the fidelity report)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'msp-twin-inspect-'));
    // 06:00–14:00 on a Monday: night setback, the morning warm-up and occupied hours.
    const r = await cli(['run', FIXTURE, '--duration', '8h', '--transport', 'memory', '--json', '--out', dir]);
    expect(r.code, r.err).toBe(0);
  }, 120_000);

  it('run --out writes world.json: every zone and device, and each site\'s outdoor air hourly', () => {
    const world = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8'));
    expect(world.v).toBe(1);
    expect(world.zones.map((z: { id: string }) => z.id)).toContain(ZONE);
    expect(world.devices.find((d: { id: string }) => d.id === HVAC)).toMatchObject({ zone_id: ZONE, kind: 'hvac' });
    const outdoor = world.sites[0].outdoor;
    expect(outdoor.step_ms).toBe(3_600_000);
    expect(outdoor.temperature_c.length).toBeGreaterThanOrEqual(9); // 8 hours, both ends
    // New York in early March: the metro normals put the air between about −10 and +20 °C.
    expect(Math.min(...outdoor.temperature_c)).toBeGreaterThan(-12);
    expect(Math.max(...outdoor.temperature_c)).toBeLessThan(22);
  });

  it('a zone page plots both setpoints, the thermostat, the room sensor and the outdoor air, as the trace reported them', async () => {
    const out = join(dir, 'zone.html');
    const r = await cli(['inspect', dir, '--zone', ZONE, '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(out);
    const html = readFileSync(out, 'utf8');
    // Self-contained: no scripts, nothing fetched.
    expect(html).not.toMatch(/<script|<link|src=|href=/i);
    const ps = plots(html);
    const names = new Set(ps.flatMap((p) => p.lines.map((l) => l.series)));
    for (const s of ['zone temp, thermostat (hvac-001)', 'heating setpoint (hvac-001)', 'cooling setpoint (hvac-001)', 'room temp (env-001)', 'outdoor air', 'output (hvac-001)', 'supply air (hvac-001)', 'light level (lgt-001)', 'room RH (env-001)', 'outdoor RH', 'battery (env-001)', 'RSSI (env-001)']) {
      expect(names, s).toContain(s);
    }
    expect(html).toMatch(/data-lane="occ-001 occ\."/); // the PIR's occupied periods
    expect(html).toMatch(/data-lane="hvac-001 mode"/);

    // The setpoints drawn are the ones the controller reported: read them back at the middle of
    // each interval between two reports and compare with the trace.
    const reports = readFileSync(join(dir, 'trace.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith(`{"c":"${HVAC}"`) && l.includes('/telemetry"'))
      .map((l) => JSON.parse(l) as { t: number; p: { values: { heat_setpoint_c: number; cool_setpoint_c: number } } });
    expect(reports.length).toBeGreaterThan(10);
    const temperature = ps.find((p) => p.lines.some((l) => l.series === 'heating setpoint (hvac-001)'))!;
    const px_c = (temperature.left[1] - temperature.left[0]) / temperature.h; // one pixel in °C
    const heats = new Set<number>();
    for (let i = 1; i < reports.length; i++) {
      const mid = (reports[i - 1]!.t + reports[i]!.t) / 2;
      const v = reports[i - 1]!.p.values;
      heats.add(v.heat_setpoint_c);
      expect(valueAt(temperature, 'heating setpoint (hvac-001)', mid)).toBeCloseTo(v.heat_setpoint_c, 0);
      expect(Math.abs(valueAt(temperature, 'heating setpoint (hvac-001)', mid)! - v.heat_setpoint_c)).toBeLessThanOrEqual(px_c);
      expect(Math.abs(valueAt(temperature, 'cooling setpoint (hvac-001)', mid)! - v.cool_setpoint_c)).toBeLessThanOrEqual(px_c);
    }
    // The run spans the setback and occupied hours, so the comparison saw both setpoints.
    expect([...heats].sort()).toEqual([15.5, 21]);
  });

  it('a device page shows only that device\'s charts', async () => {
    const out = join(dir, 'env.html');
    const r = await cli(['inspect', dir, '--device', 'hq-f01-env-001', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(out, 'utf8');
    const names = new Set(plots(html).flatMap((p) => p.lines.map((l) => l.series)));
    expect(names).toContain('room RH (env-001)');
    expect(names).toContain('outdoor air');
    expect([...names].some((n) => n.includes('hvac'))).toBe(false);
    expect(html).not.toContain('HVAC output');
  });

  it('an unknown zone or device exits 2 and suggests the nearest id; a missing world.json names the file', async () => {
    const zone = await cli(['inspect', dir, '--zone', 'hq-f01-z1']);
    expect(zone.code).toBe(2);
    expect(zone.err).toContain('did you mean "hq-f01-z01"');
    expect(zone.err).toContain('INSPECT_UNKNOWN_ZONE');
    const device = await cli(['inspect', dir, '--device', 'hq-f01-hvac-01']);
    expect(device.code).toBe(2);
    expect(device.err).toContain(`did you mean "${HVAC}"`);
    const both = await cli(['inspect', dir, '--zone', ZONE, '--device', HVAC]);
    expect(both.code).toBe(2);
    expect(both.err).toContain('INSPECT_TARGET');
    rmSync(join(dir, 'world.json'));
    const missing = await cli(['inspect', dir, '--zone', ZONE]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/has no world\.json.*INSPECT_RUN_DIR/);
  });
});
