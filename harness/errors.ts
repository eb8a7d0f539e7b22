/** A problem with what the user asked for (flags, files, combinations): exit code 2, one line. */
export class UsageError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${message} (${code})`);
    this.name = 'UsageError';
    this.code = code;
  }
}
