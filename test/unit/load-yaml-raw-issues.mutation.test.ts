import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { allowedKeys, parseYamlWithSchema } from '../../harness/scenario/load-yaml.ts';

// harness/scenario/load-yaml.ts: issue shapes the zod schemas of this repo never raise but the
// loader still words (a size check that is exclusive on text, an `int` origin, a regex format
// without its pattern, an issue code it has no case for, a union issue with no branches), raised
// by hand with `ctx.addIssue`, so each branch of `convertIssue` and `convertUnion` is pinned
// (docs/testing.md, "Mutation testing"). Lines and columns counted by hand; `v: ` puts the value
// at column 4.

type Row = [code: string, line: number, column: number, key_path: string, message: string];

function rows(text: string, schema: z.ZodType): Row[] {
  try {
    parseYamlWithSchema(text, 'f.yaml', schema);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).issues.map((i) => [i.code, i.line, i.column, i.key_path, i.message]);
  }
  throw new Error('expected a ScenarioError');
}

/** A schema at `v` that accepts anything and then raises `issue` as given. */
const raising = (issue: Record<string, unknown>) => z.object({ v: z.any().superRefine((_, ctx) => ctx.addIssue(issue as never)) });

describe('size issues zod only raises for numbers, worded for text and integers', () => {
  it('exclusive bounds on text are "more than" and "less than"', () => {
    expect(rows('v: ab\n', raising({ code: 'too_small', origin: 'string', minimum: 3, inclusive: false, message: 'zod words' }))).toEqual([
      ['SCENARIO_VALUE', 1, 4, 'v', 'v: expected more than 3 characters, got "ab"'],
    ]);
    expect(rows('v: abcd\n', raising({ code: 'too_big', origin: 'string', maximum: 3, inclusive: false, message: 'zod words' }))).toEqual([
      ['SCENARIO_VALUE', 1, 4, 'v', 'v: expected less than 3 characters, got "abcd"'],
    ]);
  });

  it('an int origin is "an integer"; an exact number bound is "="', () => {
    expect(rows('v: 1\n', raising({ code: 'too_small', origin: 'int', minimum: 2, inclusive: true, message: 'zod words' }))).toEqual([
      ['SCENARIO_VALUE', 1, 4, 'v', 'v: expected an integer >= 2, got 1'],
    ]);
    expect(rows('v: 1\n', raising({ code: 'too_small', origin: 'number', minimum: 2, inclusive: true, exact: true, message: 'zod words' }))).toEqual([
      ['SCENARIO_VALUE', 1, 4, 'v', 'v: expected a number = 2, got 1'],
    ]);
  });
});

describe('formats and codes without a case', () => {
  it('a regex format without its pattern is named like any format', () => {
    expect(rows('v: x\n', raising({ code: 'invalid_format', format: 'regex', message: 'zod words' }))).toEqual([
      ['SCENARIO_VALUE', 1, 4, 'v', 'v: expected a valid regex, got "x"'],
    ]);
  });

  it('a code the loader has no case for keeps zod\'s message at the value, or is a missing key when the key is absent', () => {
    const element = { code: 'invalid_element', origin: 'map', key: 'k', issues: [], message: 'bad element' };
    expect(rows('v: 1\n', raising(element))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: bad element']]);
    expect(rows('w: 1\n', raising(element))).toEqual([['SCENARIO_MISSING_KEY', 1, 1, 'v', 'missing required key "v" in (root)']]);
  });
});

describe('record keys', () => {
  it('a key outside the enum lists the allowed keys, with a suggestion, placed at the key; a record at the root is "in (root)"', () => {
    // An enum key type makes zod check the keys as a closed set (unknown keys); piped, each key is checked alone.
    const root = z.record(z.string().pipe(z.enum(['alpha', 'beta'])), z.number());
    expect(rows('alpha: 1\nbetta: 2\n', root)).toEqual([['SCENARIO_VALUE', 2, 1, 'betta', 'invalid key "betta" in (root): expected one of alpha, beta (did you mean "beta"?)']]);
  });

  it('an invalid-key issue with no inner issue keeps its own message; one at the root names an empty key', () => {
    expect(rows('v: 1\n', raising({ code: 'invalid_key', origin: 'record', issues: [], message: 'own words' }))).toEqual([
      ['SCENARIO_VALUE', 1, 1, 'v', 'invalid key "v" in (root): own words'],
    ]);
    const atRoot = z.any().superRefine((_, ctx) => ctx.addIssue({ code: 'invalid_key', origin: 'record', issues: [], message: 'root words' } as never));
    expect(rows('a: 1\n', atRoot)).toEqual([['SCENARIO_VALUE', 1, 1, '(root)', 'invalid key "" in (root): root words']]);
  });
});

describe('union issues raised by hand', () => {
  it('a union issue with no branches keeps zod\'s message, inclusive or not', () => {
    expect(rows('v: 1\n', raising({ code: 'invalid_union', errors: [], message: 'no branch' }))).toEqual([['SCENARIO_VALUE', 1, 4, 'v', 'v: no branch']]);
  });

  it('an exclusive union with branches keeps zod\'s message, not a branch\'s', () => {
    const branch = [{ code: 'custom', path: [], message: 'branch words' }];
    expect(rows('v: 1\n', raising({ code: 'invalid_union', inclusive: false, errors: [branch], message: 'exclusive words' }))).toEqual([
      ['SCENARIO_VALUE', 1, 4, 'v', 'v: exclusive words'],
    ]);
  });

  it('a discriminator with branches is reported through its best branch; options without a discriminator are not listed', () => {
    const branch = [{ code: 'custom', path: [], message: 'branch words' }];
    expect(rows('v: 1\n', raising({ code: 'invalid_union', discriminator: 'k', options: ['a', 'b'], errors: [branch], message: 'union words' }))).toEqual([
      ['SCENARIO_VALUE', 1, 4, 'v', 'v: branch words'],
    ]);
    expect(rows('v: 1\n', raising({ code: 'invalid_union', options: ['a', 'b'], errors: [], message: 'union words' }))).toEqual([
      ['SCENARIO_VALUE', 1, 4, 'v', 'v: union words'],
    ]);
  });
});

describe('suggestions', () => {
  it('an unknown key with no suggestion does not hide a missing key literally named "undefined"', () => {
    expect(rows('zzzzzzzzzz: 1\n', z.strictObject({ undefined: z.number() }))).toEqual([
      ['SCENARIO_MISSING_KEY', 1, 1, 'undefined', 'missing required key "undefined" in (root)'],
      ['SCENARIO_UNKNOWN_KEY', 1, 1, 'zzzzzzzzzz', 'unknown key "zzzzzzzzzz" in (root)'],
    ]);
  });
});

describe('a value the schema reshapes before checking (dataAt and isMissingKey on the file\'s own value)', () => {
  // The preprocess hands zod a value the file does not have, so the path zod reports runs through
  // something in the file that is no mapping: the key is not "missing", nothing is found there,
  // and the issue is placed at the deepest key the file has (`v`, 1:1).
  const reshaped = z.object({ v: z.preprocess(() => ({ a: 'x' }), z.object({ a: z.number() })) });

  it('through an empty value, a number or a list', () => {
    expect(rows('v: ~\n', reshaped)).toEqual([['SCENARIO_TYPE', 1, 1, 'v.a', 'v.a: expected a number, got nothing']]);
    expect(rows('v: 5\n', reshaped)).toEqual([['SCENARIO_TYPE', 1, 1, 'v.a', 'v.a: expected a number, got nothing']]);
    expect(rows('v: [1]\n', reshaped)).toEqual([['SCENARIO_TYPE', 1, 1, 'v.a', 'v.a: expected a number, got nothing']]);
  });

  it('an index into text finds nothing, not the text\'s character', () => {
    const list = z.object({ v: z.preprocess(() => ['x'], z.array(z.number())) });
    expect(rows('v: abc\n', list)).toEqual([['SCENARIO_TYPE', 1, 1, 'v[0]', 'v[0]: expected a number, got nothing']]);
  });
});

describe('more union and unknown-key cases', () => {
  it('every branch rejecting the shape with no words for it reads "something else" (a type complaint: no literal was offered)', () => {
    const branch = [{ code: 'invalid_value', path: [], values: [], message: 'no value fits' }];
    expect(rows('v: 1\n', raising({ code: 'invalid_union', errors: [branch, branch], message: 'union words' }))).toEqual([
      ['SCENARIO_TYPE', 1, 4, 'v', 'v: expected something else, got 1'],
    ]);
  });

  it('a type complaint below the union\'s own level is not a shape rejection: the first of two tied branches is reported', () => {
    const u = z.object({ v: z.union([z.object({ a: z.number() }), z.object({ a: z.string() })]) });
    expect(rows('v: {a: true}\n', u)).toEqual([['SCENARIO_TYPE', 1, 8, 'v.a', 'v.a: expected a number, got true']]);
  });

  it('unknown keys of a value reshaped from an empty one point at that value', () => {
    const reshaped = z.object({ v: z.preprocess(() => ({ x: 1 }), z.strictObject({})) });
    expect(rows('v: ~\n', reshaped)).toEqual([['SCENARIO_UNKNOWN_KEY', 1, 4, 'v.x', 'unknown key "x" in v']]);
  });
});

describe('allowedKeys at the unwrap limit (64 levels below the root are walked, the 65th is not)', () => {
  const obj = z.object({ a: z.number() });
  function wrapped(n: number, wrap: (s: z.ZodType) => z.ZodType): z.ZodType {
    let s: z.ZodType = obj;
    for (let i = 0; i < n; i++) s = wrap(s);
    return s;
  }

  it('through optional wrappers, pipes and both sides of intersections', () => {
    const wraps: Array<(s: z.ZodType) => z.ZodType> = [
      (s) => s.optional(),
      (s) => s.pipe(z.any()),
      (s) => z.intersection(s, z.any()),
      (s) => z.intersection(z.any(), s),
    ];
    for (const wrap of wraps) {
      expect(allowedKeys(wrapped(64, wrap), [], {})).toEqual(['a']);
      expect(allowedKeys(wrapped(65, wrap), [], {})).toEqual([]);
    }
  });

  it('a success wrapper is followed too', () => {
    expect(allowedKeys(z.success(obj), [], {})).toEqual(['a']);
  });
});

describe('an empty document reshaped into a mapping', () => {
  it('a key the reshaped mapping lacks is no "empty document": it is found nowhere in the file, so it is placed at 1:1', () => {
    expect(rows('', z.preprocess(() => ({}), z.object({ a: z.number() })))).toEqual([['SCENARIO_TYPE', 1, 1, 'a', 'a: expected a number, got nothing']]);
  });
});

describe('allowedKeys and plain unions', () => {
  it('a union without a discriminator never narrows, even when the data has a key named "undefined" that one option fixes', () => {
    const u = z.union([z.object({ undefined: z.literal(1), a: z.number() }), z.object({ undefined: z.literal(2), b: z.number() })]);
    expect(allowedKeys(u, [], { undefined: 1 })).toEqual(['a', 'b', 'undefined']);
  });
});
