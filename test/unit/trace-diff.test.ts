import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { diffTraces } from '../../harness/run/trace-diff.ts';
import { runScenario } from '../../harness/run/run-scenario.ts';
import { loadScenario } from '../../harness/scenario/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'msp-twin-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function trace(name: string, lines: readonly object[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return path;
}

const body = [{ k: 'pub', t: 1, c: 'd1' }, { k: 'rx', t: 60, step: 0 }];
const a = trace('a.jsonl', [{ k: 'run', seed: '1', t: 0 }, ...body]);
const b = trace('b.jsonl', [{ k: 'run', seed: '2', t: 0 }, ...body]);
const c = trace('c.jsonl', [{ k: 'run', seed: '2', t: 0 }, body[0]!, { k: 'rx', t: 60, step: 1 }]);

function io(): { io: { stdout: { write(s: string): boolean }; stderr: { write(s: string): boolean } }; out: () => string } {
  let out = '';
  return { io: { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true } }, out: () => out };
}

describe('msp-twin diff across seeds', () => {
  it('stops at the header without --ignore header, and compares behaviour from line 2 with it', async () => {
    expect(await diffTraces(a, b)).toMatchObject({ equal: false, line: 1 });
    expect(await diffTraces(a, b, { from_line: 2 })).toMatchObject({ equal: true, lines_a: 3, lines_b: 3 });
    const plain = io();
    expect(await main(['diff', a, b], plain.io)).toBe(1);
    const ignoring = io();
    expect(await main(['diff', a, b, '--ignore', 'header'], ignoring.io)).toBe(0);
  });

  it('still finds a difference after the header', async () => {
    const r = io();
    expect(await main(['diff', a, c, '--ignore', 'header'], r.io)).toBe(1);
    expect(r.out()).toContain('first difference at line 3');
    expect(await diffTraces(a, c, { from_line: 3 })).toMatchObject({ equal: false, line: 3 });
  });

  it('refuses a --from-line that is not a line number (exit 2)', async () => {
    expect(await main(['diff', a, b, '--from-line', '0'], io().io)).toBe(2);
  });
});

describe('msp-twin diff inside a step', () => {
  interface Rec { k: string; t: number; c?: string; topic?: string; p?: Record<string, unknown>; step?: number; n?: number; h?: string }
  it('names the messages that differ in the first step whose rx digests differ: changed, only on one side, or none published differently', async () => {
    const raw: string[] = [];
    await runScenario(loadScenario('test/fixtures/small-office.yaml'), { duration_ms: 20 * 60_000, platform: false, trace_sink: (l) => raw.push(l) });
    const recs = raw.map((l) => JSON.parse(l) as Rec);
    // A step with a few messages: change the first one's payload and leave out the second.
    const rx_at = recs.findIndex((r, i) => r.k === 'rx' && (r.n ?? 0) >= 3 && i > 0 && recs.slice(0, i).some((x) => x.k === 'rx'));
    const prev_rx = recs.slice(0, rx_at).map((r) => r.k).lastIndexOf('rx');
    const pubs = recs.slice(prev_rx + 1, rx_at).map((r, j) => [r, prev_rx + 1 + j] as const).filter(([r]) => r.k === 'pub');
    const [first, second] = [pubs[0]!, pubs[1]!];
    const step = recs[rx_at]!.step!;
    const changed = recs.map((r, i) => (i === first[1] ? { ...r, p: { ...r.p, tampered: true } } : i === rx_at ? { ...r, h: 'f'.repeat(32) } : r)).filter((_, i) => i !== second[1]);
    const path_a = join(dir, 'run-a.jsonl');
    const path_b = join(dir, 'run-b.jsonl');
    writeFileSync(path_a, raw.join('\n') + '\n');
    writeFileSync(path_b, changed.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = io();
    expect(await main(['diff', path_a, path_b], r.io)).toBe(1);
    const out = r.out();
    expect(out).toContain(`step ${step} (`);
    expect(out).toContain(`changed:   ${first[0].topic} (device ${first[0].topic!.split('/')[3]})`);
    expect(out).toContain('"tampered":true');
    expect(out).toContain(`only in a: ${second[0].topic} (device ${second[0].topic!.split('/')[3]})`);
    expect(out).not.toContain('only in b:');
    expect(out).not.toContain('published the same messages');
    const json = io();
    await main(['diff', path_a, path_b, '--json'], json.io);
    const d = JSON.parse(json.out()) as { step: { step: number; only_a: unknown[]; only_b: unknown[]; changed: unknown[] } };
    expect(d.step).toMatchObject({ step, only_b: [] });
    expect(d.step.only_a).toHaveLength(1);
    expect(d.step.changed).toHaveLength(1);

    // Same messages published, a different digest received: the broker's doing, and said so.
    const path_c = join(dir, 'run-c.jsonl');
    writeFileSync(path_c, recs.map((x, i) => JSON.stringify(i === rx_at ? { ...x, h: '0'.repeat(32) } : x)).join('\n') + '\n');
    const same = io();
    expect(await main(['diff', path_a, path_c], same.io)).toBe(1);
    expect(same.out()).toContain('both runs published the same messages in this step');
  }, 60_000);
});
