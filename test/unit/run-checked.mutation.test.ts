import { describe, expect, it } from 'vitest';
import { rolloutsOf, runChecked } from '../../harness/expect/run-checked.ts';
import type { RunSummary } from '../../harness/run/run-types.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';

/**
 * Pins harness/expect/run-checked.ts end to end on one small in-memory run (a one-zone office,
 * two hours): `always:` checks sampled at every step, the facts handed to the end-of-run checks,
 * failure stamps in the device's site zone, and the caller's own hooks still called.
 */
const GATEWAY = 'hq-f01-gw-001';

function scenario(expect_section: string) {
  return parseScenario(`name: rc
seed: 3
start: "2026-03-03 09:00"
duration: 2h
fleet:
  sites:
    - id: nyc
      metro: New York
      timezone: America/New_York
      buildings:
        - id: hq
          type: office
          floors: 1
          zones_per_floor: 1
          per_zone: { occupancy: 1, env: 1 }
timeline:
  - id: reboot
    at: 30m
    action: outage.start
    outage: gateway_down
    target: { device: ${GATEWAY} }
    for: 20m
${expect_section}`, 'rc.yaml');
}

describe('runChecked', () => {
  it('samples always: checks on the live platform, evaluates the rest on the facts, and stamps failures in the site\'s zone', async () => {
    const s = scenario(`expect:
  - always: firing_alerts >= 0
  - always: offline_devices <= 0
  - that: messages > 0
  - that: incidents >= 1
  - alert: battery_low
    for_fault: reboot
    within: 5m
`);
    const steps: number[] = [];
    let platform_seen = 0;
    const r = await runChecked(s, { on_step: (t) => steps.push(t), on_platform: () => platform_seen++ });
    expect(platform_seen).toBe(1);
    expect(steps.length).toBeGreaterThan(10);
    expect(r.platform).toBeDefined();
    expect(r.report).toBeDefined();
    const [always_ok, always_bad, messages, incidents, alert] = r.results;
    expect(always_ok).toMatchObject({ status: 'passed', message: `held at all ${steps.length} step ends` });
    // The gateway is down 30–50 min: the platform sees it (and its children) OFFLINE or UNREACHABLE.
    expect(always_bad!.status).toBe('failed');
    expect(always_bad!.message).toMatch(/^offline_devices was [1-9]\d* at 2026-03-03 09:\d\d America\/New_York \(\+\d+m( \d+s)?\), expected always ≤ 0/);
    expect(messages).toMatchObject({ status: 'passed' });
    expect(incidents).toMatchObject({ status: 'passed' });
    // No battery alert comes of a gateway outage: the failure names the onset on the site's clock (09:30 New York).
    expect(alert).toMatchObject({ status: 'failed' });
    expect(alert!.message).toMatch(/^no battery_low alert for fault \S+ \(gateway_down on hq-f01-gw-001, onset 2026-03-03 09:30 America\/New_York \(\+30m\)\) within 5m$/);
    expect(r.passed).toBe(false);
    expect(r.summary.oracle).not.toBeNull();
  });

  it('passes when nothing failed, with no always: checks the caller\'s on_step still runs', async () => {
    const s = scenario(`expect:
  - that: messages > 0
  - that: messages < 1
    name: fails
`);
    const steps: number[] = [];
    const r = await runChecked(s, { on_step: (t) => steps.push(t) });
    expect(steps.length).toBeGreaterThan(10);
    expect(r.results.map((x) => x.status)).toEqual(['passed', 'failed']);
    expect(r.results[1]!.message).toMatch(/^messages = \d+, expected < 1$/);
    expect(r.passed).toBe(false);
    const ok = await runChecked(scenario('expect:\n  - that: messages > 0\n'));
    expect(ok.passed).toBe(true);
  });

  it('stamps a fault in the zone of the site it hit, samples always: checks with no on_step of the caller, and hands over the report, alerts and topology', async () => {
    // Two sites: the start zone is the first site's (New York); the fault hits a gateway in Berlin.
    const s = parseScenario(`name: rc2
seed: 3
start: "2026-03-03 09:00"
duration: 2h
fleet:
  sites:
    - id: nyc
      metro: New York
      timezone: America/New_York
      buildings:
        - id: hq
          type: office
          floors: 1
          zones_per_floor: 1
          per_zone: { occupancy: 1, env: 1 }
    - id: ber
      metro: Berlin
      timezone: Europe/Berlin
      buildings:
        - id: lab
          type: office
          floors: 1
          zones_per_floor: 1
          per_zone: { occupancy: 1, env: 1 }
timeline:
  - id: reboot
    at: 30m
    action: outage.start
    outage: gateway_down
    target: { device: lab-f01-gw-001 }
    for: 20m
expect:
  - always: firing_alerts >= 0
  - alert: battery_low
    for_fault: reboot
    within: 5m
  - alert: gateway_offline
    for_fault: reboot
    within: 10m
  - that: sla.availability > 0.5
`, 'rc2.yaml');
    const r = await runChecked(s);
    const [always, battery, offline, availability] = r.results;
    // Sampled although the caller passed no on_step.
    expect(always!.status).toBe('passed');
    expect(always!.message).toMatch(/^held at all [1-9]\d* step ends$/);
    // 09:00 in New York on 3 March (EST, UTC−5) is 14:00 UTC, 15:00 in Berlin (CET, UTC+1); the onset is 30 minutes later.
    expect(battery!.status).toBe('failed');
    expect(battery!.message).toBe('no battery_low alert for fault reboot (gateway_down on lab-f01-gw-001, onset 2026-03-03 15:30 Europe/Berlin (+30m)) within 5m');
    // The platform's alerts and the portfolio (for the devices the fault affects) reach the fault checks.
    expect(offline!.status).toBe('passed');
    // The SLA report reaches the end-of-run checks.
    expect(availability!.status).toBe('passed');
    expect(availability!.message).toMatch(/^sla\.availability = \d+(\.\d+)?%, expected > 50%$/);
  });

  it('with no platform in the loop: no report, no live samples, fault checks skipped, device-free checks still decided', async () => {
    const s = scenario(`expect:
  - always: firing_alerts >= 0
  - that: messages > 0
  - that: incidents >= 0
  - alert: battery_low
    for_fault: reboot
    within: 5m
`);
    const r = await runChecked(s, { platform: false });
    expect(r.platform).toBeUndefined();
    expect(r.report).toBeUndefined();
    expect(r.results.map((x) => x.status)).toEqual(['skipped', 'passed', 'skipped', 'skipped']);
    expect(r.results[0]!.message).toBe('never sampled (no platform in the loop, or no lockstep step ran)');
    expect(r.results[3]!.message).toBe('the run had no platform in the loop');
    expect(r.passed).toBe(true);
  });
});

describe('rolloutsOf', () => {
  it('keeps only list entries that are objects: a function carrying a string id is left out', () => {
    const fn = Object.assign(() => 0, { id: 'f' });
    const summary = { rollouts: [fn, { id: 'r1', state: 'completed' }] } as unknown as RunSummary;
    expect(rolloutsOf(summary)).toEqual({ r1: { id: 'r1', state: 'completed' } });
  });

  it('undefined and null rollouts are none (not undefined), whatever the shape check', () => {
    expect(rolloutsOf({ rollouts: undefined } as unknown as RunSummary)).toBeNull();
    expect(rolloutsOf({ rollouts: null } as unknown as RunSummary)).toBeNull();
  });
});
