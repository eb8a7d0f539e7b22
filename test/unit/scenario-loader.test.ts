import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { didYouMean } from '../../harness/scenario/did-you-mean.ts';
import { zDuration } from '../../common/duration.ts';
import { ScenarioError, formatIssues } from '../../harness/scenario/errors.ts';
import { allowedKeys, loadYamlFile, parseYamlWithSchema } from '../../harness/scenario/load-yaml.ts';

// A miniature of the real scenario schema: nested strict objects, arrays of objects, an enum,
// durations, a discriminated union, an exhaustive record and a plain union.
const building = z.strictObject({
  name: z.string(),
  type: z.enum(['office', 'clinic', 'retail', 'multifamily', 'home']),
  floors: z.number().int().min(1),
});
const fault = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('outage'), at: zDuration, duration: zDuration }),
  z.strictObject({ kind: z.literal('storm'), intensity: z.number() }),
]);
const schema = z.strictObject({
  name: z.string(),
  duration: zDuration,
  tick: zDuration.optional(),
  fleet: z.strictObject({
    sites: z.array(z.strictObject({ id: z.string(), buildings: z.array(building) })),
  }),
  faults: z.array(fault).default([]),
  weights: z.record(z.enum(['thermostat', 'lock']), z.number()).optional(),
  firmware: z.union([z.literal('latest'), z.number()]).optional(),
});

const VALID = `name: demo
duration: 2d 03:00
tick: 500ms
fleet:
  sites:
    - id: s1
      buildings:
        - name: hq
          type: office
          floors: 3
faults:
  - kind: outage
    at: 36h
    duration: 90m
  - kind: storm
    intensity: 0.5
firmware: latest
`;

function scenarioError(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

function parse(text: string): unknown {
  return parseYamlWithSchema(text, 'scenarios/x.yaml', schema);
}

/** Replace the line holding `from` (exact substring) with `to`. */
function edit(from: string, to: string, text = VALID): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe('parseYamlWithSchema', () => {
  it('returns the transformed value for a valid document (durations in ms, defaults applied)', () => {
    expect(parse(VALID)).toEqual({
      name: 'demo',
      duration: 2 * 86_400_000 + 3 * 3_600_000,
      tick: 500,
      fleet: { sites: [{ id: 's1', buildings: [{ name: 'hq', type: 'office', floors: 3 }] }] },
      faults: [
        { kind: 'outage', at: 36 * 3_600_000, duration: 90 * 60_000 },
        { kind: 'storm', intensity: 0.5 },
      ],
      firmware: 'latest',
    });
    expect(parse('name: n\nduration: 90s\nfleet: {sites: []}\n')).toEqual({ name: 'n', duration: 90_000, fleet: { sites: [] }, faults: [] });
  });

  it('reports an unknown key deep in the tree at the key, with did-you-mean', () => {
    const err = scenarioError(() => parse(edit('          floors: 3', '          floorz: 3')));
    expect(err.code).toBe('SCENARIO_UNKNOWN_KEY');
    expect(err.message).toBe('scenarios/x.yaml:10:11: unknown key "floorz" in fleet.sites[0].buildings[0] (did you mean "floors"?)');
    expect([err.file, err.line, err.column, err.key_path]).toEqual(['scenarios/x.yaml', 10, 11, 'fleet.sites[0].buildings[0].floorz']);
    // The typo also leaves `floors` missing; that is the same mistake, so it is not reported twice.
    expect(err.issues).toHaveLength(1);
  });

  it('offers no suggestion when nothing is close', () => {
    const err = scenarioError(() => parse(edit('tick: 500ms', 'colour: blue')));
    expect(err.message).toBe('scenarios/x.yaml:3:1: unknown key "colour" in (root)');
  });

  it('reports a wrong type at the value', () => {
    const err = scenarioError(() => parse(edit('floors: 3', 'floors: three')));
    expect(err.code).toBe('SCENARIO_TYPE');
    expect(err.message).toBe('scenarios/x.yaml:10:19: fleet.sites[0].buildings[0].floors: expected a number, got "three"');
  });

  it('reports a mapping given where a list was expected', () => {
    const err = scenarioError(() => parse('name: n\nduration: 1h\nfleet:\n  sites:\n    id: s0\n'));
    expect(err.code).toBe('SCENARIO_TYPE');
    expect(err.key_path).toBe('fleet.sites');
    expect(err.message).toMatch(/^scenarios\/x\.yaml:5:5: fleet\.sites: expected a list, got a mapping$/);
  });

  it('reports a bad enum value with a suggestion', () => {
    const err = scenarioError(() => parse(edit('type: office', 'type: ofice')));
    expect(err.code).toBe('SCENARIO_VALUE');
    expect(err.message).toBe(
      'scenarios/x.yaml:9:17: fleet.sites[0].buildings[0].type: expected one of office, clinic, retail, multifamily, home, got "ofice" (did you mean "office"?)',
    );
  });

  it('reports a bad duration with the expected form', () => {
    const err = scenarioError(() => parse(edit('duration: 2d 03:00', 'duration: banana')));
    expect(err.code).toBe('SCENARIO_VALUE');
    expect(err.message).toBe('scenarios/x.yaml:2:11: duration: expected a duration like "90m", "36h", "7d" or "2d 03:00", got "banana"');
  });

  it('explains why a duration-shaped value is still wrong', () => {
    const err = scenarioError(() => parse(edit('at: 36h', 'at: 30m 1h')));
    expect(err.key_path).toBe('faults[0].at');
    expect(err.message).toContain('got "30m 1h" (units must go from largest to smallest');
    const bool = scenarioError(() => parse(edit('tick: 500ms', 'tick: true')));
    expect(bool.message).toBe('scenarios/x.yaml:3:7: tick: expected a duration like "90m", "36h", "7d" or "2d 03:00", got true');
  });

  it('reports a missing key at the parent mapping', () => {
    const err = scenarioError(() => parse(`# a comment first\n\n${edit('duration: 2d 03:00\n', '')}`));
    expect(err.code).toBe('SCENARIO_MISSING_KEY');
    expect(err.message).toBe('scenarios/x.yaml:3:1: missing required key "duration" in (root)');
    expect(err.key_path).toBe('duration');
  });

  it('points an empty value at its key', () => {
    const err = scenarioError(() => parse(edit('name: hq', 'name:')));
    expect(err.message).toBe('scenarios/x.yaml:8:11: fleet.sites[0].buildings[0].name: expected a string, got an empty value');
  });

  it('reports YAML syntax errors at the error position', () => {
    const err = scenarioError(() => parse('name: demo\nfleet: [1, 2\nduration: 1h\n'));
    expect(err.code).toBe('SCENARIO_YAML');
    expect([err.line, err.column]).toEqual([3, 1]);
    expect(err.message).toMatch(/^scenarios\/x\.yaml:3:1: invalid YAML: /);
  });

  it('treats duplicate keys as an error', () => {
    const err = scenarioError(() => parse(edit('          floors: 3', '          floors: 3\n          floors: 4')));
    expect(err.code).toBe('SCENARIO_YAML');
    expect(err.message).toBe('scenarios/x.yaml:11:11: duplicate key "floors" in fleet.sites[0].buildings[0]');
    expect(err.key_path).toBe('fleet.sites[0].buildings[0].floors');
  });

  it('rejects multi-document files', () => {
    const err = scenarioError(() => parse(`${VALID}---\nname: other\n`));
    expect(err.code).toBe('SCENARIO_YAML');
    expect(err.message).toBe('scenarios/x.yaml:18:1: a scenario file must hold a single YAML document, found another after "---"');
  });

  it('counts columns the way editors do, ignoring a byte-order mark and CRLF', () => {
    const err = scenarioError(() => parse(`\uFEFF${edit('type: office', 'type: ofice')}`.replaceAll('\n', '\r\n')));
    expect([err.line, err.column]).toEqual([9, 17]);
  });

  it('treats unknown tags as an error rather than silently reading a string', () => {
    const err = scenarioError(() => parse(edit('tick: 500ms', 'tick: !secs 500')));
    expect(err.code).toBe('SCENARIO_YAML');
    expect([err.line, err.column]).toEqual([3, 7]);
  });

  it('reports an empty document clearly', () => {
    const err = scenarioError(() => parse('# nothing here\n'));
    expect(err.code).toBe('SCENARIO_TYPE');
    expect(err.message).toBe('scenarios/x.yaml:1:1: expected a mapping, got an empty document');
  });

  it('collects every issue, sorted by position', () => {
    let text = edit('tick: 500ms', 'tick: soon');
    text = edit('type: office', 'type: shop', text);
    text = edit('  sites:', '  sitez: []\n  sites:', text);
    text = edit('name: demo', 'nmae: demo', text);
    const err = scenarioError(() => parse(text));
    // `nmae` also leaves `name` missing; the merged report keeps only the unknown key.
    expect(err.issues.map((i) => [i.line, i.code, i.key_path])).toEqual([
      [1, 'SCENARIO_UNKNOWN_KEY', 'nmae'],
      [3, 'SCENARIO_VALUE', 'tick'],
      [5, 'SCENARIO_UNKNOWN_KEY', 'fleet.sitez'],
      [10, 'SCENARIO_VALUE', 'fleet.sites[0].buildings[0].type'],
    ]);
    expect(err.message).toBe('scenarios/x.yaml:1:1: unknown key "nmae" in (root) (did you mean "name"?)');
    // `sites` is already there, so suggesting it would point at a duplicate, not a fix.
    expect(err.issues[2]?.message).toBe('unknown key "sitez" in fleet');
    expect(formatIssues(err).split('\n')).toHaveLength(4);
    expect(formatIssues(err).split('\n')[1]).toMatch(/^scenarios\/x\.yaml:3:7: tick: expected a duration/);
  });

  describe('discriminated unions', () => {
    it('suggests keys from the option selected by the discriminator', () => {
      const err = scenarioError(() => parse(edit('intensity: 0.5', 'intensty: 0.5')));
      expect(err.issues.find((i) => i.code === 'SCENARIO_UNKNOWN_KEY')?.message).toBe('unknown key "intensty" in faults[1] (did you mean "intensity"?)');
      const dur = scenarioError(() => parse(edit('duration: 90m', 'duraton: 90m')));
      expect(dur.issues.find((i) => i.code === 'SCENARIO_UNKNOWN_KEY')?.message).toBe('unknown key "duraton" in faults[0] (did you mean "duration"?)');
    });

    it('reports a bad discriminator with a suggestion', () => {
      const err = scenarioError(() => parse(edit('kind: outage', 'kind: outag')));
      expect(err.code).toBe('SCENARIO_VALUE');
      expect(err.message).toBe('scenarios/x.yaml:12:11: faults[0].kind: expected one of outage, storm, got "outag" (did you mean "outage"?)');
    });

    it('reports a missing discriminator', () => {
      const err = scenarioError(() => parse(edit('  - kind: storm\n    intensity', '  - intensity')));
      expect(err.code).toBe('SCENARIO_MISSING_KEY');
      expect(err.message).toBe('scenarios/x.yaml:15:5: missing required key "kind" in faults[1] (one of outage, storm)');
    });
  });

  it('suggests record keys of an exhaustive record', () => {
    const err = scenarioError(() => parse(`${VALID}weights: {thermostat: 1, lock: 2, lcok: 3}\n`));
    expect(err.code).toBe('SCENARIO_UNKNOWN_KEY');
    expect(err.message).toBe('scenarios/x.yaml:18:35: unknown key "lcok" in weights');
  });

  it('describes plain unions by their alternatives', () => {
    const lit = scenarioError(() => parse(edit('firmware: latest', 'firmware: lastest')));
    expect(lit.message).toBe('scenarios/x.yaml:17:11: firmware: expected "latest" or a number, got "lastest" (did you mean "latest"?)');
    const typ = scenarioError(() => parse(edit('firmware: latest', 'firmware: [1]')));
    expect(typ.message).toBe('scenarios/x.yaml:17:11: firmware: expected "latest" or a number, got a list');
  });

  it('reports range checks readably', () => {
    const err = scenarioError(() => parse(edit('floors: 3', 'floors: 0')));
    expect(err.message).toBe('scenarios/x.yaml:10:19: fleet.sites[0].buildings[0].floors: expected a number >= 1, got 0');
  });

  it('points errors inside aliased nodes at the anchor', () => {
    const text = `name: n\nduration: 1h\nfleet:\n  sites:\n    - id: a\n      buildings: &b\n        - {name: x, type: ofice, floors: 1}\n    - id: b\n      buildings: *b\n`;
    const err = scenarioError(() => parse(text));
    expect(err.issues.map((i) => `${i.line}:${i.column} ${i.key_path}`)).toEqual([
      '7:27 fleet.sites[0].buildings[0].type',
      '7:27 fleet.sites[1].buildings[0].type',
    ]);
  });
});

describe('loadYamlFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-scenario-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads and validates a file', () => {
    const path = join(dir, 'ok.yaml');
    writeFileSync(path, VALID);
    expect(loadYamlFile(path, schema).duration).toBe(183_600_000);
  });

  it('cites the path as given in validation errors', () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, edit('duration: 2d 03:00', 'duration: 3 days'));
    const err = scenarioError(() => loadYamlFile(path, schema));
    expect(err.message.startsWith(`${path}:2:11: duration: expected a duration`)).toBe(true);
  });

  it('reports a missing file as SCENARIO_READ', () => {
    const path = join(dir, 'nope.yaml');
    const err = scenarioError(() => loadYamlFile(path, schema));
    expect(err.code).toBe('SCENARIO_READ');
    expect(err.message).toBe(`${path}: cannot read scenario file (no such file)`);
  });
});

describe('didYouMean', () => {
  it('is case-insensitive, bounded and deterministic on ties', () => {
    expect(didYouMean('Office', ['office', 'clinic'])).toBe('office');
    expect(didYouMean('floorz', ['floors', 'flows'])).toBe('floors');
    expect(didYouMean('banana', ['office', 'clinic'])).toBeUndefined();
    expect(didYouMean('ab', ['ac', 'aa'])).toBe('aa');
    expect(didYouMean('ab', ['aa', 'ac'])).toBe('aa');
    expect(didYouMean('x', ['y'])).toBeUndefined();
    // Long words get a larger budget: 3 edits on a 9+ letter word.
    expect(didYouMean('intensits', ['intensity'])).toBe('intensity');
    expect(didYouMean('multifmly', ['multifamily'])).toBe('multifamily');
    expect(didYouMean('abcdefgh', ['abcdexyz'])).toBeUndefined();
  });
});

describe('allowedKeys', () => {
  it('walks objects, arrays, defaults, optionals and discriminated unions', () => {
    expect(allowedKeys(schema, [], {})).toEqual(['duration', 'faults', 'firmware', 'fleet', 'name', 'tick', 'weights']);
    expect(allowedKeys(schema, ['fleet', 'sites', 0, 'buildings', 0], {})).toEqual(['floors', 'name', 'type']);
    expect(allowedKeys(schema, ['faults', 0], { faults: [{ kind: 'storm' }] })).toEqual(['intensity', 'kind']);
    // Without a usable discriminator every option contributes.
    expect(allowedKeys(schema, ['faults', 0], { faults: [{}] })).toEqual(['at', 'duration', 'intensity', 'kind']);
    expect(allowedKeys(schema, ['weights'], {})).toEqual(['lock', 'thermostat']);
  });
});
