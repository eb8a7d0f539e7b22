/** Documented in README.md ("Exit codes"); scripts and CI branch on these. */
export const ExitCode = {
  ok: 0,
  /** The run completed but an expectation failed (scenario expectations; later work). */
  expectation_failed: 1,
  /** Bad input: unknown command or option, unreadable or invalid scenario file. */
  bad_input: 2,
  /** A bug or a safety bound hit inside the simulator; the message names the bound. */
  internal: 3,
  /** The broker or the network failed the run (unreachable, refused, lost or extra messages). */
  transport: 4,
} as const;
