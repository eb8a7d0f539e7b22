import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { diffTraces } from '../../harness/run/trace-diff.ts';

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
