import type { CohortSize } from './types.ts';

/**
 * 32-bit FNV-1a of a string. Cohorts are chosen by a stable hash of (rollout id, device id), so
 * the canary is the same devices whatever order the registry lists them in, and a different
 * rollout picks a different canary (the same unlucky devices are not always first).
 */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Targets in cohort order: by hash, ties by id (so the order is total). */
export function cohortOrder(rollout_id: string, device_ids: readonly string[]): string[] {
  const keyed = device_ids.map((id) => ({ id, h: stableHash(`${rollout_id}/${id}`) }));
  keyed.sort((a, b) => a.h - b.h || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return keyed.map((k) => k.id);
}

function sizeOf(size: CohortSize, remaining: number): number {
  const n = 'count' in size ? size.count : Math.ceil((remaining * size.percent) / 100);
  return Math.max(1, Math.min(remaining, n));
}

/**
 * Splits ordered targets into waves: the canary first (if any), then each wave by count or by a
 * percentage of the targets still remaining, and a final wave with whatever the plan's waves did
 * not cover, so every target belongs to exactly one wave.
 */
export function partitionWaves(ordered: readonly string[], canary: CohortSize | null, waves: readonly CohortSize[]): string[][] {
  const out: string[][] = [];
  let i = 0;
  if (canary !== null && ordered.length > 0) {
    const n = sizeOf(canary, ordered.length);
    out.push(ordered.slice(0, n));
    i = n;
  }
  for (const w of waves) {
    if (i >= ordered.length) break;
    const n = sizeOf(w, ordered.length - i);
    out.push(ordered.slice(i, i + n));
    i += n;
  }
  if (i < ordered.length) out.push(ordered.slice(i));
  return out;
}

/** Jittered exponential backoff from a hash, so retries are seeded and reproducible without an RNG object. */
export function retryDelayMs(seed: string, attempt: number, base_ms: number, cap_ms: number): number {
  const ceiling = Math.min(cap_ms, base_ms * 2 ** Math.min(attempt, 20));
  // "Equal jitter": half fixed, half random, so a retry is never immediate.
  const half = Math.floor(ceiling / 2);
  return half + (stableHash(`${seed}/${attempt}`) % (ceiling - half + 1));
}
