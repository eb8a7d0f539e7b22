/**
 * The time units every room counts in. Simulated and platform time is integer milliseconds, so
 * these are exact integers; name a duration `<what>_ms` and build it from these, not from a
 * literal whose unit a reader has to guess.
 */
export const MS_PER_SECOND = 1_000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
export const MS_PER_WEEK = 604_800_000;
