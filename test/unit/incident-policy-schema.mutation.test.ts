import { describe, expect, it } from 'vitest';
import { buildingIds, checkIncidentPolicy, resolveIncidentPolicy, zIncidentPolicy, type IncidentPolicyInput } from '../../harness/scenario/incident-policy-schema.ts';
import type { FleetSpec } from '../../sim/world/fleet-spec.ts';

// harness/scenario/incident-policy-schema.ts: building ids, the name checks and the resolution of
// client, site and building overrides, written to kill the mutants StrykerJS left alive
// (docs/testing.md, "Mutation testing"). Expected values are worked out by hand from the fleet below.

const fleet = {
  sites: [
    { id: 'stp', buildings: [{ id: 'loft' }, { id: 'yard', count: 1 }] },
    { id: 'msp', buildings: [{ id: 'riverside', count: 3 }] },
  ],
} as unknown as FleetSpec;

const parse = (input: unknown): IncidentPolicyInput => zIncidentPolicy.parse(input);

describe('buildingIds', () => {
  it('a building without count, or with count 1, keeps its id; count n stamps out id-1 … id-n; all sorted', () => {
    expect(buildingIds(fleet)).toEqual(['loft', 'riverside-1', 'riverside-2', 'riverside-3', 'yard']);
    expect(buildingIds({ sites: [{ id: 's', buildings: [{ id: 'b', count: 2 }] }] } as unknown as FleetSpec)).toEqual(['b-1', 'b-2']);
  });
});

describe('checkIncidentPolicy', () => {
  const clients = [{ id: 'stp-lofts', sites: ['stp'] }, { id: 'acme' }];

  it('no policy, or names that all exist: no issue', () => {
    expect(checkIncidentPolicy(undefined, fleet, clients)).toEqual([]);
    expect(checkIncidentPolicy(parse({ sites: { msp: {} }, buildings: { 'riverside-3': {}, loft: {} }, clients: { acme: {} } }), fleet, clients)).toEqual([]);
  });

  it('unknown sites, buildings and clients, each at its key, with a did-you-mean when one is close', () => {
    const got = checkIncidentPolicy(
      parse({ sites: { mps: {}, tokyo: {} }, buildings: { riverside: {}, 'riverside-4': {}, zzzzzz: {} }, clients: { acm: {}, nobody: {} } }),
      fleet,
      clients,
    );
    expect(got).toEqual([
      { path: ['platform', 'incident_policy', 'sites', 'mps'], message: 'no site "mps" in the fleet (did you mean "msp"?)' },
      { path: ['platform', 'incident_policy', 'sites', 'tokyo'], message: 'no site "tokyo" in the fleet' },
      // `riverside` stands for three buildings, so it is not a building id itself.
      { path: ['platform', 'incident_policy', 'buildings', 'riverside'], message: 'no building "riverside" in the fleet (did you mean "riverside-1"?)' },
      { path: ['platform', 'incident_policy', 'buildings', 'riverside-4'], message: 'no building "riverside-4" in the fleet (did you mean "riverside-1"?)' },
      { path: ['platform', 'incident_policy', 'buildings', 'zzzzzz'], message: 'no building "zzzzzz" in the fleet' },
      { path: ['platform', 'incident_policy', 'clients', 'acm'], message: 'no client "acm" in platform.contract.clients (did you mean "acme"?)' },
      { path: ['platform', 'incident_policy', 'clients', 'nobody'], message: 'no client "nobody" in platform.contract.clients' },
    ]);
  });

  it('a client named when the contract lists none says so', () => {
    expect(checkIncidentPolicy(parse({ clients: { acme: {} } }), fleet, [])).toEqual([
      { path: ['platform', 'incident_policy', 'clients', 'acme'], message: 'no client "acme": platform.contract lists no clients' },
    ]);
  });
});

describe('resolveIncidentPolicy', () => {
  it('no policy: undefined; an empty one: no scopes and no threshold', () => {
    expect(resolveIncidentPolicy(undefined, [])).toBeUndefined();
    expect(resolveIncidentPolicy(parse({}), [])).toEqual({ scopes: [] });
    expect(resolveIncidentPolicy(parse({ min_severity: 'warning' }), [])).toEqual({ scopes: [], min_severity: 'warning' });
  });

  it('a client lands on its sites and buildings; a site or building named directly refines it; scopes sorted by kind then id', () => {
    const clients = [
      { id: 'zeta', sites: ['stp', 'msp'], buildings: ['yard'] },
      { id: 'alpha', sites: ['stp'] },
      { id: 'unused', buildings: ['loft'] },
    ];
    const got = resolveIncidentPolicy(
      parse({
        clients: {
          zeta: { min_severity: 'critical', rules: { leak: false, battery_low: true } },
          alpha: { rules: { leak: true } },
          ghost: { min_severity: 'major' },
        },
        sites: { msp: { min_severity: 'minor' } },
        buildings: { yard: { rules: { battery_low: false } }, loft: { min_severity: 'warning' } },
      }),
      clients,
    );
    // Clients in id order: alpha first, then zeta (whose leak: false overrides alpha's on stp).
    expect(got).toEqual({
      scopes: [
        { building: 'loft', min_severity: 'warning' },
        { building: 'yard', min_severity: 'critical', rules: { leak: false, battery_low: false } },
        { site: 'msp', min_severity: 'minor', rules: { leak: false, battery_low: true } },
        { site: 'stp', min_severity: 'critical', rules: { leak: false, battery_low: true } },
      ],
    });
  });

  it('the client order is by id whatever order the file lists them in', () => {
    const clients = [{ id: 'b', sites: ['s'] }, { id: 'a', sites: ['s'] }];
    const one = resolveIncidentPolicy(parse({ clients: { b: { min_severity: 'major' }, a: { min_severity: 'minor' } } }), clients);
    const two = resolveIncidentPolicy(parse({ clients: { a: { min_severity: 'minor' }, b: { min_severity: 'major' } } }), clients);
    expect(one).toEqual({ scopes: [{ site: 's', min_severity: 'major' }] });
    expect(two).toEqual(one);
  });

  it('scopes come out sorted whatever order they were named in', () => {
    const got = resolveIncidentPolicy(parse({ sites: { b: {}, a: {} }, buildings: { d: {}, c: {} } }), []);
    expect(got).toEqual({ scopes: [{ building: 'c' }, { building: 'd' }, { site: 'a' }, { site: 'b' }] });
  });
});

describe('zIncidentPolicy', () => {
  it('refuses unknown keys, unknown severities and unknown rules; threshold is a rule', () => {
    expect(zIncidentPolicy.safeParse({ min_severity: 'info' }).success).toBe(false);
    expect(zIncidentPolicy.safeParse({ sites: { a: { rules: { nope: true } } } }).success).toBe(false);
    expect(zIncidentPolicy.safeParse({ sites: { a: { rules: { threshold: false } } } }).success).toBe(true);
    expect(zIncidentPolicy.safeParse({ site: {} }).success).toBe(false);
    expect(zIncidentPolicy.safeParse({ sites: { a: { severity: 'major' } } }).success).toBe(false);
    for (const s of ['critical', 'major', 'minor', 'warning']) expect(zIncidentPolicy.safeParse({ min_severity: s }).success).toBe(true);
  });
});
