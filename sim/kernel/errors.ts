import { MspError } from '../../common/errors.ts';
// Every error the simulator raises carries a stable code, so callers (the CLI, CI scripts) can
// branch on it and users can search for it, in the spirit of fastify's lib/errors.js.
export type SimErrorCode =
  | 'SIM_BOUND_EXCEEDED' // a loop or queue hit its configured limit: a bug or a runaway scenario
  | 'SIM_TIME_TRAVEL' // an event was scheduled in the past
  | 'SIM_INVALID_ARGUMENT'
  | 'SIM_INVALID_TOPOLOGY'
  | 'SIM_UNKNOWN_MODEL';

export class SimError extends MspError {
  declare readonly code: SimErrorCode;
  constructor(code: SimErrorCode, message: string) {
    super(code, message);
    this.name = 'SimError';
  }
}
