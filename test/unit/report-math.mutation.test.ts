import { describe, expect, it } from 'vitest';
import { defaultContract, type SlaContract } from '../../platform/sla/contract.ts';
import type { IntervalSet } from '../../platform/sla/intervals.ts';
import type { BuildingSla, DeviceSla, ErrorBudget, IncidentRow, IncidentsSla, PatchSla } from '../../platform/sla/report.ts';
import { HEALTH_FORMULA } from '../../platform/sla/report.ts';
import {
  aggregate,
  asOf,
  availabilityOf,
  buildingDown,
  BURN_RULES,
  BURN_WINDOWS,
  byPriority,
  compliance,
  creditsOf,
  healthOf,
  patchSection,
  sortedTiers,
  stats,
  sumDevices,
  verdictOf,
  type DeviceWork,
} from '../../platform/sla/report-math.ts';

// The SLA report's arithmetic (platform/sla/report-math.ts) on hand-worked numbers: every expected
// value below is computed by hand in the comment next to it, never by the functions under test.
// Written to kill the mutants StrykerJS left alive (docs/testing.md, "Mutation testing").

function device(o: Partial<DeviceSla> & { id: string }): DeviceSla {
  return {
    site: 's1',
    building: 'b1',
    kind: 'env',
    model: 'm1',
    fw: '1.0.0',
    critical: false,
    ledger_from_ms: 0,
    maintenance_ms: 0,
    agreed_ms: 0,
    downtime_ms: 0,
    excluded_ms: 0,
    unreachable_ms: 0,
    availability: 1,
    outage_count: 0,
    longest_outage_ms: 0,
    approved_fw: null,
    compliant: false,
    entries: { down: [], exclusions: [] },
    ...o,
  };
}

function work(id: string, down: IntervalSet, critical = false): DeviceWork {
  return { sla: device({ id, critical }), agreed: [], counted: [], effective_down: down };
}

describe('availabilityOf', () => {
  it('(agreed − down) / agreed, and 1 when nothing was agreed', () => {
    expect(availabilityOf(1_000, 250)).toBe(0.75);
    expect(availabilityOf(1, 0)).toBe(1);
    expect(availabilityOf(0, 0)).toBe(1);
    expect(availabilityOf(0, 5)).toBe(1);
  });
});

describe('stats', () => {
  it('all zero for no samples', () => {
    expect(stats([])).toEqual({ n: 0, sum_ms: 0, mean_ms: 0, p50_ms: 0, max_ms: 0 });
  });

  it('sorts numerically (100 > 20 > 3), nearest-rank median', () => {
    // sum 123, mean 41, median the 2nd smallest = 20, max 100
    expect(stats([100, 20, 3])).toEqual({ n: 3, sum_ms: 123, mean_ms: 41, p50_ms: 20, max_ms: 100 });
  });

  it('even count: the ⌈n/2⌉-th smallest; the mean rounds to nearest', () => {
    // [1, 2, 3, 4]: ⌈4/2⌉ = 2nd smallest = 2; mean 2.5 → 3
    expect(stats([4, 3, 2, 1])).toEqual({ n: 4, sum_ms: 10, mean_ms: 3, p50_ms: 2, max_ms: 4 });
    // mean 4/3 = 1.33 → 1
    expect(stats([2, 1, 1])).toMatchObject({ mean_ms: 1, p50_ms: 1, max_ms: 2 });
    // one sample: it is median and max
    expect(stats([7])).toEqual({ n: 1, sum_ms: 7, mean_ms: 7, p50_ms: 7, max_ms: 7 });
  });

  it('does not reorder the caller’s array', () => {
    const samples = [3, 1, 2];
    stats(samples);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe('compliance and verdicts', () => {
  it('met / (met + breached); pending counts apart; 1 when nothing is decided', () => {
    expect(compliance(['met', 'breached', 'pending', 'met'])).toEqual({ met: 2, breached: 1, pending: 1, compliance: 2 / 3 });
    expect(compliance(['pending', 'pending'])).toEqual({ met: 0, breached: 0, pending: 2, compliance: 1 });
    expect(compliance([])).toEqual({ met: 0, breached: 0, pending: 0, compliance: 1 });
    expect(compliance(['breached'])).toEqual({ met: 0, breached: 1, pending: 0, compliance: 0 });
  });

  it('done at the due instant is met, one ms later breached', () => {
    expect(verdictOf(10, 10, 100)).toBe('met');
    expect(verdictOf(11, 10, 100)).toBe('breached');
  });

  it('undone: breached once due is before the period end, pending when due at or after it', () => {
    expect(verdictOf(null, 99, 100)).toBe('breached');
    expect(verdictOf(null, 100, 100)).toBe('pending');
    expect(verdictOf(null, 101, 100)).toBe('pending');
  });

  it('asOf: a time at or after the period end has not happened', () => {
    expect(asOf(99, 100)).toBe(99);
    expect(asOf(100, 100)).toBeNull();
    expect(asOf(null, 100)).toBeNull();
  });
});

describe('burn windows and rules', () => {
  it('are the SRE workbook windows in ms and the three multiwindow rules', () => {
    expect(BURN_WINDOWS).toEqual([
      { window: '5m', window_ms: 300_000 },
      { window: '30m', window_ms: 1_800_000 },
      { window: '1h', window_ms: 3_600_000 },
      { window: '6h', window_ms: 21_600_000 },
      { window: '3d', window_ms: 259_200_000 },
    ]);
    expect(BURN_RULES).toEqual([
      { rule: 'page_1h', long: '1h', short: '5m', threshold: 14.4, severity: 'page' },
      { rule: 'page_6h', long: '6h', short: '30m', threshold: 6, severity: 'page' },
      { rule: 'ticket_3d', long: '3d', short: '6h', threshold: 1, severity: 'ticket' },
    ]);
  });
});

describe('sortedTiers', () => {
  it('highest threshold first, ties by smaller credit first; plain copies', () => {
    const input = [
      { below: 0.95, credit: 0.25, extra: 1 },
      { below: 0.99, credit: 0.2 },
      { below: 0.99, credit: 0.1 },
    ];
    expect(sortedTiers(input)).toEqual([
      { below: 0.99, credit: 0.1 },
      { below: 0.99, credit: 0.2 },
      { below: 0.95, credit: 0.25 },
    ]);
    expect(input[0]).toEqual({ below: 0.95, credit: 0.25, extra: 1 });
  });
});

describe('creditsOf', () => {
  const tiers = [
    { below: 0.95, credit: 0.25 },
    { below: 0.99, credit: 0.1 },
  ];

  function contract(o: Partial<SlaContract> = {}): SlaContract {
    return { ...defaultContract(), ...o };
  }

  it('the deepest tier reached and that share of the fee, rounded to cents', () => {
    // 0.97 is below 0.99 only: 10 % of 1,234.56 = 123.456 → 123.46
    const c = creditsOf(0.97, contract({ credits: tiers, monthly_fee: { amount: 1_234.56, currency: 'EUR' } }), []);
    expect(c).toEqual({
      availability: 0.97,
      tiers: [
        { below: 0.99, credit: 0.1 },
        { below: 0.95, credit: 0.25 },
      ],
      tier: { below: 0.99, credit: 0.1 },
      credit_pct: 0.1,
      monthly_fee: 1_234.56,
      currency: 'EUR',
      amount_owed: 123.46,
      clients: [],
    });
    // 0.90 is below both: the 0.95 tier, 25 % of 99.99 = 24.9975 → 25
    expect(creditsOf(0.9, contract({ credits: tiers, monthly_fee: { amount: 99.99, currency: 'USD' } }), [])).toMatchObject({
      tier: { below: 0.95, credit: 0.25 },
      credit_pct: 0.25,
      amount_owed: 25,
    });
  });

  it('no tier reached: 0 credit, no money; no fee: nulls', () => {
    expect(creditsOf(0.995, contract({ credits: tiers, monthly_fee: { amount: 500, currency: 'EUR' } }), [])).toMatchObject({ tier: null, credit_pct: 0, amount_owed: 0, monthly_fee: 500, currency: 'EUR' });
    expect(creditsOf(0.5, contract({ credits: tiers }), [])).toMatchObject({ tier: { below: 0.95, credit: 0.25 }, credit_pct: 0.25, monthly_fee: null, currency: null, amount_owed: null });
    expect(creditsOf(0.5, contract({ credits: undefined }), [])).toMatchObject({ tiers: [], tier: null, credit_pct: 0 });
  });

  it('clients: sorted by id, each over its own sites or buildings, own or inherited terms', () => {
    const devices = [
      // site s1, building b1: 1,000 agreed, 100 down
      device({ id: 'a', site: 's1', building: 'b1', agreed_ms: 1_000, downtime_ms: 100 }),
      // site s2, building b2: 1,000 agreed, 0 down
      device({ id: 'b', site: 's2', building: 'b2', agreed_ms: 1_000, downtime_ms: 0 }),
      // site s2, building b3: 2,000 agreed, 20 down
      device({ id: 'c', site: 's2', building: 'b3', agreed_ms: 2_000, downtime_ms: 20 }),
    ];
    const c = contract({
      availability_target: 0.99,
      credits: tiers,
      clients: [
        // s1 only: 900/1000 = 0.90 → below 0.95 → 25 % of 200 = 50
        { id: 'zeta', sites: ['s1'], monthly_fee: { amount: 200, currency: 'EUR' } },
        // building b3 only: 1980/2000 = 0.99, target 0.99 → met exactly; no tier (not below 0.99)
        { id: 'alpha', buildings: ['b3'] },
        // everything: 3880/4000 = 0.97; own tiers: below 0.98 → 5 %; own target 0.98 → not met
        { id: 'mid', availability_target: 0.98, credits: [{ below: 0.98, credit: 0.05 }], monthly_fee: { amount: 1_000, currency: 'USD' } },
        // site s1 or building b2: a and b, 1900/2000 = 0.95 → not below 0.95, below 0.99 → 10 %
        { id: 'or', sites: ['s1'], buildings: ['b2'] },
      ],
    });
    const clients = creditsOf(0.97, c, devices).clients;
    expect(clients.map((cl) => cl.id)).toEqual(['alpha', 'mid', 'or', 'zeta']);
    expect(clients[0]).toEqual({
      id: 'alpha',
      devices: 1,
      agreed_ms: 2_000,
      downtime_ms: 20,
      availability: 0.99,
      target: 0.99,
      met: true,
      tier: null,
      credit_pct: 0,
      monthly_fee: null,
      currency: null,
      amount_owed: null,
    });
    expect(clients[1]).toEqual({
      id: 'mid',
      devices: 3,
      agreed_ms: 4_000,
      downtime_ms: 120,
      availability: 0.97,
      target: 0.98,
      met: false,
      tier: { below: 0.98, credit: 0.05 },
      credit_pct: 0.05,
      monthly_fee: 1_000,
      currency: 'USD',
      amount_owed: 50,
    });
    expect(clients[2]).toMatchObject({ id: 'or', devices: 2, agreed_ms: 2_000, downtime_ms: 100, availability: 0.95, met: false, tier: { below: 0.99, credit: 0.1 }, credit_pct: 0.1 });
    expect(clients[3]).toMatchObject({ id: 'zeta', devices: 1, availability: 0.9, target: 0.99, met: false, tier: { below: 0.95, credit: 0.25 }, monthly_fee: 200, currency: 'EUR', amount_owed: 50 });
  });

  it('a client with no devices of its own is at 100 % and owes nothing', () => {
    const c = contract({ credits: tiers, clients: [{ id: 'x', sites: ['nowhere'], monthly_fee: { amount: 10, currency: 'EUR' } }] });
    expect(creditsOf(0.5, c, [device({ id: 'a', agreed_ms: 10, downtime_ms: 10 })]).clients).toEqual([
      { id: 'x', devices: 0, agreed_ms: 0, downtime_ms: 0, availability: 1, target: 0.995, met: true, tier: null, credit_pct: 0, monthly_fee: 10, currency: 'EUR', amount_owed: 0 },
    ]);
  });
});

describe('byPriority, sumDevices, aggregate', () => {
  it('byPriority keeps exactly P1..P4 in order', () => {
    const r = byPriority({ P4: 4, P2: 2, P1: 1, P3: 3, extra: 9 } as never);
    expect(Object.entries(r)).toEqual([
      ['P1', 1],
      ['P2', 2],
      ['P3', 3],
      ['P4', 4],
    ]);
  });

  it('sumDevices adds up and keeps the longest outage', () => {
    const devices = [
      device({ id: 'a', agreed_ms: 100, downtime_ms: 10, excluded_ms: 1, outage_count: 2, longest_outage_ms: 7 }),
      device({ id: 'b', agreed_ms: 200, downtime_ms: 20, excluded_ms: 2, outage_count: 3, longest_outage_ms: 5 }),
    ];
    expect(sumDevices(devices)).toEqual({ agreed_ms: 300, downtime_ms: 30, excluded_ms: 3, outage_count: 5, longest_outage_ms: 7 });
    expect(sumDevices([])).toEqual({ agreed_ms: 0, downtime_ms: 0, excluded_ms: 0, outage_count: 0, longest_outage_ms: 0 });
  });

  it('aggregate: device sums, and the rule weighted by each building’s device count', () => {
    const devices = [
      device({ id: 'a', agreed_ms: 100, downtime_ms: 10, excluded_ms: 4, outage_count: 1, longest_outage_ms: 10 }),
      device({ id: 'b', agreed_ms: 100, downtime_ms: 30, excluded_ms: 0, outage_count: 2, longest_outage_ms: 20 }),
      device({ id: 'c', agreed_ms: 200, downtime_ms: 0, excluded_ms: 0, outage_count: 0, longest_outage_ms: 0 }),
    ];
    const building = (id: string, n: number, agreed_ms: number, down_ms: number, outage_count: number, longest_outage_ms: number): BuildingSla => ({
      site: 's1',
      id,
      devices: n,
      critical_devices: [],
      agreed_ms: 0,
      downtime_ms: 0,
      excluded_ms: 0,
      availability: 1,
      device_outage_count: 0,
      longest_device_outage_ms: 0,
      rule: { agreed_ms, down_ms, availability: 1, outage_count, longest_outage_ms, episodes: [] },
    });
    // weighted agreed = 2·100 + 1·200 = 400; weighted down = 2·10 + 1·40 = 60 → 340/400 = 0.85
    const agg = aggregate([building('b1', 2, 100, 10, 1, 10), building('b2', 1, 200, 40, 3, 40)], devices);
    expect(agg).toEqual({
      buildings: 2,
      devices: 3,
      agreed_ms: 400,
      downtime_ms: 40,
      excluded_ms: 4,
      availability: 0.9,
      device_outage_count: 3,
      longest_device_outage_ms: 20,
      rule: { weighted_agreed_ms: 400, weighted_down_ms: 60, availability: 0.85, outage_count: 4, longest_outage_ms: 40 },
    });
  });
});

describe('buildingDown', () => {
  it('down while at least the fraction of devices is down', () => {
    // 4 devices, fraction 0.5: down while ≥ 2 are down.
    const list = [work('a', [[0, 100]]), work('b', [[50, 150]]), work('c', [[120, 200]]), work('d', [])];
    // 2 down on [50,100) (a,b), then [120,150) (b,c)
    expect(buildingDown(list, 0.5)).toEqual([
      [50, 100],
      [120, 150],
    ]);
    // fraction 0.75: needs 3 of 4, never
    expect(buildingDown(list, 0.75)).toEqual([]);
    // fraction 0.25: any one device: [0, 200)
    expect(buildingDown(list, 0.25)).toEqual([[0, 200]]);
  });

  it('exactly the fraction counts (≥, not >)', () => {
    // 2 devices, fraction 0.5 → 1 down is enough
    expect(buildingDown([work('a', [[10, 20]]), work('b', [])], 0.5)).toEqual([[10, 20]]);
  });

  it('any critical device down makes the building down, whatever the fraction', () => {
    const list = [work('crit', [[10, 20]], true), work('b', [[30, 40]]), work('c', []), work('d', [])];
    expect(buildingDown(list, 0.9)).toEqual([[10, 20]]);
  });

  it('a hand-over at one instant (one ends as another starts) is no gap', () => {
    const list = [work('a', [[0, 50]]), work('b', [[50, 100]])];
    expect(buildingDown(list, 0.5)).toEqual([[0, 100]]);
    // with the fraction at 1, both must be down together: only where they overlap, nowhere here
    expect(buildingDown(list, 1)).toEqual([]);
  });

  it('many devices changing at one instant are all applied before the test', () => {
    // 3 devices, fraction 1: all three down on [20, 30)
    const list = [work('a', [[10, 30]]), work('b', [[20, 40]]), work('c', [[20, 30]])];
    expect(buildingDown(list, 1)).toEqual([[20, 30]]);
  });

  it('events out of time order in the input are sorted', () => {
    const list = [work('a', [[100, 200]]), work('b', [[0, 10]])];
    expect(buildingDown(list, 0.5)).toEqual([
      [0, 10],
      [100, 200],
    ]);
  });

  it('a critical device ending its outage stops the critical rule', () => {
    // crit down [0,10); plain b down [5,100); 3 devices, fraction 0.5 → 1.5 devices: b alone is not enough
    const list = [work('crit', [[0, 10]], true), work('b', [[5, 100]]), work('c', [])];
    expect(buildingDown(list, 0.5)).toEqual([[0, 10]]);
  });

  it('no devices: never down', () => {
    expect(buildingDown([], 0.5)).toEqual([]);
  });
});

describe('patchSection', () => {
  it('coverage overall and per model, models sorted, approved firmware from the model’s devices', () => {
    const devices = [
      device({ id: 'a', model: 'zeta', compliant: true, approved_fw: '2.0' }),
      device({ id: 'b', model: 'alpha', compliant: false, approved_fw: '1.1' }),
      device({ id: 'c', model: 'zeta', compliant: false, approved_fw: '2.0' }),
      device({ id: 'd', model: 'alpha', compliant: true, approved_fw: '1.1' }),
      device({ id: 'e', model: 'alpha', compliant: true, approved_fw: '1.1' }),
    ];
    expect(patchSection(devices)).toEqual({
      devices: 5,
      compliant: 3,
      coverage: 0.6,
      by_model: [
        { model: 'alpha', approved_fw: '1.1', devices: 3, compliant: 2, coverage: 2 / 3 },
        { model: 'zeta', approved_fw: '2.0', devices: 2, compliant: 1, coverage: 0.5 },
      ],
    });
  });

  it('an empty fleet is fully covered; a model with no approved firmware says null', () => {
    expect(patchSection([])).toEqual({ devices: 0, compliant: 0, coverage: 1, by_model: [] });
    expect(patchSection([device({ id: 'a', model: 'm', approved_fw: null })]).by_model).toEqual([{ model: 'm', approved_fw: null, devices: 1, compliant: 0, coverage: 0 }]);
  });
});

describe('healthOf', () => {
  function budget(remaining_fraction: number): ErrorBudget {
    return { target: 0.99, agreed_ms: 0, downtime_ms: 0, budget_ms: 0, remaining_ms: 0, remaining_fraction, burn: [], alerts: [], verdict: 'none' };
  }
  function row(id: string, priority: IncidentRow['priority'], status_at_end: IncidentRow['status_at_end']): IncidentRow {
    return {
      id,
      priority,
      cause: 'x',
      scope: 'device',
      site: 's1',
      building: null,
      devices: 1,
      excluded: false,
      status_at_end,
      opened_ms: 0,
      acked_ms: null,
      resolved_ms: null,
      response_due_ms: 0,
      resolution_due_ms: 0,
      tta_ms: null,
      ttr_ms: null,
      response: 'met',
      resolution: 'met',
    };
  }
  function incidents(list: IncidentRow[], response_compliance: number): IncidentsSla {
    const c = { met: 0, breached: 0, pending: 0, compliance: response_compliance };
    return { count: list.length, open_at_end: 0, response: c, resolution: { met: 0, breached: 0, pending: 0, compliance: 0.123 }, by_priority: [], list };
  }
  const patch = (coverage: number): PatchSla => ({ devices: 0, compliant: 0, coverage, by_model: [] });

  it('the weighted sum of the four components, rounded to 0.1', () => {
    // open P1/P2: i1 (P1 open), i2 (P2 acknowledged) of 5 → 0.4; P3 open and P1 resolved do not count.
    const list = [row('i1', 'P1', 'open'), row('i2', 'P2', 'acknowledged'), row('i3', 'P3', 'open'), row('i4', 'P1', 'resolved'), row('i5', 'P4', 'open')];
    const h = healthOf(budget(0.8), incidents(list, 0.5), patch(0.25));
    // 100 × (0.5·0.8 + 0.2·0.5 + 0.2·0.25 + 0.1·0.6) = 100 × (0.4 + 0.1 + 0.05 + 0.06) = 61
    expect(h).toEqual({ score: 61, formula: HEALTH_FORMULA, components: { availability_score: 0.8, response_compliance: 0.5, patch_coverage: 0.25, open_p1p2_share: 0.4 } });
  });

  it('the availability score is clamped to [0, 1]; no incidents means no open share', () => {
    expect(healthOf(budget(-3), incidents([], 1), patch(1))).toMatchObject({ score: 50, components: { availability_score: 0, open_p1p2_share: 0 } });
    expect(healthOf(budget(1.5), incidents([], 1), patch(1))).toMatchObject({ score: 100, components: { availability_score: 1 } });
  });

  it('rounds to one decimal', () => {
    // 100 × (0.5·0.3331 + 0.2·1 + 0.2·1 + 0.1·1) = 100 × 0.66655 = 66.655 → 66.7
    const s = healthOf(budget(0.3331), incidents([], 1), patch(1)).score;
    expect(s).toBe(66.7);
  });
});
