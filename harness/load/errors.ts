/**
 * A load run that could not do what it was asked. `LOAD_TOO_MANY_CONNECTIONS` and
 * `LOAD_EMPTY_SHARD` are the user's to fix (exit 2); the others are bounds hit at run time —
 * the run's deadline, no connection at all — and exit 3 with the reason.
 */
export const LOAD_INPUT_ERRORS: ReadonlySet<string> = new Set(['LOAD_TOO_MANY_CONNECTIONS', 'LOAD_EMPTY_SHARD']);

export class LoadError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${message} (${code})`);
    this.name = 'LoadError';
    this.code = code;
  }
}
