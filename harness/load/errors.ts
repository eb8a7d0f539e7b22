import { MspError, type ErrorCode } from '../../common/errors.ts';
/**
 * A load run that could not do what it was asked. The code's exit class (common/errors.ts) says
 * whose it is: `LOAD_TOO_MANY_CONNECTIONS` and `LOAD_EMPTY_SHARD` are the user's to fix (exit 2);
 * the run's own deadline is a bound hit (exit 3); no connection at all is the broker's (exit 4).
 */
export class LoadError extends MspError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'LoadError';
  }
}
