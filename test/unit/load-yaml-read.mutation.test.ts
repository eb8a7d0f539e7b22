import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { loadYamlFile } from '../../harness/scenario/load-yaml.ts';

// harness/scenario/load-yaml.ts `readFailure`: the reasons a read can fail that this machine's
// tests cannot provoke for real (they run as root, so no file is unreadable), given by a stand-in
// readFileSync; any other path reads the real file system (docs/testing.md, "Mutation testing").
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const failures: Record<string, unknown> = {
    'eacces.yaml': Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' }),
    'eperm.yaml': Object.assign(new Error('EPERM: operation not permitted, open'), { code: 'EPERM' }),
    'null.yaml': null,
    'text.yaml': 'a thrown string',
  };
  return {
    ...real,
    readFileSync: (...args: Parameters<typeof real.readFileSync>) => {
      const path = args[0];
      if (typeof path === 'string' && Object.hasOwn(failures, path)) throw failures[path];
      return real.readFileSync(...args);
    },
  };
});

function readMessage(path: string): string {
  try {
    loadYamlFile(path, z.object({}));
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    const e = err as ScenarioError;
    expect([e.issues.length, e.code, e.line, e.column, e.key_path, e.file]).toEqual([1, 'SCENARIO_READ', 0, 0, '(root)', path]);
    return e.issues[0]!.message;
  }
  throw new Error('expected a ScenarioError');
}

describe('readFailure', () => {
  it('EACCES and EPERM both read "permission denied"', () => {
    expect(readMessage('eacces.yaml')).toBe('cannot read scenario file (permission denied)');
    expect(readMessage('eperm.yaml')).toBe('cannot read scenario file (permission denied)');
  });

  it('a thrown value that is not an Error is shown as text, null included', () => {
    expect(readMessage('null.yaml')).toBe('cannot read scenario file (null)');
    expect(readMessage('text.yaml')).toBe('cannot read scenario file (a thrown string)');
  });
});
