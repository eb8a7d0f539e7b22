/**
 * The viewer's fold of a whole recorded run (no browser): at every 10 simulated minutes, each
 * device's status from the viewer's Timeline/FleetState equals the independent reading of the trace
 * (test/e2e/trace-fold.ts). The fixture has a leak, a gateway outage, a store power cut and a canary
 * that bricks controllers, so every status rule is exercised on real platform output.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { STATUSES } from '../../viewer/src/model/codes.ts';
import { decodeLine, emptyDecoded } from '../../viewer/src/model/decode.ts';
import { FleetState } from '../../viewer/src/model/fleet-state.ts';
import { DeviceRegistry } from '../../viewer/src/model/registry.ts';
import { Timeline } from '../../viewer/src/model/timeline.ts';
import { foldAt, type TraceLine } from '../e2e/trace-fold.ts';

describe('viewer fold of the story fixture', () => {
  let dir: string;
  let lines: TraceLine[];
  const reg = new DeviceRegistry();
  const state = new FleetState(reg);
  const timeline = new Timeline();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'msp-twin-fold-'));
    const quiet = { write: () => true };
    const code = await main(['run', 'test/e2e/fixtures/story.yaml', '--transport', 'memory', '--out', dir, '--json'], { stdout: quiet, stderr: quiet });
    expect(code).toBeLessThanOrEqual(1);
    const text = readFileSync(join(dir, 'trace.jsonl'), 'utf8');
    lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceLine);
    const out = emptyDecoded();
    for (const l of lines) if (decodeLine(reg, l, out)) timeline.append(out, 0, 0);
    state.grow();
    timeline.finish(state);
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('agrees with the independent fold every 10 simulated minutes, and shows every rule at least once', () => {
    const seen = new Set<string>();
    for (let T = timeline.min_t; T <= timeline.max_t; T += 10 * 60_000) {
      timeline.seek(state, T);
      const want = foldAt(lines, T);
      for (const [id, s] of want.statuses) {
        const got = STATUSES[state.c.status[reg.indexOf(id)]!];
        expect(got, `${id} at +${(T - timeline.min_t) / 60_000} min`).toBe(s);
        seen.add(s);
      }
    }
    for (const s of ['online', 'alerting', 'unreachable', 'updating', 'bricked']) expect(seen, s).toContain(s);
  });

  it('the bricked canary is bricked until its replacement\'s birth, then online', () => {
    const bricked = lines.find((l) => l.k === 'ota' && l.s === 'bricked')!;
    const d = reg.indexOf(String(bricked.d));
    timeline.seek(state, bricked.t);
    expect(STATUSES[state.c.status[d]!]).toBe('bricked');
    const reborn = lines.find((l) => l.k === 'pub' && l.t > bricked.t && String(l.topic).endsWith(`/${String(bricked.d)}/birth`));
    if (reborn) {
      timeline.seek(state, reborn.t + 60_000);
      expect(['online', 'suspect']).toContain(STATUSES[state.c.status[d]!]);
    }
  });
});
