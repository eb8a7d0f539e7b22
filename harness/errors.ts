import { MspError, type ErrorCode } from '../common/errors.ts';

/** A problem with what the user asked for (flags, files, combinations): exit code 2, one line. */
export class UsageError extends MspError {
  constructor(code: ErrorCode, message: string) {
    super(code, message, { exit: 'bad_input' });
    this.name = 'UsageError';
  }
}
