/**
 * A copy of `s` held in one piece. V8 builds the sum of long strings as a rope: a tree of
 * 32-byte nodes pointing at the parts. A payload assembled key by key (canonical JSON) or a topic
 * assembled level by level is such a tree until something reads it whole, and a long-lived one
 * (a retained message, a will, a device's topic) keeps every node: measured on the flagship, a
 * retained 130-character payload held about 1.5 KB instead of 0.2 KB (docs/performance.md,
 * "Memory per device"). JSON's round trip is exact for every string, lone surrogates included,
 * and always returns a new sequential string, whatever the optimiser does; it is meant for
 * strings kept for the run, not for the per-message path.
 */
export function flatString(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}
