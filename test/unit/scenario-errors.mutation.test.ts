import { describe, expect, it } from 'vitest';
import { MspError } from '../../common/errors.ts';
import { ScenarioError, describeValue, formatIssue, formatIssues, formatLocation, type ScenarioIssue } from '../../harness/scenario/errors.ts';

// harness/scenario/errors.ts: the one-line form of a scenario problem and the error that carries
// them all, written to kill the mutants StrykerJS left alive (docs/testing.md, "Mutation testing").

const issue = (over: Partial<ScenarioIssue> = {}): ScenarioIssue => ({ code: 'SCENARIO_VALUE', file: 's.yaml', line: 3, column: 7, key_path: 'a.b', message: 'a.b: bad', ...over });

describe('formatLocation and formatIssue', () => {
  it('file:line:col when there is a position; the file alone at line 0', () => {
    expect(formatLocation(issue())).toBe('s.yaml:3:7');
    expect(formatLocation(issue({ line: 1, column: 1 }))).toBe('s.yaml:1:1');
    expect(formatLocation(issue({ line: 0, column: 0 }))).toBe('s.yaml');
    expect(formatIssue(issue())).toBe('s.yaml:3:7: a.b: bad');
    expect(formatIssue(issue({ line: 0, column: 0, message: 'cannot read' }))).toBe('s.yaml: cannot read');
  });
});

describe('ScenarioError', () => {
  it('takes the first issue for its code, position and message (no code suffix), keeps a copy of all', () => {
    const issues = [issue({ code: 'SCENARIO_UNKNOWN_KEY', line: 2, column: 5, key_path: 'x', message: 'unknown key "x"' }), issue()];
    const cause = new Error('under');
    const err = new ScenarioError(issues, { cause });
    expect(err).toBeInstanceOf(MspError);
    expect(err.name).toBe('ScenarioError');
    expect(err.code).toBe('SCENARIO_UNKNOWN_KEY');
    expect(err.exit).toBe('bad_input');
    expect(err.message).toBe('s.yaml:2:5: unknown key "x"');
    expect([err.file, err.line, err.column, err.key_path]).toEqual(['s.yaml', 2, 5, 'x']);
    expect(err.cause).toBe(cause);
    expect(err.issues).toEqual(issues);
    issues.pop();
    expect(err.issues).toHaveLength(2);
    expect(formatIssues(err)).toBe('s.yaml:2:5: unknown key "x"\ns.yaml:3:7: a.b: bad');
    expect(new ScenarioError([issue()]).cause).toBeUndefined();
  });

  it('refuses to be built without an issue', () => {
    expect(() => new ScenarioError([])).toThrow(new TypeError('ScenarioError requires at least one issue'));
  });

  it('describes values the shared way', () => {
    expect([describeValue('7'), describeValue(7), describeValue(undefined), describeValue([1])]).toEqual(['"7"', '7', 'nothing', 'a list']);
  });
});
