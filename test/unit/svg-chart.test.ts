import { describe, expect, it } from 'vitest';
import { axisTicks, lineChart, timeTicks } from '../../harness/report/svg-chart.ts';

const HOUR = 3_600_000;

describe('SVG time-series chart', () => {
  it('puts time ticks on local whole hours, through a DST change, and dates the midnights', () => {
    // New York springs forward at 02:00 on Sunday 8 March 2026: 05:00Z is 00:00 EST, 12:00Z is 08:00 EDT.
    const start = Date.UTC(2026, 2, 8, 5);
    const ticks = timeTicks(start, start + 24 * HOUR, 'America/New_York', 1000);
    expect(ticks[0]).toEqual({ t_ms: start, label: 'Sun 8 Mar', major: true });
    expect(ticks.map((t) => t.label)).toContain('06:00');
    // 06:00 EDT is 10:00Z (one hour earlier in UTC terms than it was the day before).
    expect(ticks.find((t) => t.label === '06:00')!.t_ms).toBe(Date.UTC(2026, 2, 8, 10));
    // A month needs day ticks only.
    const month = timeTicks(start, start + 30 * 24 * HOUR, 'America/New_York', 900);
    expect(month.every((t) => t.major)).toBe(true);
    expect(month.length).toBeLessThanOrEqual(10);
  });

  it('widens an axis to whole nice ticks unless the bounds are fixed', () => {
    expect(axisTicks([14.2, 22.9], { label: '°C' })).toEqual({ min: 14, max: 24, ticks: [14, 16, 18, 20, 22, 24] });
    expect(axisTicks([3], { label: '%', min: 0, max: 100 }).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(axisTicks([0, 1], { label: 'people', min: 0, integer: true }).ticks).toEqual([0, 1]);
  });

  it('keeps a one-sample spike when a dense series is reduced to the plot width', () => {
    const start = Date.UTC(2026, 0, 1);
    const points = Array.from({ length: 40_000 }, (_, i) => [start + i * 60_000, i === 20_000 ? 99 : 20] as const);
    const svg = lineChart({ title: 't', start_ms: start, end_ms: start + 40_000 * 60_000, timezone: 'UTC', left: { label: 'v', min: 0, max: 100 }, series: [{ name: 's', color: '#000', points }] });
    const drawn = /points="([^"]+)"/.exec(svg)![1]!.split(' ');
    expect(drawn.length).toBeLessThan(points.length / 5);
    // y of 99 on a 0–100 axis is within a pixel of the plot's top edge.
    const top = Number(/data-plot="[^,]+,([^,]+),/.exec(svg)![1]);
    expect(Math.min(...drawn.map((p) => Number(p.split(',')[1])))).toBeLessThan(top + 3);
  });
});
