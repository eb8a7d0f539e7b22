/**
 * Firmware releases as written down, resolved into catalog entries: defaults, approval forms,
 * site-local times (UTC instants worked out by hand, across New York's March change), the input
 * schema's limits, version order and the newest approved version per model.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PRODUCTS } from '../../platform/contract/products.ts';
import {
  approvedFirmware, compareVersions, defaultRelease, DEFAULT_MIN_BATTERY_PCT, imageSha256, resolveRelease, shippedVersions, withInstalledBase, zReleaseInput,
} from '../../platform/patching/releases.ts';

const NY = 'America/New_York';

describe('releases: defaults and resolution', () => {
  it('a default release is approved since forever, sized from the product table (500 kB when unknown)', () => {
    expect(DEFAULT_MIN_BATTERY_PCT).toBe(25);
    expect(imageSha256('M', '1.0')).toBe(createHash('sha256').update('M@1.0').digest('hex'));
    expect(defaultRelease('HVAC-ZC-400', '2.4.0')).toEqual({
      model: 'HVAC-ZC-400', version: '2.4.0', size_bytes: 1_400_000, sha256: createHash('sha256').update('HVAC-ZC-400@2.4.0').digest('hex'),
      released_ms: null, approved_ms: 0, min_battery_pct: 25, compatible_from: [],
    });
    expect(defaultRelease('NO-SUCH', '1').size_bytes).toBe(500_000);
  });

  it('resolves site-local times in the given zone (EST before 8 March, EDT after)', () => {
    const r = resolveRelease({ model: 'LEAK-W-20', version: '1.5.0', released: '2026-03-07 09:00', approved: '2026-03-09 09:00', size_bytes: 1234, min_battery: 40, compatible_from: ['1.4.0'] }, NY);
    expect(r).toMatchObject({ released_ms: Date.UTC(2026, 2, 7, 14, 0), approved_ms: Date.UTC(2026, 2, 9, 13, 0), size_bytes: 1234, min_battery_pct: 40, compatible_from: ['1.4.0'] });
  });

  it('approved: absent or true is approved since forever, false is never; the rest falls back to the defaults', () => {
    expect(resolveRelease({ model: 'LEAK-W-20', version: '2' }, NY)).toMatchObject({ approved_ms: 0, released_ms: null, size_bytes: 150_000, min_battery_pct: 25, compatible_from: [] });
    expect(resolveRelease({ model: 'LEAK-W-20', version: '2', approved: true }, NY).approved_ms).toBe(0);
    expect(resolveRelease({ model: 'LEAK-W-20', version: '2', approved: false }, NY).approved_ms).toBeNull();
    expect(resolveRelease({ model: 'LEAK-W-20', version: '2', min_battery: 0 }, NY).min_battery_pct).toBe(0);
  });
});

describe('releases: the input schema', () => {
  const ok = { model: 'M', version: '1' };
  const bad = (extra: Record<string, unknown>): string[] => {
    const r = zReleaseInput.safeParse({ ...ok, ...extra });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('accepts a minimal release and refuses unknown keys and out-of-range values', () => {
    expect(bad({})).toEqual([]);
    expect(bad({ size_bytes: 512 * 1024 * 1024, min_battery: 100, approved: '2026-03-02 08:00' })).toEqual([]);
    expect(bad({ sha: 'x' })).toHaveLength(1);
    expect(bad({ model: '' })).toHaveLength(1);
    expect(bad({ version: 'v'.repeat(65) })).toHaveLength(1);
    expect(bad({ size_bytes: 0 })).toHaveLength(1);
    expect(bad({ size_bytes: 512 * 1024 * 1024 + 1 })).toHaveLength(1);
    expect(bad({ min_battery: 101 })).toHaveLength(1);
    expect(bad({ min_battery: -1 })).toHaveLength(1);
  });

  it('names the date-time form it wants', () => {
    expect(bad({ released: '2026-02-30 08:00' })).toEqual(['released: a real local date-time like "2026-03-02 08:00"']);
    expect(bad({ approved: 'yes' })).toEqual(['approved: true, false or a real local date-time like "2026-03-02 08:00"']);
  });
});

describe('releases: versions', () => {
  it('compares dotted numbers numerically and the rest as text', () => {
    expect(compareVersions('2.10.0', '2.9.1')).toBeGreaterThan(0);
    expect(compareVersions('2.9.1', '2.10.0')).toBeLessThan(0);
    expect(compareVersions('2.0', '10.0')).toBe(-8);
    expect(compareVersions('1.2.3', '1.2.3')).toBe(0);
    expect(compareVersions('1.0', '1.0.0')).toBe(-1); // a missing part sorts first
    expect(compareVersions('1.0.0', '1.0')).toBe(1);
    expect(compareVersions('1.0.0-rc1', '1.0.0-rc2')).toBe(-1);
    expect(compareVersions('1.0.0-rc2', '1.0.0-rc1')).toBe(1);
    expect(compareVersions('1.x', '1.x')).toBe(0);
  });

  it('the newest approved version per model, models in order; unapproved ones never count', () => {
    expect(
      approvedFirmware([
        { model: 'B', version: '1.9.0', approved_ms: 0 },
        { model: 'B', version: '1.10.0', approved_ms: 5 },
        { model: 'B', version: '2.0.0', approved_ms: null },
        { model: 'A', version: '3.0.0', approved_ms: 0 },
        { model: 'A', version: '2.0.0', approved_ms: 0 },
        { model: 'C', version: '1.0.0', approved_ms: null },
      ]),
    ).toEqual({ A: '3.0.0', B: '1.10.0' });
    expect(Object.keys(approvedFirmware([{ model: 'Z', version: '1', approved_ms: 0 }, { model: 'A', version: '1', approved_ms: 0 }]))).toEqual(['A', 'Z']);
    expect(Object.keys(approvedFirmware([{ model: 'A', version: '1', approved_ms: 0 }, { model: 'M', version: '1', approved_ms: 0 }, { model: 'Z', version: '1', approved_ms: 0 }]))).toEqual(['A', 'M', 'Z']);
    // Versions that compare equal ("2.0" and "2.00"): the first listed stays, so the pick does not depend on later entries.
    expect(approvedFirmware([{ model: 'A', version: '2.0', approved_ms: 0 }, { model: 'A', version: '2.00', approved_ms: 0 }])).toEqual({ A: '2.0' });
  });

  it('every product ships its default firmware; the installed base adds each missing model@version once', () => {
    expect(shippedVersions()).toHaveLength(PRODUCTS.length);
    expect(shippedVersions()).toContainEqual({ model: 'LEAK-W-20', firmware: '1.4.0' });
    const listed = [{ model: 'A', version: '1' }];
    const out = withInstalledBase(listed, [{ model: 'A', firmware: '1' }, { model: 'A', firmware: '2' }, { model: 'A', firmware: '2' }, { model: 'B', firmware: '1' }], (model, version) => ({ model, version, made: true }));
    expect(out).toEqual([{ model: 'A', version: '1' }, { model: 'A', version: '2', made: true }, { model: 'B', version: '1', made: true }]);
    expect(listed).toHaveLength(1); // the caller's list is not changed
  });
});
