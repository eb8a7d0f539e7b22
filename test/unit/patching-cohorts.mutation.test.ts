/**
 * Cohorts, backoff and the firmware catalog on their own, with expected values from outside the
 * code under test: FNV-1a's published test vectors, a 32-bit hash collision found offline
 * ("r/d579599" and "r/d762382" both hash to 1030364162), and wave sizes worked out by hand.
 * The engine tests reach these only through whole rollouts, where a wrong rounding or a
 * missing tie-break rarely changes the outcome.
 */
import { describe, expect, it } from 'vitest';
import { FirmwareCatalog } from '../../platform/patching/catalog.ts';
import { cohortOrder, partitionWaves, retryDelayMs, stableHash } from '../../platform/patching/cohorts.ts';
import type { FirmwareRelease } from '../../platform/patching/types.ts';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `d${i}`);
const sizes = (waves: string[][]): number[] => waves.map((w) => w.length);

describe('stableHash is 32-bit FNV-1a', () => {
  it('matches the published test vectors', () => {
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('a')).toBe(0xe40c292c);
    expect(stableHash('foobar')).toBe(0xbf9cf968);
    expect(stableHashRef('foobar')).toBe(0xbf9cf968); // the test's own copy agrees with the vectors too
  });
});

describe('cohortOrder', () => {
  it('orders by hash, the same whatever order the targets come in', () => {
    const targets = ['x', 'y', 'z', 'w'];
    const expected = [...targets].sort((a, b) => stableHashRef(`R/${a}`) - stableHashRef(`R/${b}`));
    expect(cohortOrder('R', targets)).toEqual(expected);
    expect(cohortOrder('R', [...targets].reverse())).toEqual(expected);
  });

  it('breaks a hash tie by id (a real FNV-1a collision)', () => {
    expect(stableHash('r/d579599')).toBe(stableHash('r/d762382'));
    expect(cohortOrder('r', ['d762382', 'd579599'])).toEqual(['d579599', 'd762382']);
    expect(cohortOrder('r', ['d579599', 'd762382'])).toEqual(['d579599', 'd762382']);
  });
});

/** FNV-1a written out again, so the order test does not trust stableHash to order itself. */
function stableHashRef(text: string): number {
  // BigInt multiply mod 2^32 instead of Math.imul, so the arithmetic is not the code's own.
  let h = 2166136261;
  for (const ch of Buffer.from(text, 'latin1')) h = Number((BigInt((h ^ ch) >>> 0) * 16777619n) % 4294967296n);
  return h;
}

describe('partitionWaves', () => {
  it('canary, then percentages of what remains (rounded up), then the rest', () => {
    // 10 targets: canary 1; 50 % of 9 = 4.5 → 5; the last 4 form the final wave.
    const w = partitionWaves(ids(10), { count: 1 }, [{ percent: 50 }]);
    expect(sizes(w)).toEqual([1, 5, 4]);
    expect(w.flat()).toEqual(ids(10));
    // 25 % of 7 = 1.75 → 2, then 25 % of 5 = 1.25 → 2, rest 3.
    expect(sizes(partitionWaves(ids(7), null, [{ percent: 25 }, { percent: 25 }]))).toEqual([2, 2, 3]);
  });

  it('a cohort has at least one device and at most what remains', () => {
    expect(sizes(partitionWaves(ids(5), { count: 0 }, []))).toEqual([1, 4]);
    expect(sizes(partitionWaves(ids(5), { percent: 1 }, []))).toEqual([1, 4]);
    expect(sizes(partitionWaves(ids(5), { count: 9 }, [{ count: 2 }]))).toEqual([5]);
    expect(sizes(partitionWaves(ids(5), null, [{ count: 2 }, { percent: 100 }, { count: 1 }]))).toEqual([2, 3]);
    expect(sizes(partitionWaves(ids(4), null, [{ count: 4 }]))).toEqual([4]);
  });

  it('no targets: no waves at all, not even a canary', () => {
    expect(partitionWaves([], { count: 1 }, [{ count: 1 }])).toEqual([]);
  });
});

describe('retryDelayMs', () => {
  it('equal jitter: between half the ceiling and the ceiling, from the hash of seed/attempt', () => {
    // attempt 3, base 1000: ceiling 8000, half 4000, 4001 possible values.
    expect(retryDelayMs('dev-1', 3, 1000, 60_000)).toBe(4000 + (stableHashRef('dev-1/3') % 4001));
    // capped at 5000: half 2500, 2501 values.
    expect(retryDelayMs('dev-1', 10, 1000, 5000)).toBe(2500 + (stableHashRef('dev-1/10') % 2501));
    // the exponent stops at 20: base 1 gives a ceiling of 2^20 for attempt 30.
    expect(retryDelayMs('s', 30, 1, Number.MAX_SAFE_INTEGER)).toBe(2 ** 19 + (stableHashRef('s/30') % (2 ** 19 + 1)));
    // ceiling 1 (attempt 0, base 1): half 0, two values.
    expect(retryDelayMs('s', 0, 1, 100)).toBe(stableHashRef('s/0') % 2);
  });
});

function release(model: string, version: string, extra: Partial<FirmwareRelease> = {}): FirmwareRelease {
  return { model, version, size_bytes: 1000, sha256: 'x', min_battery_pct: 0, compatible_from: [], released_ms: null, approved_ms: null, ...extra };
}

describe('FirmwareCatalog', () => {
  it('refuses a duplicate and a size that is not a positive integer, naming the entry', () => {
    const c = new FirmwareCatalog([release('M', '1.0')]);
    expect(() => c.add(release('M', '1.0'))).toThrow('firmware M@1.0 is listed twice in the catalog (PATCH_DUPLICATE_ID)');
    expect(() => c.add(release('M', '2.0', { size_bytes: 0 }))).toThrow('firmware M@2.0: size_bytes must be a positive integer (PATCH_INVALID_PLAN)');
    expect(() => c.add(release('M', '2.0', { size_bytes: 1.5 }))).toThrow(/PATCH_INVALID_PLAN/);
    expect(() => c.add(release('M', '2.0', { size_bytes: -3 }))).toThrow(/PATCH_INVALID_PLAN/);
    c.add(release('M', '2.0', { size_bytes: 1 }));
    expect(c.get('M', '2.0')?.size_bytes).toBe(1);
    expect(c.get('M', '3.0')).toBeUndefined();
    expect(new FirmwareCatalog().all()).toEqual([]);
  });

  it('lists versions per model sorted, and everything by model then version', () => {
    const c = new FirmwareCatalog([release('B', '2.0'), release('A', '1.1'), release('B', '1.0'), release('A', '1.0'), release('A', '0.9')]);
    expect(c.versions('A')).toEqual(['0.9', '1.0', '1.1']);
    expect(c.versions('B')).toEqual(['1.0', '2.0']);
    expect(c.versions('C')).toEqual([]);
    expect(c.all().map((r) => `${r.model}@${r.version}`)).toEqual(['A@0.9', 'A@1.0', 'A@1.1', 'B@1.0', 'B@2.0']);
    // Listed in ascending order too: a sort only notices a wrong "greater" answer when the later entry is the larger one.
    const up = new FirmwareCatalog([release('A', '0.9'), release('A', '1.0'), release('A', '1.1'), release('B', '1.0'), release('B', '2.0')]);
    expect(up.all().map((r) => `${r.model}@${r.version}`)).toEqual(['A@0.9', 'A@1.0', 'A@1.1', 'B@1.0', 'B@2.0']);
    const mixed = new FirmwareCatalog([release('B', '1.0'), release('A', '2.0'), release('B', '3.0'), release('A', '1.0')]);
    expect(mixed.all().map((r) => `${r.model}@${r.version}`)).toEqual(['A@1.0', 'A@2.0', 'B@1.0', 'B@3.0']);
  });

  it('an empty compatible_from allows any version; otherwise only those listed', () => {
    expect(FirmwareCatalog.compatible(release('M', '2.0'), '0.1')).toBe(true);
    const strict = release('M', '2.0', { compatible_from: ['1.0', '1.1'] });
    expect(FirmwareCatalog.compatible(strict, '1.1')).toBe(true);
    expect(FirmwareCatalog.compatible(strict, '0.9')).toBe(false);
  });
});
