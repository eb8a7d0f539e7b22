/**
 * The story the viewer tells of a run (viewer/src/model/story.ts, ui/strip.ts): fault intervals,
 * incident lives, which fault explains which incident, and an hour axis in site-local time.
 */
import { describe, expect, it } from 'vitest';
import { decodeLine, emptyDecoded } from '../../viewer/src/model/decode.ts';
import { DeviceRegistry } from '../../viewer/src/model/registry.ts';
import { Story } from '../../viewer/src/model/story.ts';
import { hourTicks, renderStrip } from '../../viewer/src/ui/strip.ts';

const T0 = Date.UTC(2026, 2, 10, 12, 0); // 08:00 in New York
const MIN = 60_000;

function story(lines: Array<Record<string, unknown>>): { story: Story; reg: DeviceRegistry } {
  const reg = new DeviceRegistry();
  const s = new Story();
  const out = emptyDecoded();
  for (const l of lines) if (decodeLine(reg, l, out)) s.observe(out);
  s.finish();
  return { story: s, reg };
}
const birth = (id: string, gateway: string | null, t = T0): Record<string, unknown> => ({ k: 'pub', t, topic: `msp/v1/nyc/${id}/birth`, p: { id, kind: gateway ? 'env' : 'gateway', session: 1, site: 'nyc', building: 'store', floor: 'store-f01', gateway } });

describe('viewer story', () => {
  const lines = [
    birth('store-f01-gw-001', null),
    birth('store-f01-env-001', 'store-f01-gw-001'),
    birth('tower-f02-leak-001', 'tower-f02-gw-001'),
    { k: 'fault', t: T0 + 60 * MIN, id: 'power', kind: 'building_power', on: 'store', scope: 'building', s: 'start' },
    { k: 'p.inc', t: T0 + 61 * MIN, id: 'INC-2', pri: 'P2', scope: 'gateway:store-f01-gw-001', s: 'open', nd: 1 },
    { k: 'fault', t: T0 + 10 * MIN, id: 'leak', kind: 'leak', d: 'tower-f02-leak-001', s: 'start' },
    { k: 'p.inc', t: T0 + 10 * MIN, id: 'INC-1', pri: 'P1', scope: 'device:tower-f02-leak-001', s: 'open', nd: 1 },
    { k: 'noc', t: T0 + 12 * MIN, act: 'ack', inc: 'INC-1' },
    { k: 'noc', t: T0 + 12 * MIN, act: 'dispatch', inc: 'INC-1', tech: 'tech-1' },
    { k: 'p.inc', t: T0 + 12 * MIN, id: 'INC-1', pri: 'P1', scope: 'device:tower-f02-leak-001', s: 'acknowledged', by: 'noc', nd: 1 },
    { k: 'fault', t: T0 + 50 * MIN, id: 'leak', kind: 'leak', d: 'tower-f02-leak-001', s: 'end' },
    { k: 'p.inc', t: T0 + 50 * MIN, id: 'INC-1', pri: 'P1', scope: 'device:tower-f02-leak-001', s: 'resolved', nd: 1 },
    { k: 'fault', t: T0 + 90 * MIN, id: 'power', kind: 'building_power', on: 'store', scope: 'building', s: 'end' },
  ];

  it('keeps fault intervals and incident lives in time order, whatever the file order', () => {
    const { story: s } = story(lines);
    expect(s.faults.map((f) => [f.id, f.start_t - T0, (f.end_t ?? 0) - T0])).toEqual([['leak', 10 * MIN, 50 * MIN], ['power', 60 * MIN, 90 * MIN]]);
    expect(s.incidents.map((i) => i.id)).toEqual(['INC-1', 'INC-2']);
    const inc = s.incident('INC-1')!;
    expect([inc.acked_t! - T0, inc.dispatched_t! - T0, inc.resolved_t! - T0, inc.tech]).toEqual([12 * MIN, 12 * MIN, 50 * MIN, 'tech-1']);
    expect(s.incident('INC-2')!.resolved_t).toBeNull();
  });

  it('finds the fault behind an incident by its scope: a device, or a building behind a gateway', () => {
    const { story: s, reg } = story(lines);
    expect(s.faultFor(s.incident('INC-1')!, reg)?.id).toBe('leak');
    expect(s.faultFor(s.incident('INC-2')!, reg)?.id).toBe('power');
  });

  it('a bricked install is a fault that explains the incident after it, ended by the replacement\'s birth', () => {
    const { story: s, reg } = story([
      birth('store-f01-env-001', 'store-f01-gw-001'),
      { k: 'ota', t: T0 + MIN, d: 'store-f01-env-001', s: 'bricked' },
      { k: 'p.inc', t: T0 + 30 * MIN, id: 'INC-9', pri: 'P2', scope: 'device:store-f01-env-001', s: 'open', nd: 1 },
      birth('store-f01-env-001', 'store-f01-gw-001', T0 + 90 * MIN),
    ]);
    const f = s.faultFor(s.incident('INC-9')!, reg)!;
    expect([f.kind, f.start_t - T0, f.end_t! - T0]).toEqual(['bricked_by_update', MIN, 90 * MIN]);
  });

  it('the strip has one bar per incident and per fault, labelled with the fault', () => {
    const { story: s, reg } = story(lines);
    const html = renderStrip(s, reg, T0, T0 + 3 * 3_600_000, 'America/New_York');
    expect(html.match(/data-testid="timeline-incident"/g)).toHaveLength(2);
    expect(html.match(/data-testid="timeline-fault"/g)).toHaveLength(2);
    expect(html).toContain('P2 · power cut');
    expect(html).toContain('P1 · leak');
  });

  it('hour ticks fall on whole local hours, also in a half-hour zone', () => {
    const fmt = (t: number, tz: string): string => new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false }).format(t);
    const ny = hourTicks(T0 + 7 * MIN, T0 + 6 * 3_600_000, 'America/New_York', 12);
    expect(ny.map((t) => fmt(t, 'America/New_York'))).toEqual(['09:00', '10:00', '11:00', '12:00', '13:00', '14:00']);
    const india = hourTicks(T0, T0 + 3 * 3_600_000, 'Asia/Kolkata', 12);
    expect(india.length).toBe(3);
    for (const t of india) expect(fmt(t, 'Asia/Kolkata').endsWith(':00')).toBe(true);
    // A long run steps in bigger strides instead of crowding the axis.
    expect(hourTicks(T0, T0 + 7 * 86_400_000, 'UTC', 12).length).toBeLessThanOrEqual(12);
  });
});
