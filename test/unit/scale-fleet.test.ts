import { describe, expect, it } from 'vitest';
import { scaleFleet } from '../../harness/bench/sim-bench.ts';
import { loadScenario } from '../../harness/scenario/scenario.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';

describe('the at-scale bench fleet (issue 19: 100,000 devices)', () => {
  const flagship = loadScenario('scenarios/commercial-portfolio.yaml');

  it('multiplies every building count by the smallest factor that reaches the size asked for', () => {
    const base = generatePortfolio(flagship.name, flagship.fleet).devices.length;
    expect(base).toBe(4_500);
    const { scenario, factor, devices } = scaleFleet(flagship, 10_000);
    // 10,000 / 4,500 = 2.2…, so three copies of every building: the least that reaches 10,000.
    expect(factor).toBe(3);
    expect(devices).toBe(3 * base);
    // The count is what the generator really builds, not an estimate.
    const portfolio = generatePortfolio(scenario.name, scenario.fleet);
    expect(portfolio.devices.length).toBe(devices);
    // The flagship itself is untouched (the bench runs it before and after).
    expect(generatePortfolio(flagship.name, flagship.fleet).devices.length).toBe(base);
    expect(scaleFleet(flagship, 100_000).factor).toBe(23);
    expect(scaleFleet(flagship, 4_500).factor).toBe(1);
    expect(scaleFleet(flagship, 4_501).factor).toBe(2);
  });

  it('keeps every building a timeline names, so its faults still land (the retail chain, ×2)', () => {
    const chain = loadScenario('scenarios/retail-chain.yaml');
    const { scenario, factor } = scaleFleet(chain, 1_000);
    expect(factor).toBe(2);
    const buildings = new Set(generatePortfolio(scenario.name, scenario.fleet).devices.map((d) => d.building_id));
    expect(buildings.size).toBe(80);
    const named = chain.timeline.steps.flatMap((step) => ('target' in step && step.target?.building ? [step.target.building].flat() : []));
    expect(named).toContain('chi-store-3');
    for (const building of named) expect(buildings.has(building)).toBe(true);
  });
});

describe('bench refuses a bad at-scale size before running anything', () => {
  it('names the flag and its range, with BENCH_SCALE for devices and hours, BENCH_SHARD_PAIRS and BENCH_MONTH', async () => {
    const { benchCommand } = await import('../../harness/cli/commands/bench.ts');
    let said = '';
    const io = { stdout: { write: (s: string) => void (said += s) }, stderr: { write: (s: string) => void (said += s) } } as unknown as Parameters<typeof benchCommand>[1];
    const run = (over: { scale_devices?: number; scale_hours?: number; month_days?: number; shard_pairs?: number }) => benchCommand({ days: 1, out: '/nonexistent/never-written', only: ['sim'], ...over }, io);
    for (const scale_devices of [0, 2.5, Number.NaN, 1_000_001]) {
      await expect(run({ scale_devices })).rejects.toMatchObject({ code: 'BENCH_SCALE', message: expect.stringContaining('--scale-devices') });
    }
    for (const scale_hours of [-1, Number.NaN, 721]) {
      await expect(run({ scale_hours })).rejects.toMatchObject({ code: 'BENCH_SCALE', message: expect.stringContaining('--scale-hours') });
    }
    for (const shard_pairs of [0, 1.5, Number.NaN, 10]) {
      await expect(run({ shard_pairs })).rejects.toMatchObject({ code: 'BENCH_SHARD_PAIRS', message: expect.stringContaining('--shard-pairs') });
    }
    for (const month_days of [-1, Number.NaN, 32]) {
      await expect(run({ month_days })).rejects.toMatchObject({ code: 'BENCH_MONTH', message: expect.stringContaining('--month-days') });
    }
    // Refused before the first section: nothing was measured or printed.
    expect(said).toBe('');
  });
});
