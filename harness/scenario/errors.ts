import { MspError } from '../../common/errors.ts';
/**
 * Errors raised while loading a scenario file. Every problem is tied to a `file:line:col` and a
 * key path so the CLI can print one actionable line and exit non-zero; tests and tooling match on
 * `code`, never on message text.
 */

export type ScenarioErrorCode =
  | 'SCENARIO_READ'
  | 'SCENARIO_YAML'
  | 'SCENARIO_UNKNOWN_KEY'
  | 'SCENARIO_MISSING_KEY'
  | 'SCENARIO_TYPE'
  | 'SCENARIO_VALUE';

export interface ScenarioIssue {
  code: ScenarioErrorCode;
  file: string;
  /** 1-based; 0 when the problem has no position (e.g. the file could not be read). */
  line: number;
  /** 1-based; 0 when `line` is 0. */
  column: number;
  /** e.g. `fleet.sites[1].buildings[0].type`; `(root)` for the document itself. */
  key_path: string;
  /** Human text without the location prefix. */
  message: string;
}

/** `file:line:col` (or just `file` when there is no position), as editors and terminals link it. */
export function formatLocation(issue: Pick<ScenarioIssue, 'file' | 'line' | 'column'>): string {
  return issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
}

export function formatIssue(issue: ScenarioIssue): string {
  return `${formatLocation(issue)}: ${issue.message}`;
}

/** How a semantic check reports a problem at a key path (the loader turns it into file:line:col). */
export type AddIssue = (path: ReadonlyArray<string | number>, message: string) => void;

export class ScenarioError extends MspError {
  declare readonly code: ScenarioErrorCode;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly key_path: string;
  /** All problems found, earliest in the file first; the first one is `message`. */
  readonly issues: ScenarioIssue[];

  constructor(issues: readonly ScenarioIssue[], options?: { cause?: unknown }) {
    const first = issues[0];
    if (first === undefined) {
      // A ScenarioError without an issue would print an empty line and still fail the run.
      throw new TypeError('ScenarioError requires at least one issue');
    }
    super(first.code, formatIssue(first), { ...options, code_in_message: false });
    this.name = 'ScenarioError';
    this.file = first.file;
    this.line = first.line;
    this.column = first.column;
    this.key_path = first.key_path;
    this.issues = [...issues];
  }
}

/** Every issue, one `file:line:col: message` per line, in file order. */
export function formatIssues(err: ScenarioError): string {
  return err.issues.map(formatIssue).join('\n');
}

export { describeValue } from '../../common/describe-value.ts';
