import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Module from '../../harness/scenario/contract-schema.ts';
import type { ScenarioContract } from '../../harness/scenario/contract-schema.ts';

// Each test loads the module afresh (vi.resetModules, then import), so its zod schemas are built
// inside the test: mutation testing credits a test only with code that runs inside it, and a
// schema built at import would otherwise be scored by no test (docs/testing.md, "hybrid" static
// mutants).
let checkContract: typeof Module.checkContract;
let contractFromScenario: typeof Module.contractFromScenario;
let zContract: typeof Module.zContract;
beforeEach(async () => {
  vi.resetModules();
  ({ checkContract, contractFromScenario, zContract } = await import('../../harness/scenario/contract-schema.ts'));
});

// harness/scenario/contract-schema.ts: the contract's words (weekdays, percentages, clock times,
// money) at their edges, the cross-field checks and the mapping to the platform's terms, written
// to kill the mutants StrykerJS left alive (docs/testing.md, "Mutation testing"). Expected values
// are worked by hand (99.95 % is 0.9995; 07:30 is minute 450; the default P1–P4 targets are
// docs/sla.md's 15m/1h/4h/1d to respond and 4h/8h/2d/5d to resolve).

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const parse = (input: unknown): ScenarioContract => zContract.parse(input);
/** The first issue's message, or 'ok'. */
const why = (input: unknown): string => {
  const r = zContract.safeParse(input);
  if (r.success) return 'ok';
  // A union (service_hours) reports its object branch's complaint inside the union's issue.
  const first = r.error.issues[0];
  if (first?.code === 'invalid_union') return first.errors[1]?.[0]?.message ?? '';
  return first?.message ?? '';
};

const DAY_EXPECTED = 'expected a weekday: sun, mon, tue, wed, thu, fri or sat';
const PCT = 'expected a percentage like "99.8%" (or a fraction like 0.998)';

describe('weekdays', () => {
  it('short and full names in any case and with spaces around; 0 = Sunday … 6 = Saturday', () => {
    const days = (list: unknown[]) => parse({ maintenance_windows: [{ days: list, start: '02:00', for: '1h' }] }).maintenance_windows?.[0]?.days;
    expect(days(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'])).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(days(['Sunday', 'MONDAY', ' tuesday ', 'Wednesday', 'thursday', 'friday', 'saturday'])).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('a misspelt day suggests the short name, also for a misspelt full name; a number is not a day', () => {
    const at = (d: unknown) => why({ maintenance_windows: [{ days: [d], start: '02:00', for: '1h' }] });
    expect(at('wednsday')).toBe(`${DAY_EXPECTED}, got "wednsday" (did you mean "wed"?)`);
    expect(at('Thurs')).toBe(`${DAY_EXPECTED}, got "Thurs" (did you mean "thu"?)`);
    expect(at('frii')).toBe(`${DAY_EXPECTED}, got "frii" (did you mean "fri"?)`);
    expect(at('holiday')).toBe(`${DAY_EXPECTED}, got "holiday"`);
    expect(at(3)).toBe(`${DAY_EXPECTED}, got 3`);
  });
});

describe('percentages', () => {
  const target = (v: unknown) => why({ availability_target: v });
  const RANGE = 'at least 50% and at most 99.999%';

  it('text with a % sign, spaces allowed, or a fraction, within the bounds (inclusive)', () => {
    expect(parse({ availability_target: '99.95%' }).availability_target).toBe(0.9995);
    expect(parse({ availability_target: ' 99.8 % ' }).availability_target).toBe(0.998);
    expect(parse({ availability_target: '50%' }).availability_target).toBe(0.5);
    expect(parse({ availability_target: '99.999%' }).availability_target).toBe(0.99999);
    expect(parse({ availability_target: 0.5 }).availability_target).toBe(0.5);
    expect(parse({ availability_target: 0.99999 }).availability_target).toBe(0.99999);
    expect(parse({ availability_target: '99%' }).availability_target).toBe(0.99);
  });

  it('outside the bounds, not a fraction, or not a percentage: refused with the range', () => {
    for (const bad of ['49.9%', '99.9999%', 0.49, 0.999991, 1.5, -0.1, 99.8, '99.8', '%', 'x99%', '99%x', '-5%', '99.%', true]) {
      const expected = typeof bad === 'boolean' ? `${PCT}, got true` : `${PCT} ${RANGE}, got ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)}`;
      expect(target(bad)).toBe(expected);
    }
    expect(target(Number.POSITIVE_INFINITY)).toBe(`${PCT} ${RANGE}, got Infinity`);
  });

  it('an open lower bound refuses the bound itself (a credit tier below 0 %) but a closed one takes it (a 0 % credit)', () => {
    const credit = (below: unknown, c: unknown) => why({ credits: [{ below, credit: c }] });
    expect(credit('0%', '10%')).toBe(`${PCT} above 0% and at most 100%, got "0%"`);
    expect(credit(0, '10%')).toBe(`${PCT} above 0% and at most 100%, got 0`);
    expect(credit('0.1%', '0%')).toBe('ok');
    expect(credit('100%', 1)).toBe('ok');
    expect(credit('100.1%', 1)).toBe(`${PCT} above 0% and at most 100%, got "100.1%"`);
    expect(credit('99%', '100.5%')).toBe(`${PCT} at least 0% and at most 100%, got "100.5%"`);
    expect(parse({ building_down_fraction: '0.5%' }).building_down_fraction).toBe(0.005);
    expect(why({ building_down_fraction: 0 })).toBe(`${PCT} above 0% and at most 100%, got 0`);
  });
});

describe('clock times', () => {
  const window = (start: unknown) => why({ maintenance_windows: [{ days: ['sun'], start, for: '1h' }] });
  const hours = (start: unknown, end: unknown) => why({ service_hours: { days: ['mon'], start, end } });

  it('HH:MM from 00:00 to 23:59 as minutes of the day; 24:00 only as an end', () => {
    expect(parse({ maintenance_windows: [{ days: ['sun'], start: '07:30', for: '1h' }] }).maintenance_windows?.[0]?.start).toBe(450);
    expect(parse({ maintenance_windows: [{ days: ['sun'], start: '23:59', for: '1h' }] }).maintenance_windows?.[0]?.start).toBe(1439);
    expect(parse({ maintenance_windows: [{ days: ['sun'], start: '00:00', for: '1h' }] }).maintenance_windows?.[0]?.start).toBe(0);
    expect(parse({ service_hours: { days: ['mon'], start: '19:05', end: '24:00' } }).service_hours).toEqual({ days: [1], start: 1145, end: 1440 });
    expect(window('24:00')).toBe('expected a local time like "07:00" (HH:MM, 24-hour), got "24:00"');
    expect(hours('24:00', '24:00')).toBe('expected a local time like "07:00" (HH:MM, 24-hour), got "24:00"');
  });

  it('anything else is refused, the end\'s message mentioning 24:00', () => {
    for (const bad of ['7:00', '24:01', '12:60', '20:00x', 'x20:00', '1200']) {
      expect(window(bad)).toBe(`expected a local time like "07:00" (HH:MM, 24-hour), got "${bad}"`);
    }
    expect(window(700)).toBe('expected a local time like "07:00" (HH:MM, 24-hour), got 700');
    expect(hours('07:00', '24:30')).toBe('expected a local time like "07:00" (HH:MM, 24-hour, or "24:00" for the end of the day), got "24:30"');
    expect(hours('07:00', 5)).toBe('expected a local time like "07:00" (HH:MM, 24-hour, or "24:00" for the end of the day), got 5');

    // A one-item list would read as its text through RegExp.exec; the string check refuses it.
    expect(hours(['07:00'], '18:00')).toMatch(/^expected a local time like "07:00" \(HH:MM, 24-hour\), got (?!"07:00")/);
    expect(hours('07:00', ['18:00'])).toMatch(/^expected a local time like "07:00" \(HH:MM, 24-hour, or "24:00" for the end of the day\), got (?!"18:00")/);
  });
});

describe('money', () => {
  it('an amount with up to two decimals, a space, and three capital letters', () => {
    expect(parse({ monthly_fee: '12000 USD' }).monthly_fee).toEqual({ amount: 12000, currency: 'USD' });
    expect(parse({ monthly_fee: ' 99.5  EUR ' }).monthly_fee).toEqual({ amount: 99.5, currency: 'EUR' });
    expect(parse({ monthly_fee: '0.05 GBP' }).monthly_fee).toEqual({ amount: 0.05, currency: 'GBP' });
    const MONEY = 'expected an amount and an ISO currency like "12000 USD"';
    for (const bad of ['12000USD', '12000 usd', '12000 US', '12000 USDX', '1.005 USD', '-5 USD', 'USD 12000', '12000 USD x', 'x 12000 USD']) {
      expect(why({ monthly_fee: bad })).toBe(`${MONEY}, got "${bad}"`);
    }
    expect(why({ monthly_fee: 12000 })).toBe(`${MONEY}, got 12000`);
    expect(why({ monthly_fee: ['12000 USD'] })).toMatch(new RegExp(`^${MONEY.replace(/[()".]/g, '\\$&')}, got (?!"12000 USD")`));
  });
});

describe('ids, causes and targets', () => {
  it('ids are lowercase letters, digits, ".", "_" or "-", at most 64, not starting with a sign', () => {
    expect(why({ critical_devices: ['a', 'a.b_c-9', '9'.repeat(64)] })).toBe('ok');
    for (const bad of ['A', '-a', '_a', 'a b', 'a'.repeat(65), '']) expect(why({ critical_devices: [bad] })).not.toBe('ok');
  });

  it('causes from outages and alert types; priorities P1–P4 only', () => {
    expect(why({ exclude_causes: ['power_or_network', 'uplink', 'gateway_down', 'leak', 'threshold', 'stale_telemetry'] })).toBe('ok');
    expect(why({ exclude_causes: ['weather'] })).not.toBe('ok');
    expect(why({ response_targets: { P5: '1h' } })).not.toBe('ok');
    expect(why({ clients: [{ id: 'a', sitez: [] }] })).not.toBe('ok');
  });
});

describe('checkContract', () => {
  it('nothing to check: no issue', () => {
    expect(checkContract(undefined)).toEqual([]);
    expect(checkContract(parse({}))).toEqual([]);
    expect(checkContract(parse({ service_hours: '24x7', min_outage: '1d', maintenance_windows: [{ days: ['sun'], start: '00:00', for: '7d' }], clients: [{ id: 'a' }, { id: 'b' }] }))).toEqual([]);
    expect(checkContract(parse({ service_hours: { days: ['mon'], start: '07:00', end: '07:01' } }))).toEqual([]);
  });

  it('hours ending at or before their start, a client twice, a minimum outage over a day, a window of 0 or over a week', () => {
    expect(checkContract(parse({ service_hours: { days: ['mon'], start: '07:00', end: '07:00' } }))).toEqual([
      { path: ['service_hours', 'end'], message: 'the end must be after the start (hours that cross midnight: split them over two days)' },
    ]);
    expect(checkContract(parse({ clients: [{ id: 'a' }, { id: 'b' }, { id: 'a' }, { id: 'a' }] }))).toEqual([
      { path: ['clients', 2, 'id'], message: 'client "a" is listed twice' },
      { path: ['clients', 3, 'id'], message: 'client "a" is listed twice' },
    ]);
    expect(checkContract(parse({ min_outage: '1d 00:01' }))).toEqual([{ path: ['min_outage'], message: 'at most 1d (a longer "short outage" would excuse real outages)' }]);
    expect(
      checkContract(
        parse({
          maintenance_windows: [
            { days: ['sun'], start: '00:00', for: '1m' },
            { days: ['sun'], start: '00:00', for: '0s' },
            { days: ['sun'], start: '00:00', for: '7d 00:01' },
          ],
        }),
      ),
    ).toEqual([
      { path: ['maintenance_windows', 1, 'for'], message: 'a weekly window lasts more than 0 and at most 7d' },
      { path: ['maintenance_windows', 2, 'for'], message: 'a weekly window lasts more than 0 and at most 7d' },
    ]);
  });
});

describe('contractFromScenario', () => {
  it('an empty contract changes nothing', () => {
    expect(contractFromScenario(parse({}))).toEqual({});
  });

  it('each term maps to the platform\'s; days deduplicated and sorted; causes deduplicated and sorted; targets over the defaults', () => {
    const got = contractFromScenario(
      parse({
        maintenance_windows: [
          { days: ['sat', 'sun', 'saturday', 'mon'], start: '01:00', for: '2h' },
          { days: ['wed'], start: '03:00', for: '30m', sites: ['b', 'a'] },
        ],
        service_hours: { days: ['fri', 'mon', 'monday', 'wed'], start: '08:00', end: '24:00' },
        exclude_causes: ['uplink', 'leak', 'uplink', 'battery_low'],
        unreachable_counts_as: 'unknown',
        min_outage: '2m',
        critical_kinds: ['lock', 'hvac'],
        critical_devices: ['d2', 'd1'],
        approved_firmware: { 'LGT-DALI-60': '4.1.0' },
        response_targets: { P2: '30m' },
        resolution_targets: { P1: '2h', P4: '3d' },
      }),
    );
    expect(got).toEqual({
      maintenance_windows: [
        { days: [0, 1, 6], start_min: 60, duration_ms: 2 * HOUR },
        { days: [3], start_min: 180, duration_ms: 30 * MIN, sites: ['b', 'a'] },
      ],
      service_hours: { kind: 'business', days: [1, 3, 5], start_min: 480, end_min: 1440 },
      exclude_causes: ['battery_low', 'leak', 'uplink'],
      unreachable_counts_as: 'unknown',
      min_outage_ms: 2 * MIN,
      critical_kinds: ['lock', 'hvac'],
      critical_devices: ['d2', 'd1'],
      approved_firmware: { 'LGT-DALI-60': '4.1.0' },
      response_targets_ms: { P1: 15 * MIN, P2: 30 * MIN, P3: 4 * HOUR, P4: DAY },
      resolution_targets_ms: { P1: 2 * HOUR, P2: 8 * HOUR, P3: 2 * DAY, P4: 3 * DAY },
    });
    // The first window has no sites key at all (every site), not an empty list.
    expect(Object.hasOwn(got.maintenance_windows![0]!, 'sites')).toBe(false);
  });

  it('a zero minimum outage and an empty cause list are still terms the file set', () => {
    expect(contractFromScenario(parse({ min_outage: '0s', exclude_causes: [], critical_kinds: [], credits: [] }))).toEqual({ min_outage_ms: 0, exclude_causes: [], critical_kinds: [], credits: [] });
  });

  it('an empty contract sets no key at all, not keys holding undefined', () => {
    expect(Object.keys(contractFromScenario(parse({})))).toEqual([]);
  });

  it('target, round-the-clock hours, credits, fee and building-down fraction map over as given', () => {
    const got = contractFromScenario(parse({ availability_target: '99.5%', service_hours: '24x7', credits: [{ below: '99%', credit: '10%' }], monthly_fee: '12000 USD', building_down_fraction: 0.5 }));
    expect(got).toStrictEqual({
      availability_target: 0.995,
      service_hours: { kind: '24x7' },
      credits: [{ below: 0.99, credit: 0.1 }],
      monthly_fee: { amount: 12000, currency: 'USD' },
      building_down_fraction: 0.5,
    });
  });

  it('a credit given as the fraction 0 is a credit of nothing, not a refusal', () => {
    expect(contractFromScenario(parse({ credits: [{ below: 0.99, credit: 0 }] }))).toStrictEqual({ credits: [{ below: 0.99, credit: 0 }] });
  });

  it('clients keep only the fields they give', () => {
    const got = contractFromScenario(parse({ clients: [{ id: 'bare' }, { id: 'full', sites: ['s'], buildings: ['b'], availability_target: 0.9, credits: [{ below: '99%', credit: '5%' }], monthly_fee: '10 USD' }] }));
    expect(got.clients).toEqual([
      { id: 'bare' },
      { id: 'full', sites: ['s'], buildings: ['b'], availability_target: 0.9, credits: [{ below: 0.99, credit: 0.05 }], monthly_fee: { amount: 10, currency: 'USD' } },
    ]);
    expect(Object.keys(got.clients![0]!)).toEqual(['id']);
  });
});
