import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { allowedKeys, formatKeyPath, loadYamlFile, parseYamlWithSchema, type SemanticIssue } from '../../harness/scenario/load-yaml.ts';

// harness/scenario/load-yaml.ts: the loader's promise (one line with file:line:col, the offending
// key and a did-you-mean) pinned issue kind by issue kind, written to kill the mutants StrykerJS
// left alive (docs/testing.md, "Mutation testing"). Each expected line and column was counted by
// hand in the YAML text of its test (1-based; a value's column is where its first character is).

type Row = [code: string, line: number, column: number, key_path: string, message: string];

/** The issues a load raises, as rows; fails when the load succeeds or throws something else. */
function rows(text: string, schema: z.ZodType, check?: (data: never) => SemanticIssue[]): Row[] {
  try {
    parseYamlWithSchema(text, 'f.yaml', schema, check as never);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).issues.map((i) => [i.code, i.line, i.column, i.key_path, i.message]);
  }
  throw new Error('expected a ScenarioError');
}

function thrown(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

/** A mapping with one key `v` holding `inner`: most cases below put the bad value there (column 4). */
const atV = (inner: z.ZodType) => z.object({ v: inner });

describe('formatKeyPath', () => {
  it('joins identifiers with dots, indexes in brackets, and quotes every other key', () => {
    expect(formatKeyPath([])).toBe('(root)');
    expect(formatKeyPath([0])).toBe('[0]');
    expect(formatKeyPath(['a', 0, 'b'])).toBe('a[0].b');
    expect(formatKeyPath(['_x', 'd-e', 'Z9'])).toBe('_x.d-e.Z9');
    // Not identifiers: a leading digit (kills a regex without ^), a space inside (without $), a dash first.
    expect(formatKeyPath(['a', '9z'])).toBe('a["9z"]');
    expect(formatKeyPath(['a b'])).toBe('["a b"]');
    expect(formatKeyPath(['a', 'b c', 'd'])).toBe('a["b c"].d');
    expect(formatKeyPath(['-a'])).toBe('["-a"]');
    expect(formatKeyPath([''])).toBe('[""]');
  });
});

describe('reading the file', () => {
  it('a directory, a path through a file and a path with a NUL byte each say why, with no position', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msp-twin-load-yaml-'));
    try {
      const schema = z.object({});
      const isDir = thrown(() => loadYamlFile(dir, schema));
      expect([isDir.code, isDir.line, isDir.column, isDir.key_path, isDir.file]).toEqual(['SCENARIO_READ', 0, 0, '(root)', dir]);
      expect(isDir.message).toBe(`${dir}: cannot read scenario file (it is a directory)`);
      expect((isDir.cause as { code?: string }).code).toBe('EISDIR');

      const file = join(dir, 'plain.yaml');
      writeFileSync(file, 'a: 1\n');
      const through = thrown(() => loadYamlFile(join(file, 'x.yaml'), schema));
      // Neither ENOENT, EISDIR nor a permission problem: the system's own message is passed on.
      expect(through.message).toMatch(/^.*: cannot read scenario file \(ENOTDIR: not a directory, open '.*x\.yaml'\)$/);

      const nul = thrown(() => loadYamlFile('a\0b.yaml', schema));
      expect(nul.message).toMatch(/^a\0b\.yaml: cannot read scenario file \(The argument 'path' must be a string, Uint8Array, or URL without null bytes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file passes its check: the checked value comes back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msp-twin-load-yaml-'));
    try {
      const file = join(dir, 'ok.yaml');
      writeFileSync(file, 'a: 1\n');
      const seen: unknown[] = [];
      expect(loadYamlFile(file, z.object({ a: z.number() }), (d) => (seen.push(d), []))).toEqual({ a: 1 });
      expect(seen).toEqual([{ a: 1 }]);
      // The check's issues are raised from a file as from text.
      const err = thrown(() => loadYamlFile(file, z.object({ a: z.number() }), () => [{ path: ['a'], message: 'too few' }]));
      expect(err.message).toBe(`${file}:1:4: a: too few`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('YAML problems', () => {
  it('an alias expanding past the limit is refused at 1:1 with the parser\'s reason', () => {
    const bomb = 'a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    const err = thrown(() => parseYamlWithSchema(bomb, 'f.yaml', z.any()));
    expect(err.issues.map((i) => [i.code, i.line, i.column, i.key_path, i.message])).toEqual([
      ['SCENARIO_YAML', 1, 1, '(root)', 'invalid YAML: Excessive alias count indicates a resource exhaustion attack'],
    ]);
    expect(err.cause).toBeInstanceOf(Error);
    // 100 aliases of a 10-item list are within the limit.
    const ok = `a: &a [1,1,1,1,1,1,1,1,1,1]\nb: [${Array.from({ length: 20 }, () => '*a').join(',')}]\n`;
    expect((parseYamlWithSchema(ok, 'f.yaml', z.any()) as { b: unknown[] }).b).toHaveLength(20);
  });

  it('duplicate keys name the key and the mapping holding it, at the root and inside a list', () => {
    expect(rows('a: 1\na: 2\n', z.any())).toEqual([['SCENARIO_YAML', 2, 1, 'a', 'duplicate key "a" in (root)']]);
    expect(rows('{a: 1, a: 2}\n', z.any())).toEqual([['SCENARIO_YAML', 1, 8, 'a', 'duplicate key "a" in (root)']]);
    expect(rows('x:\n  - a: 1\n    a: 2\n', z.any())).toEqual([['SCENARIO_YAML', 3, 5, 'x[0].a', 'duplicate key "a" in x[0]']]);
  });

  it('a YAML problem inside a list item carries the item\'s key path', () => {
    expect(rows('x:\n  - k: !foo 1\n', z.any())).toEqual([['SCENARIO_YAML', 2, 8, 'x[0].k', 'invalid YAML: Unresolved tag: !foo']]);
    expect(rows('x:\n  - 1\n  - y: {k: !foo 1}\n', z.any())).toEqual([['SCENARIO_YAML', 3, 12, 'x[1].y.k', 'invalid YAML: Unresolved tag: !foo']]);
  });

  it('several YAML problems come sorted by line, then column', () => {
    const got = rows('b: !t2 1\na: {p: !t1 1, q: !t0 2}\n', z.any());
    expect(got.map((r) => [r[1], r[2], r[3]])).toEqual([
      [1, 4, 'b'],
      [2, 8, 'a.p'],
      [2, 18, 'a.q'],
    ]);
  });
});

describe('positions', () => {
  it('a byte-order mark is not a column: the first line\'s value is at column 4, as an editor shows it', () => {
    expect(rows('\uFEFFv: x\n', atV(z.number()))).toEqual([['SCENARIO_TYPE', 1, 4, 'v', 'v: expected a number, got "x"']]);
  });

  it('a path past the end of a nested list points at the key holding the list; an index into a scalar at the scalar\'s key', () => {
    const any = z.any();
    expect(rows('a:\n  b: 1\n  list:\n    - 1\n', any, () => [{ path: ['a', 'list', 5], message: 'm' }])).toEqual([['SCENARIO_VALUE', 3, 3, 'a.list[5]', 'a.list[5]: m']]);
    expect(rows('a:\n  b: 1\n', any, () => [{ path: ['a', 'b', 0], message: 'm' }])).toEqual([['SCENARIO_VALUE', 2, 3, 'a.b[0]', 'a.b[0]: m']]);
  });
});

describe('semantic checks', () => {
  const schema = z.object({ sites: z.array(z.object({ id: z.string(), floors: z.number().default(1) })) });
  const text = 'sites:\n  - id: a\n  - id: b\n';

  it('a check that finds nothing returns the parsed value; its issues are SCENARIO_VALUE at the value, sorted', () => {
    expect(parseYamlWithSchema(text, 'f.yaml', schema, () => [])).toEqual({ sites: [{ id: 'a', floors: 1 }, { id: 'b', floors: 1 }] });
    const got = rows(text, schema, () => [
      { path: ['sites', 1, 'id'], message: 'second' },
      { path: ['sites', 0, 'id'], message: 'first' },
    ]);
    expect(got).toEqual([
      ['SCENARIO_VALUE', 2, 9, 'sites[0].id', 'sites[0].id: first'],
      ['SCENARIO_VALUE', 3, 9, 'sites[1].id', 'sites[1].id: second'],
    ]);
  });

  it('a path the file does not spell out (a default) points at the deepest node the file has', () => {
    // `floors` came from the default: the item mapping at 2:5 is the nearest thing in the file.
    expect(rows(text, schema, () => [{ path: ['sites', 1, 'floors'], message: 'x' }])).toEqual([['SCENARIO_VALUE', 3, 5, 'sites[1].floors', 'sites[1].floors: x']]);
    // Past the end of a list: the key that holds the list.
    expect(rows(text, schema, () => [{ path: ['sites', 5], message: 'x' }])).toEqual([['SCENARIO_VALUE', 1, 1, 'sites[5]', 'sites[5]: x']]);
    // A key into a scalar: the key that holds the scalar.
    expect(rows(text, schema, () => [{ path: ['sites', 0, 'id', 'deeper'], message: 'x' }])).toEqual([['SCENARIO_VALUE', 2, 5, 'sites[0].id.deeper', 'sites[0].id.deeper: x']]);
    // An unknown key of a mapping: the key that holds the mapping.
    expect(rows(text, schema, () => [{ path: ['sites', 0, 'nope'], message: 'x' }])).toEqual([['SCENARIO_VALUE', 2, 5, 'sites[0].nope', 'sites[0].nope: x']]);
    // The root: 1:1.
    expect(rows(text, schema, () => [{ path: [], message: 'x' }])).toEqual([['SCENARIO_VALUE', 1, 1, '(root)', '(root): x']]);
  });

  it('a path through an alias lands on the anchored node', () => {
    const aliased = 'base: &b {id: a}\nsites:\n  - *b\n';
    const s = z.object({ base: z.object({ id: z.string() }), sites: z.array(z.object({ id: z.string() })) });
    expect(rows(aliased, s, () => [{ path: ['sites', 0, 'id'], message: 'x' }])).toEqual([['SCENARIO_VALUE', 1, 15, 'sites[0].id', 'sites[0].id: x']]);
    expect(rows(aliased, s, () => [{ path: ['sites', 0], message: 'x' }])).toEqual([['SCENARIO_VALUE', 1, 10, 'sites[0]', 'sites[0]: x']]);
  });
});

describe('issue kinds', () => {
  it('numbers: >=, >, <=, < and exactly, integers named as such', () => {
    expect(rows('v: 1\n', atV(z.number().min(2)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected a number >= 2, got 1']]);
    expect(rows('v: 1\n', atV(z.number().gt(3)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected a number > 3, got 1']]);
    expect(rows('v: 5\n', atV(z.number().max(3)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected a number <= 3, got 5']]);
    expect(rows('v: 5\n', atV(z.number().lt(3)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected a number < 3, got 5']]);
    expect(rows('v: 1\n', atV(z.preprocess((x) => BigInt(x as number), z.bigint().min(2n))))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected an integer >= 2, got 1']]);
    expect(rows('v: 5\n', atV(z.preprocess((x) => BigInt(x as number), z.bigint().lt(3n))))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected an integer < 3, got 5']]);
  });

  it('strings: characters at least, more than, at most, less than, exactly', () => {
    expect(rows('v: ab\n', atV(z.string().min(3)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected at least 3 characters, got "ab"']]);
    expect(rows('v: abcd\n', atV(z.string().max(3)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected at most 3 characters, got "abcd"']]);
    expect(rows('v: ab\n', atV(z.string().length(3)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected exactly 3 characters, got "ab"']]);
    expect(rows('v: abcd\n', atV(z.string().length(3)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected exactly 3 characters, got "abcd"']]);
  });

  it('lists and sets: items, with the count when the value is a list', () => {
    expect(rows('v: [1]\n', atV(z.array(z.number()).min(2)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected at least 2 items (got 1)']]);
    expect(rows('v: [1, 2]\n', atV(z.array(z.number()).max(1)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected at most 1 items (got 2)']]);
    expect(rows('v: [1]\n', atV(z.array(z.number()).length(2)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected exactly 2 items (got 1)']]);
    // A set built from a scalar: the file's value is no list, so no count.
    expect(rows('v: 1\n', atV(z.preprocess((x) => new Set([x]), z.set(z.number()).min(2))))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected at least 2 items']]);
    expect(rows('v: [1]\n', atV(z.preprocess((x) => new Set(x as number[]), z.set(z.number()).min(2))))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected at least 2 items (got 1)']]);
  });

  it('a size check on anything else keeps zod\'s words', () => {
    expect(rows('v: 1\n', atV(z.preprocess(() => new Date(-5), z.date().min(new Date(0)))))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: Too small: expected date to be >=0']]);
  });

  it('formats: a pattern is shown, a named format is named; multiples name the divisor', () => {
    expect(rows('v: x\n', atV(z.string().regex(/^a$/)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected text matching /^a$/, got "x"']]);
    expect(rows('v: x\n', atV(z.email()))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected a valid email, got "x"']]);
    expect(rows('v: x\n', atV(z.string().startsWith('a')))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected a valid starts_with, got "x"']]);
    expect(rows('v: 7\n', atV(z.number().multipleOf(5)))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected a multiple of 5, got 7']]);
  });

  it('values: one allowed value is quoted alone, several are listed; a suggestion only for text', () => {
    expect(rows('v: 5\n', atV(z.literal('x')))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected "x", got 5']]);
    expect(rows('v: 5\n', atV(z.literal([1, 2])))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected one of 1, 2, got 5']]);
    expect(rows('v: 5\n', atV(z.enum(['ab', 'cd'])))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected one of ab, cd, got 5']]);
    expect(rows('v: ac\n', atV(z.enum(['ab', 'xy'])))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected one of ab, xy, got "ac" (did you mean "ab"?)']]);
    expect(rows('v: zzzz\n', atV(z.enum(['ab', 'cd'])))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected one of ab, cd, got "zzzz"']]);
    // Values that are not text are described, and only text values are suggestion candidates.
    expect(rows('v: 5\n', atV(z.literal([1, null])))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected one of 1, an empty value, got 5']]);
    expect(rows('v: ac\n', atV(z.literal(['ab', 5])))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected one of ab, 5, got "ac" (did you mean "ab"?)']]);
  });

  it('types: every expected kind in words, the raw name when it has none', () => {
    const cases: Array<[z.ZodType, string]> = [
      [z.object({}), 'a mapping'],
      [z.record(z.string(), z.number()), 'a mapping'],
      [z.array(z.number()), 'a list'],
      [z.tuple([z.number()]), 'a list'],
      [z.string(), 'a string'],
      [z.number(), 'a number'],
      [z.int(), 'a number'],
      [z.boolean(), 'true or false'],
      [z.null(), 'an empty value'],
      [z.bigint(), 'an integer'],
      [z.date(), 'a date'],
      [z.map(z.string(), z.number()), 'a mapping'],
      [z.set(z.number()), 'a list'],
      [z.undefined(), 'undefined'],
      [z.symbol(), 'symbol'],
    ];
    for (const [schema, words] of cases) {
      const value = schema instanceof z.ZodString ? '[1]' : '"t"';
      const got = value === '[1]' ? 'a list' : '"t"';
      expect(rows(`v: ${value}\n`, atV(schema))).toEqual([['SCENARIO_TYPE', 1, 4, 'v', `v: expected ${words}, got ${got}`]]);
    }
  });

  it('an empty document is named as such whatever the root schema expects; an empty value at a key is not', () => {
    expect(rows('# c\n', z.string())).toEqual([['SCENARIO_TYPE', 1, 1, '(root)', 'expected a string, got an empty document']]);
    expect(rows('# c\n', z.array(z.number()))).toEqual([['SCENARIO_TYPE', 1, 1, '(root)', 'expected a list, got an empty document']]);
    expect(rows('v:\n', atV(z.string()))).toEqual([['SCENARIO_TYPE', 1, 1, 'v', 'v: expected a string, got an empty value']]);
    // A scalar document that is not empty is described like any value.
    expect(rows('5\n', z.string())).toEqual([['SCENARIO_TYPE', 1, 1, '(root)', '(root): expected a string, got 5']]);
  });

  it('a list item missing is not a missing key: the list was too short', () => {
    expect(rows('v: [1]\n', atV(z.tuple([z.number(), z.number()])))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected at least 2 items (got 1)']]);
    // `v` itself absent, and `v` present but a list: only the first is a missing key.
    expect(rows('w: 1\n', z.object({ w: z.number(), v: z.number() }))).toEqual([['SCENARIO_MISSING_KEY', 1, 1, 'v', 'missing required key "v" in (root)']]);
    expect(rows('v: [null]\n', atV(z.array(z.number())))).toEqual([['SCENARIO_TYPE', 1, 5, 'v[0]', 'v[0]: expected a number, got an empty value']]);
  });

  it('missing keys of every issue kind are reported at the parent mapping', () => {
    const parent = 'w:\n  a: 1\n';
    const at = (inner: z.ZodType) => rows(parent, z.object({ w: z.object({ a: z.number(), v: inner }) }));
    const missing: Row = ['SCENARIO_MISSING_KEY', 2, 3, 'w.v', 'missing required key "v" in w'];
    expect(at(z.number())).toEqual([missing]);
    expect(at(z.literal('x'))).toEqual([missing]);
    expect(at(z.enum(['x', 'y']))).toEqual([missing]);
    expect(at(z.custom((x) => typeof x === 'string', 'need text'))).toEqual([missing]);
    expect(at(z.union([z.string(), z.number()]))).toEqual([missing]);
    expect(at(z.string().optional().nonoptional())).toEqual([missing]);
    // The same issue kinds for a key that is there report the value.
    expect(rows('w:\n  a: 1\n  v: 2\n', z.object({ w: z.object({ a: z.number(), v: z.custom((x) => typeof x === 'string', 'need text') }) }))).toEqual([['SCENARIO_VALUE', 3, 6, 'w.v', 'w.v: need text']]);
    expect(rows('w:\n  a: 1\n  v: 2\n', z.object({ w: z.object({ a: z.number(), v: z.number().refine(() => false, 'never') }) }))).toEqual([['SCENARIO_VALUE', 3, 6, 'w.v', 'w.v: never']]);
  });

  it('a key missing from a mapping inside a list is placed at that mapping', () => {
    expect(rows('v:\n  - b: 1\n', atV(z.array(z.object({ a: z.number(), b: z.number() }))))).toEqual([['SCENARIO_MISSING_KEY', 2, 5, 'v[0].a', 'missing required key "a" in v[0]']]);
  });

  it('record keys: the key itself is pointed at, with zod\'s reason', () => {
    expect(rows('w:\n  ok: 1\n  A1: 1\n', z.object({ w: z.record(z.string().regex(/^[a-z]+$/), z.number()) }))).toEqual([
      ['SCENARIO_VALUE', 3, 3, 'w.A1', 'invalid key "A1" in w: Invalid string: must match pattern /^[a-z]+$/'],
    ]);
  });

  it('issues at one position are reported once (an intersection repeats its halves\' complaints)', () => {
    const both = z.intersection(z.object({ a: z.number() }), z.object({ a: z.number() }));
    expect(rows('v: {a: x}\n', atV(both))).toEqual([['SCENARIO_TYPE', 1, 8, 'v.a', 'v.a: expected a number, got "x"']]);
    // Different messages at one position both stay, in zod's order.
    const two = z.intersection(z.object({ a: z.number() }), z.object({ a: z.boolean() }));
    expect(rows('v: {a: x}\n', atV(two))).toEqual([
      ['SCENARIO_TYPE', 1, 8, 'v.a', 'v.a: expected a number, got "x"'],
      ['SCENARIO_TYPE', 1, 8, 'v.a', 'v.a: expected true or false, got "x"'],
    ]);
  });

  it('issues on one line come in column order', () => {
    expect(rows('v: {a: x, b: y}\n', atV(z.object({ b: z.number(), a: z.number() })))).toEqual([
      ['SCENARIO_TYPE', 1, 8, 'v.a', 'v.a: expected a number, got "x"'],
      ['SCENARIO_TYPE', 1, 14, 'v.b', 'v.b: expected a number, got "y"'],
    ]);
  });

  it('keys that are not identifiers are quoted in the path and the message', () => {
    expect(rows('"a b": {"c d": x}\n', z.object({ 'a b': z.object({ 'c d': z.number() }) }))).toEqual([['SCENARIO_TYPE', 1, 16, '["a b"]["c d"]', '["a b"]["c d"]: expected a number, got "x"']]);
  });

  it('unknown keys in an aliased mapping point at the anchor for each use', () => {
    const s = z.object({ a: z.strictObject({ p: z.number() }), b: z.strictObject({ p: z.number() }) });
    expect(rows('a: &m {p: 1, q: 2}\nb: *m\n', s)).toEqual([
      ['SCENARIO_UNKNOWN_KEY', 1, 14, 'a.q', 'unknown key "q" in a'],
      ['SCENARIO_UNKNOWN_KEY', 1, 14, 'b.q', 'unknown key "q" in b'],
    ]);
  });

  it('an unknown key suggests the closest allowed key not already there; one suggestion does not hide another key missing', () => {
    const s = z.strictObject({ alpha: z.number(), beta: z.number(), gamma: z.number() });
    // `alpah` suggests alpha (missing alpha is the same typo); `gama` suggests gamma; beta is really missing.
    expect(rows('alpah: 1\ngama: 2\n', s)).toEqual([
      ['SCENARIO_MISSING_KEY', 1, 1, 'beta', 'missing required key "beta" in (root)'],
      ['SCENARIO_UNKNOWN_KEY', 1, 1, 'alpah', 'unknown key "alpah" in (root) (did you mean "alpha"?)'],
      ['SCENARIO_UNKNOWN_KEY', 2, 1, 'gama', 'unknown key "gama" in (root) (did you mean "gamma"?)'],
    ]);
  });
});

describe('unions', () => {
  it('an exclusive union matching twice reports zod\'s message', () => {
    expect(rows('v: abcd\n', atV(z.xor([z.string(), z.string().min(3)])))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: Invalid input: more than one option matched']]);
  });

  it('when every option rejects the shape, the alternatives are listed once each, in order', () => {
    expect(rows('v: [1]\n', atV(z.union([z.literal('a'), z.literal('b'), z.number()])))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: expected "a", "b" or a number, got a list']]);
    expect(rows('v: 1\n', atV(z.union([z.string(), z.string().regex(/x/)])))).toEqual([['SCENARIO_TYPE', 1, 4, 'v', 'v: expected a string, got 1']]);
    expect(rows('v: 5\n', atV(z.xor([z.string(), z.boolean()])))).toEqual([['SCENARIO_TYPE', 1, 4, 'v', 'v: expected a string or true or false, got 5']]);
    expect(rows('v: 1\n', atV(z.union([z.string(), z.boolean(), z.array(z.number())])))).toEqual([['SCENARIO_TYPE', 1, 4, 'v', 'v: expected a string, true or false or a list, got 1']]);
  });

  it('otherwise the option with the fewest complaints is reported; a tie goes to the earlier option', () => {
    const fewest = z.union([z.object({ a: z.number(), b: z.number() }), z.object({ a: z.number() })]);
    expect(rows('v: {a: x}\n', atV(fewest))).toEqual([['SCENARIO_TYPE', 1, 8, 'v.a', 'v.a: expected a number, got "x"']]);
    const fewestSecond = z.union([z.object({ a: z.boolean(), b: z.boolean() }), z.object({ a: z.number() })]);
    expect(rows('v: {a: x}\n', atV(fewestSecond))).toEqual([['SCENARIO_TYPE', 1, 8, 'v.a', 'v.a: expected a number, got "x"']]);
    const tie = z.union([z.object({ a: z.boolean() }), z.object({ a: z.number() })]);
    expect(rows('v: {a: x}\n', atV(tie))).toEqual([['SCENARIO_TYPE', 1, 8, 'v.a', 'v.a: expected true or false, got "x"']]);
    // An option that rejects the shape is passed over even when it has fewer complaints.
    const mixed = z.union([z.string(), z.object({ a: z.number(), b: z.number() })]);
    expect(rows('v: {a: x}\n', atV(mixed))).toEqual([
      ['SCENARIO_MISSING_KEY', 1, 4, 'v.b', 'missing required key "b" in v'],
      ['SCENARIO_TYPE', 1, 8, 'v.a', 'v.a: expected a number, got "x"'],
    ]);
  });

  it('a discriminated union given something that is not a mapping says so', () => {
    expect(rows('v: 5\n', atV(z.discriminatedUnion('k', [z.object({ k: z.literal('x') })])))).toEqual([['SCENARIO_TYPE', 1, 4, 'v', 'v: expected a mapping, got 5']]);
  });

  it('a discriminator of the wrong type gets no suggestion', () => {
    const s = atV(z.discriminatedUnion('k', [z.object({ k: z.literal('outage') }), z.object({ k: z.literal('storm') })]));
    expect(rows('v: {k: 5}\n', s)).toEqual([['SCENARIO_VALUE', 1, 8, 'v.k', 'v.k: expected one of outage, storm, got 5']]);
    expect(rows('v: {k: storn}\n', s)).toEqual([['SCENARIO_VALUE', 1, 8, 'v.k', 'v.k: expected one of outage, storm, got "storn" (did you mean "storm"?)']]);
  });
});

describe('allowedKeys', () => {
  it('follows wrappers: nullable, readonly, catch, prefault, default, pipes, lazy, intersections', () => {
    const obj = z.object({ b: z.number(), a: z.number() });
    expect(allowedKeys(obj, [], {})).toEqual(['a', 'b']);
    expect(allowedKeys(obj.nullable(), [], {})).toEqual(['a', 'b']);
    expect(allowedKeys(obj.readonly(), [], {})).toEqual(['a', 'b']);
    expect(allowedKeys(obj.catch({ a: 0, b: 0 }), [], {})).toEqual(['a', 'b']);
    expect(allowedKeys(obj.prefault({ a: 0, b: 0 }), [], {})).toEqual(['a', 'b']);
    expect(allowedKeys(obj.default({ a: 0, b: 0 }), [], {})).toEqual(['a', 'b']);
    expect(allowedKeys(obj.optional().nonoptional(), [], {})).toEqual(['a', 'b']);
    expect(allowedKeys(obj.transform((x) => x.a), [], {})).toEqual(['a', 'b']);
    expect(allowedKeys(z.lazy(() => obj), [], {})).toEqual(['a', 'b']);
    expect(allowedKeys(z.intersection(z.object({ c: z.number() }), obj), [], {})).toEqual(['a', 'b', 'c']);
    expect(allowedKeys(z.union([z.object({ c: z.number() }), obj]), [], {})).toEqual(['a', 'b', 'c']);
  });

  it('walks into object fields, catch-alls, list elements, record values and tuple items', () => {
    const inner = z.object({ q: z.number() });
    expect(allowedKeys(z.object({ x: inner }), ['x'], {})).toEqual(['q']);
    expect(allowedKeys(z.object({}).catchall(inner), ['anything'], {})).toEqual(['q']);
    expect(allowedKeys(z.array(inner), [3], [])).toEqual(['q']);
    expect(allowedKeys(z.record(z.string(), inner), ['k'], {})).toEqual(['q']);
    expect(allowedKeys(z.tuple([z.object({ x: z.number() }), inner]), [1], [])).toEqual(['q']);
    expect(allowedKeys(z.tuple([z.object({ x: z.number() })], inner), [4], [])).toEqual(['q']);
    expect(allowedKeys(z.tuple([z.object({ x: z.number() })]), [4], [])).toEqual([]);
    // A tuple is not entered by a key, nor a scalar by anything.
    expect(allowedKeys(z.tuple([inner]), ['0'], {})).toEqual([]);
    expect(allowedKeys(z.object({ x: z.number() }), ['x', 'y'], { x: 1 })).toEqual([]);
    expect(allowedKeys(z.object({ x: inner }), ['nope'], {})).toEqual([]);
  });

  it('record keys from an enum or literals, through wrappers; an open record adds none', () => {
    expect(allowedKeys(z.record(z.enum(['b', 'a']), z.number()), [], {})).toEqual(['a', 'b']);
    expect(allowedKeys(z.partialRecord(z.enum(['b', 'a']).optional() as never, z.number()), [], {})).toEqual(['a', 'b']);
    expect(allowedKeys(z.record(z.literal(['y', 'x']), z.number()), [], {})).toEqual(['x', 'y']);
    expect(allowedKeys(z.record(z.string(), z.number()), [], {})).toEqual([]);
  });

  it('discriminated unions narrow to the option the data names; an unknown tag, or no mapping, keeps them all', () => {
    const u = z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('a'), x: z.number() }),
      z.object({ kind: z.literal('b'), y: z.number() }),
      z.object({ kind: z.literal(['c', 'd']), w: z.number() }),
    ]);
    expect(allowedKeys(u, [], { kind: 'b' })).toEqual(['kind', 'y']);
    expect(allowedKeys(u, [], { kind: 'd' })).toEqual(['kind', 'w']);
    expect(allowedKeys(u, [], { kind: 'zzz' })).toEqual(['kind', 'w', 'x', 'y']);
    expect(allowedKeys(u, [], { other: 'b' })).toEqual(['kind', 'w', 'x', 'y']);
    expect(allowedKeys(u, [], ['b'])).toEqual(['kind', 'w', 'x', 'y']);
    expect(allowedKeys(u, [], null)).toEqual(['kind', 'w', 'x', 'y']);
    // The data along the path chooses the option at each level.
    expect(allowedKeys(z.object({ list: z.array(u) }), ['list', 1], { list: [{ kind: 'a' }, { kind: 'b' }] })).toEqual(['kind', 'y']);
    // A tag that is an enum, behind a wrapper, narrows as well.
    const e = z.discriminatedUnion('t', [z.object({ t: z.enum(['p']).optional(), p: z.number() }), z.object({ t: z.enum(['q']), q: z.number() })]);
    expect(allowedKeys(e, [], { t: 'q' })).toEqual(['q', 't']);
  });

  it('a schema that refers to itself forever ends with what it found', () => {
    const loop: z.ZodType = z.lazy(() => loop);
    expect(allowedKeys(loop, [], {})).toEqual([]);
    // A union that contains itself: each level goes one deeper, so the walk ends too.
    const unionLoop: z.ZodType = z.lazy(() => z.union([unionLoop, z.object({ u: z.number() })]));
    expect(allowedKeys(unionLoop, [], {})).toEqual(['u']);
    const deep: z.ZodType = z.lazy(() => z.object({ a: z.number() }).optional());
    expect(allowedKeys(deep, [], {})).toEqual(['a']);
  });
});
