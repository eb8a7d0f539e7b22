import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Catalog from '../../platform/patching/catalog.ts';
import type * as Plan from '../../platform/patching/plan.ts';
import type * as Types from '../../platform/patching/types.ts';
import type { FirmwareRelease, PatchErrorCode } from '../../platform/patching/types.ts';

// Each test loads the modules afresh (vi.resetModules, then import), so the plan's zod schema and
// defaults are built inside the test: mutation testing credits a test only with code that runs
// inside it, and a schema built at import would otherwise be scored by no test (docs/testing.md,
// "hybrid" static mutants).
let FirmwareCatalog: typeof Catalog.FirmwareCatalog;
let buildPlan: typeof Plan.buildPlan;
let PLAN_DEFAULTS: typeof Plan.PLAN_DEFAULTS;
let PatchError: typeof Types.PatchError;
type FirmwareCatalog = Catalog.FirmwareCatalog;
type PatchError = Types.PatchError;
beforeEach(async () => {
  vi.resetModules();
  ({ FirmwareCatalog } = await import('../../platform/patching/catalog.ts'));
  ({ buildPlan, PLAN_DEFAULTS } = await import('../../platform/patching/plan.ts'));
  ({ PatchError } = await import('../../platform/patching/types.ts'));
});

// buildPlan's schema edges, defaults and messages (platform/patching/plan.ts), written to kill the
// mutants StrykerJS left alive (docs/testing.md, "Mutation testing"). Expected plans are written
// out field by field; durations in ms from the unit sizes (1 h = 3,600,000 ms).

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 3, 12);
const MODEL = 'TH-100';

function release(model: string, version: string, approved_ms: number | null = T0 - 5 * DAY): FirmwareRelease {
  return { model, version, size_bytes: 1_000, sha256: 'x', min_battery_pct: 30, compatible_from: [], released_ms: T0 - 10 * DAY, approved_ms };
}

function catalog(): FirmwareCatalog {
  return new FirmwareCatalog([release(MODEL, '2.0.0'), release(MODEL, '1.0.0'), release(MODEL, '3.0.0', null), release(MODEL, '4.0.0', T0), release('LK-200', '1.0.0')]);
}

const base = { id: 'r1', firmware: { model: MODEL, version: '2.0.0' } };

function error(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PatchError);
    return err as PatchError;
  }
  throw new Error('expected a PatchError');
}

function refused(input: unknown, code: PatchErrorCode = 'PATCH_INVALID_PLAN'): string {
  const e = error(() => buildPlan(input, catalog(), T0));
  expect(e.code).toBe(code);
  return e.message;
}

const ok = (input: Record<string, unknown>) => buildPlan({ ...base, ...input }, catalog(), T0);

describe('buildPlan: the whole plan, every default', () => {
  it('a minimal plan gets exactly these defaults', () => {
    expect(buildPlan(base, catalog(), T0)).toEqual({
      id: 'r1',
      firmware: { model: MODEL, version: '2.0.0' },
      targets: { models: [MODEL] },
      canary: null,
      waves: [{ percent: 100 }],
      pacing: { max_per_minute: null, ramp: null },
      download_window: null,
      install_window: null,
      concurrency: { max_in_flight: null, per_site: null, per_gateway: null },
      prechecks: { online: true, battery: true, no_major_incident: true, timeout_ms: null },
      success_gate: { min_success_ratio: 0.95, then: 'next', soak_ms: 0 },
      error_gate: { max_failure_ratio: 0.05, min_executed: 5, count: [], action: 'pause' },
      health_gates: [],
      timeouts: { download_ms: 6 * HOUR, install_ms: 45 * MIN },
      retries: { per_class: { connection_lost: 3, download_failed: 2, low_battery: 0 }, base_ms: MIN, cap_ms: 30 * MIN },
    });
  });

  it('the documented defaults', () => {
    expect(PLAN_DEFAULTS).toEqual({
      success_ratio: 0.95,
      error_ratio: 0.05,
      min_executed: 5,
      download_timeout_ms: 21_600_000,
      install_timeout_ms: 2_700_000,
      retry_base_ms: 60_000,
      retry_cap_ms: 1_800_000,
      retries: { connection_lost: 3, download_failed: 2, low_battery: 0 },
      health_max_ratio: 3,
      health_min_rate: 1,
      health_min_cohort: 5,
    });
  });

  it('every field given is carried through as written (durations in ms)', () => {
    const plan = ok({
      targets: { models: [MODEL], sites: ['s1'], buildings: ['b1'], firmware: ['1.0.0'], tags: ['t'] },
      canary: { count: 2 },
      waves: [{ percent: 10 }, { count: 7 }],
      pacing: { max_per_minute: 4, ramp: { base_per_minute: 2, factor: 1.5, every_succeeded: 3 } },
      windows: { download: { days: 'daily', start: '00:00', duration: '1h' }, install: { days: 'weekdays', start: '23:59', duration: '7d' } },
      concurrency: { max_in_flight: 8, per_site: 3, per_gateway: 1 },
      prechecks: { online: false, battery: false, no_major_incident: false, timeout: '10m' },
      success_gate: { min_success_ratio: 0.5, then: 'pause', soak: '1h' },
      error_gate: { max_failure_ratio: 0.2, min_executed: 1, count: ['install_failed', 'offline'], action: 'rollback' },
      health_gates: [{ metric: 'reboot_rate' }, { metric: 'alert_rate', max_ratio: 1, min_rate: 0, min_cohort: 1, action: 'abort' }],
      timeouts: { download: '2h', install: '5m' },
      retries: { per_class: { low_battery: 4, timeout: 10 }, base: '30s', cap: '2h' },
    });
    expect(plan).toEqual({
      id: 'r1',
      firmware: { model: MODEL, version: '2.0.0' },
      targets: { models: [MODEL], sites: ['s1'], buildings: ['b1'], firmware: ['1.0.0'], tags: ['t'] },
      canary: { count: 2 },
      waves: [{ percent: 10 }, { count: 7 }],
      pacing: { max_per_minute: 4, ramp: { base_per_minute: 2, factor: 1.5, every_succeeded: 3 } },
      download_window: { days: [0, 1, 2, 3, 4, 5, 6], start_min: 0, duration_ms: HOUR },
      install_window: { days: [1, 2, 3, 4, 5], start_min: 23 * 60 + 59, duration_ms: 7 * DAY },
      concurrency: { max_in_flight: 8, per_site: 3, per_gateway: 1 },
      prechecks: { online: false, battery: false, no_major_incident: false, timeout_ms: 10 * MIN },
      success_gate: { min_success_ratio: 0.5, then: 'pause', soak_ms: HOUR },
      error_gate: { max_failure_ratio: 0.2, min_executed: 1, count: ['install_failed', 'offline'], action: 'rollback' },
      health_gates: [
        { metric: 'reboot_rate', max_ratio: 3, min_rate: 1, min_cohort: 5, action: 'pause' },
        { metric: 'alert_rate', max_ratio: 1, min_rate: 0, min_cohort: 1, action: 'abort' },
      ],
      timeouts: { download_ms: 2 * HOUR, install_ms: 5 * MIN },
      retries: { per_class: { connection_lost: 3, download_failed: 2, low_battery: 4, timeout: 10 }, base_ms: 30_000, cap_ms: 2 * HOUR },
    });
  });

  it('then defaults to next without a soak and to soak with one; an explicit next keeps the soak time', () => {
    expect(ok({ success_gate: { min_success_ratio: 1 } }).success_gate).toEqual({ min_success_ratio: 1, then: 'next', soak_ms: 0 });
    expect(ok({ success_gate: { soak: '30m' } }).success_gate).toEqual({ min_success_ratio: 0.95, then: 'soak', soak_ms: 30 * MIN });
    expect(ok({ success_gate: { then: 'next', soak: '30m' } }).success_gate).toEqual({ min_success_ratio: 0.95, then: 'next', soak_ms: 30 * MIN });
    expect(ok({ success_gate: { then: 'soak', soak: '1ms' } }).success_gate).toEqual({ min_success_ratio: 0.95, then: 'soak', soak_ms: 1 });
    expect(refused({ ...base, success_gate: { then: 'soak', soak: '0s' } })).toBe('success_gate.then is "soak" but success_gate.soak is missing or zero (PATCH_INVALID_PLAN)');
    expect(refused({ ...base, success_gate: { soak: '0s' } })).toContain('success_gate.soak is missing or zero');
  });
});

describe('buildPlan: catalog checks and their messages', () => {
  it('unknown firmware lists the known versions, sorted', () => {
    expect(refused({ ...base, firmware: { model: MODEL, version: '9' } }, 'PATCH_UNKNOWN_FIRMWARE')).toBe(
      'firmware TH-100@9 is not in the catalog (known: 1.0.0, 2.0.0, 3.0.0, 4.0.0) (PATCH_UNKNOWN_FIRMWARE)',
    );
    expect(refused({ ...base, firmware: { model: 'NOPE', version: '1.0.0' } }, 'PATCH_UNKNOWN_FIRMWARE')).toBe('no firmware in the catalog for model NOPE (PATCH_UNKNOWN_FIRMWARE)');
  });

  it('never approved: no "yet"; approved exactly now: accepted', () => {
    expect(refused({ ...base, firmware: { model: MODEL, version: '3.0.0' } }, 'PATCH_NOT_APPROVED')).toBe('firmware TH-100@3.0.0 is not approved for deployment (PATCH_NOT_APPROVED)');
    expect(buildPlan({ ...base, firmware: { model: MODEL, version: '4.0.0' } }, catalog(), T0).firmware).toEqual({ model: MODEL, version: '4.0.0' });
    expect(error(() => buildPlan({ ...base, firmware: { model: MODEL, version: '4.0.0' } }, catalog(), T0 - 1)).message).toBe(
      'firmware TH-100@4.0.0 is not approved for deployment yet (PATCH_NOT_APPROVED)',
    );
  });

  it('every wrong target model is named', () => {
    expect(refused({ ...base, targets: { models: ['LK-200', MODEL, 'XX'] } }, 'PATCH_INCOMPATIBLE_MODEL')).toBe('firmware TH-100@2.0.0 is built for TH-100, not LK-200, XX (PATCH_INCOMPATIBLE_MODEL)');
    expect(ok({ targets: { models: [MODEL] } }).targets).toEqual({ models: [MODEL] });
    expect(ok({ targets: { sites: ['s9'] } }).targets).toEqual({ sites: ['s9'], models: [MODEL] });
  });
});

describe('buildPlan: windows', () => {
  const win = (w: Record<string, unknown>) => ok({ windows: { install: w } }).install_window;

  it('day names and numbers, deduplicated and sorted', () => {
    expect(win({ days: ['sat', 'sun', 'mon', 6, 1], start: '05:07', duration: '1h' })).toEqual({ days: [0, 1, 6], start_min: 5 * 60 + 7, duration_ms: HOUR });
    expect(win({ days: ['wed', 'thu', 'fri', 'tue'], start: '10:00', duration: '1h' })?.days).toEqual([2, 3, 4, 5]);
  });

  it('a week exactly is allowed, one ms more is not; zero is no duration', () => {
    expect(win({ days: [0], start: '00:00', duration: '7d' })?.duration_ms).toBe(604_800_000);
    expect(refused({ ...base, windows: { install: { days: [0], start: '00:00', duration: '7d 1ms' } } }, 'PATCH_BAD_WINDOW')).toBe('the install window is longer than a week (PATCH_BAD_WINDOW)');
    expect(refused({ ...base, windows: { download: { days: [0], start: '00:00', duration: '0s' } } }, 'PATCH_BAD_WINDOW')).toBe(
      'the download window has no duration (set e.g. "duration: 4h") (PATCH_BAD_WINDOW)',
    );
    expect(win({ days: [0], start: '00:00', duration: '1ms' })?.duration_ms).toBe(1);
  });

  it('start is HH:MM of a 24-hour day', () => {
    for (const start of ['00:00', '09:59', '19:30', '23:59']) expect(win({ days: [0], start, duration: '1h' })).not.toBeNull();
    for (const start of ['24:00', '7:00', '12:60', '12:5', ' 12:00', '12:00 ', '1200', '30:00', 'x12:00']) {
      expect(refused({ ...base, windows: { install: { days: [0], start, duration: '1h' } } })).toBe('windows.install.start: a site-local time "HH:MM" (PATCH_INVALID_PLAN)');
    }
  });

  it('days: a non-empty list of names or 0-6, or daily / weekdays', () => {
    expect(refused({ ...base, windows: { install: { days: [], start: '01:00', duration: '1h' } } })).toContain('windows.install.days');
    expect(refused({ ...base, windows: { install: { days: [7], start: '01:00', duration: '1h' } } })).toContain('windows.install.days');
    expect(refused({ ...base, windows: { install: { days: [-1], start: '01:00', duration: '1h' } } })).toContain('windows.install.days');
    expect(refused({ ...base, windows: { install: { days: ['Sun'], start: '01:00', duration: '1h' } } })).toContain('windows.install.days');
    expect(refused({ ...base, windows: { install: { days: 'weekends', start: '01:00', duration: '1h' } } })).toContain('windows.install.days');
    expect(win({ days: [0, 6], start: '01:00', duration: '1h' })?.days).toEqual([0, 6]);
  });
});

describe('buildPlan: schema bounds', () => {
  it('id: lowercase start, then up to 63 of [a-z0-9._-]', () => {
    for (const id of ['a', '0', 'a.b_c-d', 'x'.repeat(64)]) expect(ok({ id }).id).toBe(id);
    for (const id of ['', '-a', '.a', '_a', 'A', 'aB', 'a b', 'a!', 'x'.repeat(65), 'a\n']) {
      expect(refused({ ...base, id })).toBe('id: an id of lowercase letters, digits, ".", "_" or "-" (PATCH_INVALID_PLAN)');
    }
  });

  it('firmware names must not be empty', () => {
    expect(refused({ ...base, firmware: { model: '', version: '1' } })).toContain('firmware.model');
    expect(refused({ ...base, firmware: { model: MODEL, version: '' } })).toContain('firmware.version');
  });

  it('cohorts: a count of at least 1 or a percent in (0, 100]', () => {
    expect(ok({ waves: [{ count: 1 }, { percent: 100 }, { percent: 0.5 }] }).waves).toEqual([{ count: 1 }, { percent: 100 }, { percent: 0.5 }]);
    for (const wave of [{ count: 0 }, { count: 1.5 }, { percent: 0 }, { percent: 100.5 }, { count: 1, percent: 5 }]) {
      expect(refused({ ...base, waves: [wave] })).toContain('waves.0');
    }
    expect(refused({ ...base, canary: { percent: 0 } })).toContain('canary');
  });

  it('pacing: integers ≥ 1, a ramp factor in [1, 10]', () => {
    expect(ok({ pacing: { max_per_minute: 1, ramp: { base_per_minute: 1, factor: 10, every_succeeded: 1 } } }).pacing).toEqual({ max_per_minute: 1, ramp: { base_per_minute: 1, factor: 10, every_succeeded: 1 } });
    expect(ok({ pacing: { ramp: { base_per_minute: 1, factor: 1, every_succeeded: 1 } } }).pacing.ramp?.factor).toBe(1);
    expect(refused({ ...base, pacing: { max_per_minute: 0 } })).toContain('pacing.max_per_minute');
    expect(refused({ ...base, pacing: { ramp: { base_per_minute: 1, factor: 10.5, every_succeeded: 1 } } })).toContain('pacing.ramp.factor');
    expect(refused({ ...base, pacing: { ramp: { base_per_minute: 1, factor: 0.5, every_succeeded: 1 } } })).toContain('pacing.ramp.factor');
    expect(refused({ ...base, pacing: { ramp: { base_per_minute: 0, factor: 2, every_succeeded: 1 } } })).toContain('pacing.ramp.base_per_minute');
    expect(refused({ ...base, pacing: { ramp: { base_per_minute: 1, factor: 2, every_succeeded: 0 } } })).toContain('pacing.ramp.every_succeeded');
  });

  it('ratios in [0, 1]; min_executed ≥ 1; actions and failure classes from their lists', () => {
    expect(ok({ error_gate: { max_failure_ratio: 0 } }).error_gate.max_failure_ratio).toBe(0);
    expect(ok({ error_gate: { max_failure_ratio: 1 } }).error_gate.max_failure_ratio).toBe(1);
    expect(ok({ success_gate: { min_success_ratio: 0 } }).success_gate.min_success_ratio).toBe(0);
    expect(refused({ ...base, error_gate: { max_failure_ratio: 1.01 } })).toContain('error_gate.max_failure_ratio');
    expect(refused({ ...base, success_gate: { min_success_ratio: -0.1 } })).toContain('success_gate.min_success_ratio');
    expect(refused({ ...base, error_gate: { min_executed: 0 } })).toContain('error_gate.min_executed');
    expect(refused({ ...base, error_gate: { action: 'panic' } })).toContain('error_gate.action');
    expect(refused({ ...base, error_gate: { count: ['ok'] } })).toContain('error_gate.count.0');
    expect(refused({ ...base, success_gate: { then: 'later' } })).toContain('success_gate.then');
    for (const action of ['pause', 'abort', 'rollback']) expect(ok({ error_gate: { action } }).error_gate.action).toBe(action);
    for (const then of ['next', 'pause']) expect(ok({ success_gate: { then } }).success_gate.then).toBe(then);
  });

  it('every failure class may be counted', () => {
    const all = ['low_battery', 'insufficient_storage', 'connection_lost', 'download_failed', 'integrity_failure', 'invalid_signature', 'incompatible', 'install_failed', 'boot_failure', 'health_check_failed', 'timeout', 'cancelled', 'precheck_timeout', 'offline'];
    expect(ok({ error_gate: { count: all } }).error_gate.count).toEqual(all);
  });

  it('health gates: known metrics, max_ratio ≥ 1, min_rate ≥ 0, min_cohort ≥ 1', () => {
    expect(ok({ health_gates: [{ metric: 'offline_rate' }] }).health_gates).toEqual([{ metric: 'offline_rate', max_ratio: 3, min_rate: 1, min_cohort: 5, action: 'pause' }]);
    expect(refused({ ...base, health_gates: [{ metric: 'cpu_rate' }] })).toContain('health_gates.0.metric');
    expect(refused({ ...base, health_gates: [{ metric: 'offline_rate', max_ratio: 0.9 }] })).toContain('health_gates.0.max_ratio');
    expect(refused({ ...base, health_gates: [{ metric: 'offline_rate', min_rate: -1 }] })).toContain('health_gates.0.min_rate');
    expect(refused({ ...base, health_gates: [{ metric: 'offline_rate', min_cohort: 0 }] })).toContain('health_gates.0.min_cohort');
    expect(refused({ ...base, health_gates: [{ metric: 'offline_rate', extra: 1 }] })).toContain('health_gates.0');
  });

  it('retries: 0 to 10 per class; concurrency ≥ 1', () => {
    expect(ok({ retries: { per_class: { offline: 0, install_failed: 10 } } }).retries.per_class).toEqual({ connection_lost: 3, download_failed: 2, low_battery: 0, offline: 0, install_failed: 10 });
    expect(refused({ ...base, retries: { per_class: { offline: 11 } } })).toContain('retries.per_class.offline');
    expect(refused({ ...base, retries: { per_class: { offline: -1 } } })).toContain('retries.per_class.offline');
    expect(refused({ ...base, retries: { per_class: { nonsense: 1 } } })).toContain('retries.per_class');
    expect(refused({ ...base, concurrency: { per_site: 0 } })).toContain('concurrency.per_site');
    expect(refused({ ...base, concurrency: { per_gateway: 0 } })).toContain('concurrency.per_gateway');
  });

  it('unknown keys are refused at every level', () => {
    for (const bad of [{ targets: { model: [MODEL] } }, { pacing: { max: 1 } }, { windows: { upload: {} } }, { prechecks: { charged: true } }, { timeouts: { boot: '1m' } }, { retries: { max: 1 } }, { success_gate: { ratio: 1 } }, { firmware: { model: MODEL, version: '2.0.0', sha: 'x' } }]) {
      const key = Object.keys(bad)[0]!;
      expect(refused({ ...base, ...bad })).toContain(key);
    }
    expect(refused({ ...base, windows: { install: { days: 'daily', start: '01:00', duration: '1h', tz: 'UTC' } } })).toContain('windows.install');
  });

  it('an input that is not a plan at all is reported against "plan"', () => {
    expect(refused(42)).toMatch(/^plan: /);
    expect(refused(null)).toMatch(/^plan: /);
  });

  it('durations are validated as written and parsed once', () => {
    expect(refused({ ...base, prechecks: { timeout: 'soon' } })).toContain('prechecks.timeout');
    expect(refused({ ...base, retries: { base: 'soon' } })).toContain('retries.base');
    expect(refused({ ...base, retries: { cap: 'soon' } })).toContain('retries.cap');
    expect(refused({ ...base, timeouts: { download: 'soon' } })).toContain('timeouts.download');
    expect(refused({ ...base, success_gate: { soak: 'soon' } })).toContain('success_gate.soak');
    expect(refused({ ...base, windows: { install: { days: 'daily', start: '01:00', duration: 'soon' } } })).toContain('windows.install.duration');
  });
});
