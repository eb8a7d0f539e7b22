/**
 * A floor-level unit conditions every zone of its floor (docs/world.md, "Zones served by a floor's
 * unit"): the bundled stores have one thermostat per floor and two zones. Before, the zone without
 * the thermostat floated with the weather and a June sales floor in Atlanta read 37 °C at 18:00
 * with shoppers in it. Now every zone of a store holds the unit's band while the store is open.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { captureIo } from '../helpers/capture-io.ts';

interface Reading {
  readonly device: string;
  readonly t_ms: number;
  readonly temperature_c: number;
}

describe('zones served by a floor\'s unit (retail-chain, June)', () => {
  let dir: string;
  let readings: Reading[];
  let zone_of: Map<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'msp-twin-served-'));
    const c = captureIo();
    const code = await main(['run', 'scenarios/retail-chain.yaml', '--transport', 'memory', '--duration', '1d', '--out', dir], c.io);
    expect(code, c.err()).toBe(0);
    const world = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as { devices: Array<{ id: string; kind: string; zone_id: string | null }> };
    zone_of = new Map(world.devices.filter((d) => d.zone_id !== null).map((d) => [d.id, d.zone_id!]));
    readings = [];
    for (const line of readFileSync(join(dir, 'trace.jsonl'), 'utf8').split('\n')) {
      if (!line.includes('-env-') || !line.includes('/telemetry"')) continue;
      const o = JSON.parse(line) as { c: string; t: number; p: { values?: { temperature_c?: number } } };
      const t = o.p.values?.temperature_c;
      if (typeof t === 'number') readings.push({ device: o.c, t_ms: o.t, temperature_c: t });
    }
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds every zone of every store, thermostat or not, near the unit\'s setpoints while it is open', () => {
    // 16:00–23:00 UTC is within opening hours in every store's timezone (10:00–19:00 at the latest opening).
    const open = readings.filter((r) => {
      const hour = new Date(r.t_ms).getUTCHours();
      return hour >= 16 && hour < 23;
    });
    const served = open.filter((r) => zone_of.get(r.device)?.endsWith('-z02'));
    const led = open.filter((r) => zone_of.get(r.device)?.endsWith('-z01'));
    expect(new Set(served.map((r) => r.device)).size).toBe(40);
    expect(new Set(led.map((r) => r.device)).size).toBe(40);
    const hottest = (rs: readonly Reading[]): Reading => rs.reduce((a, b) => (b.temperature_c > a.temperature_c ? b : a));
    // The cooling setpoint is 24 °C occupied, the unit cycles with a 1 K differential; a served
    // zone has its own gains, so allow it a little more than the thermostat's zone.
    expect(hottest(led).temperature_c).toBeLessThan(26.5);
    expect(hottest(served).temperature_c, JSON.stringify(hottest(served))).toBeLessThan(27.5);
  });

  it('the fidelity page of a served zone names the unit that serves it', async () => {
    const c = captureIo();
    const out = join(dir, 'served.html');
    expect(await main(['inspect', dir, '--zone', 'atl-store-1-f01-z02', '--out', out], c.io), c.err()).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('served by the floor\'s unit, controlled by atl-store-1-f01-hvac-001 in Zone 1.1 (atl-store-1-f01-z01)');
  });
});
