import { describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/run/run-scenario.ts';
import { loadScenario } from '../../harness/scenario/scenario.ts';

const HOUR = 3_600_000;

/** The simulated times a run reports progress at (the CLI's progress line, the bench's last heap reading). */
async function progress(duration_ms: number): Promise<{ at: number[]; end_ms: number; start_ms: number }> {
  const scenario = loadScenario('test/fixtures/small-office.yaml');
  const at: number[] = [];
  let end_ms = 0;
  await runScenario(scenario, {
    duration_ms,
    on_progress: (p) => {
      at.push(p.sim_ms - p.start_ms);
      end_ms = p.end_ms - p.start_ms;
    },
  });
  return { at, end_ms, start_ms: scenario.start_ms };
}

describe('run progress', () => {
  it('is reported every simulated hour and at the end when the end is not on the hour', async () => {
    const { at, end_ms } = await progress(90 * 60_000);
    expect(end_ms).toBe(90 * 60_000);
    expect(at).toEqual([HOUR, 90 * 60_000]);
  });

  it('reports the end once when it is on the hour, and a run shorter than an hour once, at its end', async () => {
    expect((await progress(2 * HOUR)).at).toEqual([HOUR, 2 * HOUR]);
    expect((await progress(20 * 60_000)).at).toEqual([20 * 60_000]);
  });
});
