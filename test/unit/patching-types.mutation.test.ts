import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Types from '../../platform/patching/types.ts';

// Each test loads the module afresh (vi.resetModules, then import), so its module-level values are
// built inside the test: mutation testing credits a test only with code that runs inside it, and
// a constant built at import would otherwise be scored by no test (docs/testing.md, "hybrid"
// static mutants).
let FAILURE_CLASSES: typeof Types.FAILURE_CLASSES;
let PatchError: typeof Types.PatchError;
let MspError: typeof import('../../common/errors.ts').MspError;
beforeEach(async () => {
  vi.resetModules();
  ({ FAILURE_CLASSES, PatchError } = await import('../../platform/patching/types.ts'));
  // The same fresh copy types.ts extends, so instanceof compares like with like.
  ({ MspError } = await import('../../common/errors.ts'));
});

/**
 * Pins platform/patching/types.ts on its own, small enough that StrykerJS can rerun it for each
 * of the module's static mutants (the `FAILURE_CLASSES` list is built when the module loads, so no
 * test "covers" it and every test file that loads the module runs for each of its mutants).
 * The expected values are written out by hand, from docs/patching.md's failure taxonomy.
 */
describe('patching vocabulary (types.ts)', () => {
  it('FAILURE_CLASSES: the device result codes without ok and in_progress, in protocol order, then precheck_timeout and offline', () => {
    expect(FAILURE_CLASSES).toEqual([
      'low_battery',
      'insufficient_storage',
      'connection_lost',
      'download_failed',
      'integrity_failure',
      'invalid_signature',
      'incompatible',
      'install_failed',
      'boot_failure',
      'health_check_failed',
      'timeout',
      'cancelled',
      'precheck_timeout',
      'offline',
    ]);
    expect(FAILURE_CLASSES).not.toContain('ok');
    expect(FAILURE_CLASSES).not.toContain('in_progress');
  });

  it('PatchError carries its code and message, is named PatchError and is an MspError', () => {
    const e = new PatchError('PATCH_BAD_WINDOW', 'window 25:00 is not a time');
    expect(e).toBeInstanceOf(PatchError);
    expect(e).toBeInstanceOf(MspError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('PatchError');
    expect(e.code).toBe('PATCH_BAD_WINDOW');
    expect(e.message).toContain('window 25:00 is not a time');
  });
});
