import { describe, expect, it } from 'vitest';
import { creditTier, defaultContract, longestWindowMs, validateContract, type SlaContract } from '../../platform/sla/contract.ts';

// The SLA contract's defaults, credit tiers and validation edges (platform/sla/contract.ts),
// written to kill the mutants StrykerJS left alive (docs/testing.md, "Mutation testing").
// Expected values are written by hand: targets from docs/sla.md (P1 15 min / 4 h, …).

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function contract(o: Partial<SlaContract> = {}): SlaContract {
  return { ...defaultContract(), ...o };
}

function invalid(c: SlaContract): string {
  try {
    validateContract(c);
  } catch (err) {
    expect(err).toBeInstanceOf(RangeError);
    return (err as Error).message;
  }
  throw new Error('expected the contract to be refused');
}

describe('defaultContract', () => {
  it('is 24x7 at 99.5 % with the ITIL targets and nothing excluded', () => {
    expect(defaultContract()).toEqual({
      availability_target: 0.995,
      service_hours: { kind: '24x7' },
      maintenance_windows: [],
      exclude_causes: [],
      building_down_fraction: 0.5,
      critical_kinds: [],
      critical_devices: [],
      response_targets_ms: { P1: 15 * MIN, P2: HOUR, P3: 4 * HOUR, P4: DAY },
      resolution_targets_ms: { P1: 4 * HOUR, P2: 8 * HOUR, P3: 2 * DAY, P4: 5 * DAY },
      approved_firmware: {},
      unreachable_counts_as: 'down',
      credits: [],
    });
    expect(() => validateContract(defaultContract())).not.toThrow();
  });
});

describe('creditTier', () => {
  const tiers = [
    { below: 0.99, credit: 0.1 },
    { below: 0.95, credit: 0.25 },
    { below: 0.95, credit: 0.3 },
  ];

  it('the lowest threshold the availability is strictly below; same threshold: the larger credit', () => {
    expect(creditTier(0.999, tiers)).toBeNull();
    expect(creditTier(0.99, tiers)).toBeNull();
    expect(creditTier(0.98, tiers)).toEqual({ below: 0.99, credit: 0.1 });
    expect(creditTier(0.95, tiers)).toEqual({ below: 0.99, credit: 0.1 });
    expect(creditTier(0.9, tiers)).toEqual({ below: 0.95, credit: 0.3 });
    expect(creditTier(0.9, [...tiers].reverse())).toEqual({ below: 0.95, credit: 0.3 });
    expect(creditTier(0.5, [])).toBeNull();
  });

  it('a higher threshold with a larger credit does not win over the lowest threshold reached', () => {
    const tiers2 = [
      { below: 0.9, credit: 0.1 },
      { below: 0.99, credit: 0.5 },
    ];
    expect(creditTier(0.5, tiers2)).toEqual({ below: 0.9, credit: 0.1 });
    expect(creditTier(0.95, tiers2)).toEqual({ below: 0.99, credit: 0.5 });
  });

  it('the first of two equal tiers stays', () => {
    const a = { below: 0.9, credit: 0.2 };
    const b = { below: 0.9, credit: 0.2 };
    expect(creditTier(0.5, [a, b])).toBe(a);
  });
});

describe('longestWindowMs', () => {
  it('the longest window, 0 without any', () => {
    expect(longestWindowMs(contract())).toBe(0);
    expect(
      longestWindowMs(
        contract({
          maintenance_windows: [
            { days: [0], start_min: 0, duration_ms: HOUR },
            { days: [1], start_min: 0, duration_ms: 3 * HOUR },
            { days: [2], start_min: 0, duration_ms: 2 * HOUR },
          ],
        }),
      ),
    ).toBe(3 * HOUR);
  });
});

describe('validateContract', () => {
  it('availability target strictly between 0 and 1', () => {
    expect(invalid(contract({ availability_target: 1 }))).toBe('Invalid SLA contract: availability_target 1 not in (0, 1)');
    expect(invalid(contract({ availability_target: 0 }))).toBe('Invalid SLA contract: availability_target 0 not in (0, 1)');
    expect(invalid(contract({ availability_target: Number.NaN }))).toContain('availability_target NaN');
    expect(() => validateContract(contract({ availability_target: 0.000001 }))).not.toThrow();
    expect(() => validateContract(contract({ availability_target: 0.999999 }))).not.toThrow();
  });

  it('building_down_fraction in (0, 1]', () => {
    expect(invalid(contract({ building_down_fraction: 0 }))).toBe('Invalid SLA contract: building_down_fraction 0 not in (0, 1]');
    expect(invalid(contract({ building_down_fraction: 1.01 }))).toBe('Invalid SLA contract: building_down_fraction 1.01 not in (0, 1]');
    expect(() => validateContract(contract({ building_down_fraction: 1 }))).not.toThrow();
    expect(() => validateContract(contract({ building_down_fraction: 0.01 }))).not.toThrow();
  });

  it('business hours: days 0-6, 0 ≤ start < end ≤ 1440, whole minutes', () => {
    const hours = (days: number[], start_min: number, end_min: number) => contract({ service_hours: { kind: 'business', days, start_min, end_min } });
    expect(() => validateContract(hours([0, 6], 0, 1440))).not.toThrow();
    expect(() => validateContract(hours([1], 1439, 1440))).not.toThrow();
    expect(invalid(hours([7], 0, 60))).toBe('Invalid SLA contract: service_hours: day 7 not an integer 0–6');
    expect(invalid(hours([-1], 0, 60))).toBe('Invalid SLA contract: service_hours: day -1 not an integer 0–6');
    expect(invalid(hours([1.5], 0, 60))).toBe('Invalid SLA contract: service_hours: day 1.5 not an integer 0–6');
    expect(invalid(hours([1], -1, 60))).toBe('Invalid SLA contract: service_hours -1–60 min must satisfy 0 ≤ start < end ≤ 1440');
    expect(invalid(hours([1], 0, 1441))).toBe('Invalid SLA contract: service_hours 0–1441 min must satisfy 0 ≤ start < end ≤ 1440');
    expect(invalid(hours([1], 600, 600))).toBe('Invalid SLA contract: service_hours 600–600 min must satisfy 0 ≤ start < end ≤ 1440');
    expect(invalid(hours([1], 8.5, 600))).toContain('service_hours 8.5–600');
    expect(invalid(hours([1], 480, 600.5))).toContain('service_hours 480–600.5');
  });

  it('maintenance windows: days 0-6, start in [0, 1440), duration in (0, 7 d], whole numbers', () => {
    const window = (days: number[], start_min: number, duration_ms: number) => contract({ maintenance_windows: [{ days, start_min, duration_ms }] });
    expect(() => validateContract(window([0, 6], 0, 1))).not.toThrow();
    expect(() => validateContract(window([3], 1439, 7 * DAY))).not.toThrow();
    expect(invalid(window([7], 0, HOUR))).toBe('Invalid SLA contract: maintenance window: day 7 not an integer 0–6');
    expect(invalid(window([0], 1440, HOUR))).toBe('Invalid SLA contract: maintenance window start_min 1440 not in [0, 1440)');
    expect(invalid(window([0], -1, HOUR))).toBe('Invalid SLA contract: maintenance window start_min -1 not in [0, 1440)');
    expect(invalid(window([0], 0.5, HOUR))).toBe('Invalid SLA contract: maintenance window start_min 0.5 not in [0, 1440)');
    expect(invalid(window([0], 0, 0))).toBe('Invalid SLA contract: maintenance window duration_ms 0 not in (0, 7 d]');
    expect(invalid(window([0], 0, 7 * DAY + 1))).toBe(`Invalid SLA contract: maintenance window duration_ms ${7 * DAY + 1} not in (0, 7 d]`);
    expect(invalid(window([0], 0, 1.5))).toBe('Invalid SLA contract: maintenance window duration_ms 1.5 not in (0, 7 d]');
  });

  it('unreachable_counts_as: down, unknown or absent', () => {
    expect(() => validateContract(contract({ unreachable_counts_as: 'unknown' }))).not.toThrow();
    expect(() => validateContract(contract({ unreachable_counts_as: undefined }))).not.toThrow();
    expect(invalid(contract({ unreachable_counts_as: 'up' as never }))).toBe('Invalid SLA contract: unreachable_counts_as up is neither down nor unknown');
  });

  it('credit tiers: below in (0, 1], credit in [0, 1]', () => {
    expect(() => validateContract(contract({ credits: [{ below: 1, credit: 0 }, { below: 0.01, credit: 1 }] }))).not.toThrow();
    expect(invalid(contract({ credits: [{ below: 0, credit: 0.1 }] }))).toBe('Invalid SLA contract: credit tier below 0 not in (0, 1]');
    expect(invalid(contract({ credits: [{ below: 1.1, credit: 0.1 }] }))).toBe('Invalid SLA contract: credit tier below 1.1 not in (0, 1]');
    expect(invalid(contract({ credits: [{ below: 0.9, credit: -0.1 }] }))).toBe('Invalid SLA contract: credit tier credit -0.1 not in [0, 1]');
    expect(invalid(contract({ credits: [{ below: 0.9, credit: 1.1 }] }))).toBe('Invalid SLA contract: credit tier credit 1.1 not in [0, 1]');
  });

  it('optional lists may be absent', () => {
    expect(() => validateContract(contract({ credits: undefined, clients: undefined, monthly_fee: undefined, unreachable_counts_as: undefined }))).not.toThrow();
  });

  it('monthly fee: a finite amount ≥ 0', () => {
    expect(() => validateContract(contract({ monthly_fee: { amount: 0, currency: 'EUR' } }))).not.toThrow();
    expect(invalid(contract({ monthly_fee: { amount: -0.01, currency: 'EUR' } }))).toBe('Invalid SLA contract: monthly_fee -0.01 must be a non-negative amount');
    expect(invalid(contract({ monthly_fee: { amount: Number.POSITIVE_INFINITY, currency: 'EUR' } }))).toBe('Invalid SLA contract: monthly_fee Infinity must be a non-negative amount');
  });

  it('clients: unique ids, targets in (0, 1), tiers in range', () => {
    expect(() => validateContract(contract({ clients: [{ id: 'a', availability_target: 0.9, credits: [{ below: 1, credit: 0 }, { below: 0.5, credit: 1 }] }, { id: 'b' }] }))).not.toThrow();
    expect(invalid(contract({ clients: [{ id: 'a' }, { id: 'b' }, { id: 'a' }] }))).toBe('Invalid SLA contract: client a is listed twice');
    expect(invalid(contract({ clients: [{ id: 'a', availability_target: 1 }] }))).toBe('Invalid SLA contract: client a: availability_target not in (0, 1)');
    expect(invalid(contract({ clients: [{ id: 'a', availability_target: 0 }] }))).toBe('Invalid SLA contract: client a: availability_target not in (0, 1)');
    for (const t of [
      { below: 0, credit: 0.1 },
      { below: 1.1, credit: 0.1 },
      { below: 0.9, credit: -0.1 },
      { below: 0.9, credit: 1.1 },
    ]) {
      expect(invalid(contract({ clients: [{ id: 'c', credits: [t] }] }))).toBe('Invalid SLA contract: client c: credit tier out of range');
    }
  });

  it('priority targets: whole, non-negative ms, for every priority', () => {
    const base = defaultContract();
    expect(() => validateContract(contract({ response_targets_ms: { ...base.response_targets_ms, P4: 0 } }))).not.toThrow();
    expect(() => validateContract(contract({ resolution_targets_ms: { ...base.resolution_targets_ms, P4: 0 } }))).not.toThrow();
    expect(invalid(contract({ response_targets_ms: { ...base.response_targets_ms, P4: -1 } }))).toBe('Invalid SLA contract: response_targets_ms.P4');
    expect(invalid(contract({ response_targets_ms: { ...base.response_targets_ms, P2: 1.5 } }))).toBe('Invalid SLA contract: response_targets_ms.P2');
    expect(invalid(contract({ resolution_targets_ms: { ...base.resolution_targets_ms, P3: -1 } }))).toBe('Invalid SLA contract: resolution_targets_ms.P3');
    expect(invalid(contract({ resolution_targets_ms: { ...base.resolution_targets_ms, P1: 0.5 } }))).toBe('Invalid SLA contract: resolution_targets_ms.P1');
  });
});
