import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EXIT_CODE_OF, exitClassOf, MspError } from '../../common/errors.ts';
import { renderErrorsDoc } from '../../common/errors-doc.ts';
import { main } from '../../harness/cli/main.ts';
import { captureIo } from '../helpers/capture-io.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sources(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

describe('one error model', () => {
  it('docs/errors.md is generated from the code table (run `npm run docs:errors` after changing it)', () => {
    expect(readFileSync(join(ROOT, 'docs/errors.md'), 'utf8')).toBe(renderErrorsDoc());
  });

  it('every code the source raises is in the table, so none is undocumented', () => {
    const raised = new Set<string>();
    for (const file of [...sources('common'), ...sources('sim'), ...sources('platform'), ...sources('harness')]) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/new \w*Error\(\s*(?:\d+,\s*)?'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g)) raised.add(m[1]!);
    }
    expect(raised.size).toBeGreaterThan(30);
    expect([...raised].filter((c) => !(c in ERROR_CODES)).sort()).toEqual([]);
  });

  it('maps each code to its exit class and an unknown one to internal', () => {
    expect(exitClassOf('SCENARIO_UNKNOWN_KEY')).toBe('bad_input');
    expect(exitClassOf('LOCKSTEP_TIMEOUT')).toBe('transport');
    expect(exitClassOf('SIM_BOUND_EXCEEDED')).toBe('internal');
    expect(exitClassOf('NO_SUCH_CODE')).toBe('internal');
    expect(new MspError('PLATFORM_CONNECT', 'no answer').message).toBe('no answer (PLATFORM_CONNECT)');
    expect(EXIT_CODE_OF).toEqual({ expectation: 1, bad_input: 2, internal: 3, transport: 4 });
  });

  it("a user's mistake exits 2 with one line, never 'internal error'", async () => {
    for (const argv of [
      ['run', 'demo', '--duration', '0s'],
      ['run', 'demo', '--duration', '90'],
      ['run', 'demo', '--step', '0m'],
      ['run', 'demo', '--broker-outage', '1h+0s'],
    ]) {
      const c = captureIo();
      const code = await main(argv, c.io);
      expect(code, argv.join(' ')).toBe(2);
      expect(c.err(), argv.join(' ')).not.toMatch(/internal error/);
      expect(c.err().trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });
});
