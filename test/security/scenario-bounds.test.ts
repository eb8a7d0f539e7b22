/**
 * Input bounds on scenario files and `--duration`: each refusal is exit 2 with file:line, fast,
 * and before the fleet is generated (a 10,000,000-device fleet used to allocate until killed).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { checkScenarioBounds, MAX_SCENARIO_DEVICES } from '../../harness/scenario/bounds.ts';
import { parseYamlWithSchema } from '../../harness/scenario/load-yaml.ts';
import { ScenarioFileSchema } from '../../harness/scenario/schema.ts';
import { countFleetDevices } from '../../sim/world/fleet-count.ts';

const dir = mkdtempSync(join(tmpdir(), 'msp-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = readFileSync(join(import.meta.dirname, '../fixtures/small-office.yaml'), 'utf8');

async function run(name: string, text: string, extra: string[] = []): Promise<{ code: number; stderr: string; ms: number }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  let stderr = '';
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => ((stderr += s), true) } };
  const t0 = performance.now(); // wall-clock: the refusal must be fast
  const code = await main(['run', file, '--transport', 'memory', '--json', ...extra], io);
  return { code, stderr, ms: performance.now() - t0 };
}

const HUGE_FLEET = `name: huge
start: "2026-03-02 06:00"
duration: 1d
fleet:
  sites:
    - id: nyc
      metro: New York
      timezone: America/New_York
      buildings:
        - id: hq
          type: office
          count: 10000
          floors: 10
          zones_per_floor: 10
          per_zone: { env: 10 }
`;

describe('scenario bounds', () => {
  // The CLI loads its commands lazily; load them once so the timings below measure the refusal.
  beforeAll(async () => {
    await run('warm-up', base.replace('duration: 1d', 'duration: 0s'));
  });

  it('refuses a 10,000,000-device fleet with exit 2 at the building line, in well under a second', async () => {
    const r = await run('huge', HUGE_FLEET);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/huge\.yaml:10:\d+: fleet\.sites\[0\]\.buildings\[0\]: the fleet would have 10,200,000 devices, over the limit of 200,000/);
    expect(r.ms).toBeLessThan(1_000);
  });

  it('counts exactly: a fleet at the limit passes the bound, one device more is refused', async () => {
    // 2,000 buildings × (98 devices + 2 gateways) = 200,000 exactly; 99 devices add one more each.
    const at_limit = HUGE_FLEET.replace('count: 10000', 'count: 2000').replace('floors: 10', 'floors: 1').replace('zones_per_floor: 10', 'zones_per_floor: 1').replace('per_zone: { env: 10 }', 'per_zone: { env: 98 }');
    const raw = parseYamlWithSchema(at_limit, 'at-limit.yaml', ScenarioFileSchema);
    expect(countFleetDevices(raw.fleet)).toBe(MAX_SCENARIO_DEVICES);
    expect(checkScenarioBounds(raw, 0)).toEqual([]);
    const r = await run('over', at_limit.replace('env: 98', 'env: 99'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the fleet would have 202,000 devices');
  });

  it('refuses a 100-year duration and a zero duration at the duration line', async () => {
    const long = await run('long', base.replace('duration: 1d', 'duration: 36500d'));
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/long\.yaml:6:\d+: duration: 36500d is longer than the limit of 400d/);
    expect(long.ms).toBeLessThan(1_000);
    const zero = await run('zero', base.replace('duration: 1d', 'duration: 0s'));
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/zero\.yaml:6:\d+: duration: a run must last longer than 0/);
  });

  it('refuses --duration 0 and --duration beyond the 400-day limit with exit 2', async () => {
    const zero = await run('flag-zero', base, ['--duration', '0s']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('must be longer than 0');
    const long = await run('flag-long', base, ['--duration', '401d']);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('longer than the limit of 400d');
  });

  it('refuses timeline steps, faults and rollouts after the end at their own lines', async () => {
    const late = base.replace('duration: 1d', 'duration: 1d\ntimeline:\n  - { at: 2h, action: outage.start, outage: broker }\n  - { at: 3d, action: outage.start, outage: broker }\n  - { at: "2026-03-09 06:00", action: outage.start, outage: broker }');
    const r = await run('late', late);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/late\.yaml:9:\d+: timeline\[1\]\.at: this step at 3d is after the run's end \(duration 1d\)/);
    expect(lines[1]).toMatch(/late\.yaml:10:\d+: timeline\[2\]\.at: this step at "2026-03-09 06:00" is after the run's end/);
  });
});
