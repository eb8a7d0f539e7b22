import { EXIT_CODE_OF } from '../../common/errors.ts';

/** Documented in README.md ("Exit codes") and docs/errors.md; scripts and CI branch on these. */
export const ExitCode = {
  ok: 0,
  /** The run completed but a scenario expectation failed. */
  expectation_failed: EXIT_CODE_OF.expectation,
  /** Bad input: unknown command or option, unreadable or invalid scenario file, port in use. */
  bad_input: EXIT_CODE_OF.bad_input,
  /** A bug or a safety bound hit inside msp-twin; the message names the bound. */
  internal: EXIT_CODE_OF.internal,
  /** The broker or the network failed the run (refused, unreachable, lost messages). */
  transport: EXIT_CODE_OF.transport,
} as const;
