import { describe, expect, it } from 'vitest';
import { runChecked } from '../../harness/expect/run-checked.ts';
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
});
