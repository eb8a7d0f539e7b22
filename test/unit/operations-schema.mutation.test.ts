import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Module from '../../harness/scenario/operations-schema.ts';
import type { OperationsInput } from '../../harness/scenario/operations-schema.ts';

// harness/scenario/operations-schema.ts: the `operations:` section's shape, how it resolves over
// the defaults, and its cross-references, written to kill the mutants StrykerJS left alive
// (docs/testing.md, "Mutation testing"). The defaults are written out by hand from
// docs/operations.md, not read from defaultOperations().

// Each test loads the module afresh (vi.resetModules, then import), so the zod schema is built
// inside the test: mutation testing credits a test only with code that runs inside it, and a
// schema built at import would otherwise be scored by no test (docs/testing.md, "hybrid" static
// mutants).
let checkOperations: typeof Module.checkOperations;
let resolveOperations: typeof Module.resolveOperations;
let zOperations: typeof Module.zOperations;
beforeEach(async () => {
  vi.resetModules();
  ({ checkOperations, resolveOperations, zOperations } = await import('../../harness/scenario/operations-schema.ts'));
});

const MIN = 60_000;
const HOUR = 60 * MIN;

const DEFAULTS = {
  noc: {
    hours: null,
    metro_hours: {},
    ack_delay_ms: { P1: 4 * MIN, P2: 12 * MIN, P3: 60 * MIN, P4: 4 * HOUR },
    auto_ack: true,
    escalation: { enabled: true, margin_ms: 5 * MIN },
  },
  field_service: {
    technicians_per_metro: 2,
    metro_technicians: {},
    hours: { days: [1, 2, 3, 4, 5], start_min: 480, end_min: 1080 },
    callout_priorities: ['P1'],
    travel_ms: { min: 20 * MIN, max: 60 * MIN },
    site_travel_ms: {},
    repair_ms: { min: 20 * MIN, max: 90 * MIN },
    extra_device_ms: 10 * MIN,
    dispatch_after_ms: 30 * MIN,
    batch_per_site: true,
    battery: { proactive: true, lead_time_ms: 24 * HOUR },
    replacement_firmware: {},
  },
  costs: { currency: 'USD', truck_roll: 300, technician_hour: 75, battery: 15, replaced_device: 200 },
};

const parse = (input: unknown): OperationsInput => zOperations.parse(input);

describe('resolveOperations', () => {
  it('no section, or an empty one, is the defaults', () => {
    expect(resolveOperations(undefined)).toEqual(DEFAULTS);
    expect(resolveOperations(parse({}))).toEqual(DEFAULTS);
    expect(resolveOperations(parse({ noc: {}, field_service: {}, costs: {} }))).toEqual(DEFAULTS);
  });

  it('every field given replaces its default; hours become sorted unique day numbers and minutes', () => {
    const got = resolveOperations(
      parse({
        noc: {
          hours: { days: ['fri', 'monday', 'mon', 'sun'], from: '08:30', to: '24:00' },
          metros: { 'New York': { hours: '24x7' }, Berlin: { hours: { days: ['saturday'], from: '00:00', to: '23:59' } } },
          ack_delay: { P1: '2m', P4: '1h' },
          auto_ack: false,
          escalation: { enabled: false, margin: '10m' },
        },
        field_service: {
          technicians: 3,
          metros: { 'New York': { technicians: 4 } },
          hours: '24x7',
          callout: ['P1', 'P2'],
          travel: { min: '10m', max: '30m' },
          sites: { nyc: { travel: '15m' } },
          repair: { min: '1h', max: '2h' },
          extra_device: '5m',
          dispatch_after: '0m',
          batch_per_site: false,
          battery: { proactive: false, lead_time: '2d' },
          replacement_firmware: { 'LGT-DALI-60': '4.0.0' },
        },
        costs: { currency: 'EUR', truck_roll: 100, replaced_device: 0 },
      }),
    );
    expect(got).toEqual({
      noc: {
        hours: { days: [0, 1, 5], start_min: 510, end_min: 1440 },
        metro_hours: { 'New York': null, Berlin: { days: [6], start_min: 0, end_min: 1439 } },
        ack_delay_ms: { P1: 2 * MIN, P2: 12 * MIN, P3: 60 * MIN, P4: HOUR },
        auto_ack: false,
        escalation: { enabled: false, margin_ms: 10 * MIN },
      },
      field_service: {
        technicians_per_metro: 3,
        metro_technicians: { 'New York': 4 },
        hours: null,
        callout_priorities: ['P1', 'P2'],
        travel_ms: { min: 10 * MIN, max: 30 * MIN },
        site_travel_ms: { nyc: 15 * MIN },
        repair_ms: { min: HOUR, max: 2 * HOUR },
        extra_device_ms: 5 * MIN,
        dispatch_after_ms: 0,
        batch_per_site: false,
        battery: { proactive: false, lead_time_ms: 48 * HOUR },
        replacement_firmware: { 'LGT-DALI-60': '4.0.0' },
      },
      costs: { currency: 'EUR', truck_roll: 100, technician_hour: 75, battery: 15, replaced_device: 0 },
    });
  });

  it('escalation: false turns it off and keeps the default margin; a margin alone keeps it on', () => {
    expect(resolveOperations(parse({ noc: { escalation: false } })).noc.escalation).toEqual({ enabled: false, margin_ms: 5 * MIN });
    expect(resolveOperations(parse({ noc: { escalation: { margin: '1m' } } })).noc.escalation).toEqual({ enabled: true, margin_ms: MIN });
    expect(resolveOperations(parse({ noc: { escalation: {} } })).noc.escalation).toEqual({ enabled: true, margin_ms: 5 * MIN });
  });

  it('a battery section with one field keeps the other default; days given in full are numbered like short ones', () => {
    const fs = resolveOperations(parse({ field_service: { battery: { lead_time: '6h' }, hours: { days: ['tuesday', 'thursday'], from: '09:00', to: '17:00' } } })).field_service;
    expect(fs.battery).toEqual({ proactive: true, lead_time_ms: 6 * HOUR });
    expect(fs.hours).toEqual({ days: [2, 4], start_min: 540, end_min: 1020 });
    expect(resolveOperations(parse({ field_service: { battery: { proactive: false } } })).field_service.battery).toEqual({ proactive: false, lead_time_ms: 24 * HOUR });
  });
});

describe('zOperations', () => {
  it('times of day: HH:MM from 00:00 to 23:59, and 24:00; nothing else', () => {
    const hours = (from: string, to: string) => zOperations.safeParse({ noc: { hours: { days: ['mon'], from, to } } }).success;
    expect(hours('00:00', '24:00')).toBe(true);
    expect(hours('19:59', '23:59')).toBe(true);
    for (const bad of ['24:01', '7:00', '07:60', '25:00', '07:00 ', 'x07:00', '24:00x', '30:00']) expect(hours(bad, '23:00')).toBe(false);
  });

  it('refuses unknown keys, an empty day list, zero technicians and a lowercase currency', () => {
    expect(zOperations.safeParse({ noc: { hourz: '24x7' } }).success).toBe(false);
    expect(zOperations.safeParse({ noc: { hours: { days: [], from: '08:00', to: '09:00' } } }).success).toBe(false);
    expect(zOperations.safeParse({ field_service: { technicians: 0 } }).success).toBe(false);
    expect(zOperations.safeParse({ field_service: { technicians: 1000 } }).success).toBe(true);
    expect(zOperations.safeParse({ field_service: { technicians: 1001 } }).success).toBe(false);
    expect(zOperations.safeParse({ costs: { currency: 'usd' } }).success).toBe(false);
    expect(zOperations.safeParse({ costs: { currency: 'USDX' } }).success).toBe(false);
    expect(zOperations.safeParse({ costs: { truck_roll: -1 } }).success).toBe(false);
    expect(zOperations.safeParse({ costs: { truck_roll: 1_000_000 } }).success).toBe(true);
    expect(zOperations.safeParse({ costs: { truck_roll: 1_000_001 } }).success).toBe(false);
    expect(zOperations.safeParse({ field_service: { callout: ['P5'] } }).success).toBe(false);
  });
});

describe('checkOperations', () => {
  const fleet = {
    sites: [
      { id: 'nyc-2', metro: 'New York' },
      { id: 'nyc-1', metro: 'New York' },
      { id: 'ber', metro: 'Berlin' },
    ],
  };

  it('no section: nothing to check; a clean section: no issue', () => {
    expect(checkOperations(undefined, fleet)).toEqual([]);
    expect(
      checkOperations(
        parse({ noc: { metros: { Berlin: { hours: '24x7' } }, hours: '24x7' }, field_service: { metros: { 'New York': { technicians: 1 } }, sites: { ber: { travel: '1h' } }, travel: { min: '1h', max: '1h' } } }),
        fleet,
      ),
    ).toEqual([]);
  });

  it('metros and sites must exist: a did-you-mean when one is close, else the known ones in order', () => {
    const got = checkOperations(parse({ noc: { metros: { Berln: { hours: '24x7' } } }, field_service: { metros: { Tokyo: { technicians: 1 } }, sites: { 'nyc-3': { travel: '1h' }, zzz: { travel: '1h' } } } }), fleet);
    expect(got).toEqual([
      { path: ['operations', 'noc', 'metros', 'Berln'], message: 'no site is in metro "Berln" (did you mean "Berlin"?)' },
      { path: ['operations', 'field_service', 'metros', 'Tokyo'], message: 'no site is in metro "Tokyo" (known: Berlin, New York)' },
      { path: ['operations', 'field_service', 'sites', 'nyc-3'], message: 'no site "nyc-3" in the fleet (did you mean "nyc-1"?)' },
      { path: ['operations', 'field_service', 'sites', 'zzz'], message: 'no site "zzz" in the fleet (known: ber, nyc-1, nyc-2)' },
    ]);
  });

  it('"to" must be after "from" in every hours entry; 24x7 has none', () => {
    const got = checkOperations(
      parse({
        noc: { hours: { days: ['mon'], from: '09:00', to: '09:00' }, metros: { Berlin: { hours: { days: ['mon'], from: '18:00', to: '08:00' } }, 'New York': { hours: '24x7' } } },
        field_service: { hours: { days: ['mon'], from: '08:00', to: '08:01' } },
      }),
      fleet,
    );
    expect(got).toEqual([
      { path: ['operations', 'noc', 'hours', 'to'], message: '"to" (09:00) must be after "from" (09:00); use 24x7 for around the clock' },
      { path: ['operations', 'noc', 'metros', 'Berlin', 'hours', 'to'], message: '"to" (08:00) must be after "from" (18:00); use 24x7 for around the clock' },
    ]);
    // Minutes count as well as hours.
    expect(checkOperations(parse({ field_service: { hours: { days: ['mon'], from: '08:30', to: '08:10' } } }), fleet)).toEqual([
      { path: ['operations', 'field_service', 'hours', 'to'], message: '"to" (08:10) must be after "from" (08:30); use 24x7 for around the clock' },
    ]);
  });

  it('travel and repair: max below min is refused at max', () => {
    expect(checkOperations(parse({ field_service: { travel: { min: '2h', max: '1h' }, repair: { min: '31m', max: '30m' } } }), fleet)).toEqual([
      { path: ['operations', 'field_service', 'travel', 'max'], message: 'max must be at least min' },
      { path: ['operations', 'field_service', 'repair', 'max'], message: 'max must be at least min' },
    ]);
  });

  it('replacement firmware names a known model and one of its versions, only when the versions are known', () => {
    const known = new Map([
      ['LGT-DALI-60', ['4.0.0', '4.1.0']],
      ['ENV-TH-20', ['1.0.0']],
    ]);
    const ops = parse({ field_service: { replacement_firmware: { 'LGT-DALI-61': '4.0.0', 'ENV-TH-20': '2.0.0', 'LGT-DALI-60': '4.1.0', ZZZ: '1' } } });
    expect(checkOperations(ops, fleet, known)).toEqual([
      { path: ['operations', 'field_service', 'replacement_firmware', 'LGT-DALI-61'], message: 'no model "LGT-DALI-61" (did you mean "LGT-DALI-60"?)' },
      { path: ['operations', 'field_service', 'replacement_firmware', 'ENV-TH-20'], message: "ENV-TH-20 has no firmware \"2.0.0\" (known: 1.0.0; add it to the scenario's firmware: catalog)" },
      { path: ['operations', 'field_service', 'replacement_firmware', 'ZZZ'], message: 'no model "ZZZ" (known: ENV-TH-20, LGT-DALI-60)' },
    ]);
    expect(checkOperations(ops, fleet)).toEqual([]);
    expect(checkOperations(parse({}), fleet, known)).toEqual([]);
  });
});
