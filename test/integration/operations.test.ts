import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runChecked } from '../../harness/expect/run-checked.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import { ScenarioError } from '../../harness/scenario/errors.ts';

/**
 * The operations policy (docs/operations.md) decides what the simulated NOC and field service do:
 * `dispatch_after` keeps trucks home for outages that heal by themselves, `auto_ack: false`
 * leaves acknowledging to the client's own process, and the cost ledger prices the difference.
 * Small in-memory runs: a three-zone office on one gateway, working hours on a Tuesday.
 */
const GATEWAY = 'hq-f01-gw-001';
const START = '2026-03-03 09:00'; // a Tuesday: the field service is at work

function scenarioText(opts: { outage_for: string; operations: string; extra_timeline?: string; expect?: string }): string {
  return `name: ops
seed: 3
start: "${START}"
duration: 6h
fleet:
  sites:
    - id: nyc
      metro: New York
      timezone: America/New_York
      buildings:
        - id: hq
          type: office
          floors: 1
          zones_per_floor: 3
          per_zone: { occupancy: 1, env: 1 }
timeline:
  - id: reboot
    at: 1h
    action: outage.start
    outage: gateway_down
    target: { device: ${GATEWAY} }
    for: ${opts.outage_for}
${opts.extra_timeline ?? ''}operations:
${opts.operations}
${opts.expect ?? ''}`;
}

async function run(text: string) {
  const scenario = parseScenario(text, 'ops.yaml');
  const lines: string[] = [];
  const r = await runChecked(scenario, { trace_sink: (l) => lines.push(l) });
  return { ...r, scenario, lines };
}

const HOUR = 3_600_000;

describe('field service: dispatch_after waits for self-heal, and the ledger prices it', () => {
  it('dispatch_after 30m: no truck for a 2-minute gateway reboot, one for a 2-hour outage; dispatching at once would have rolled one for the reboot', async () => {
    const policy = '  field_service:\n    dispatch_after: 30m\n  costs: { truck_roll: 300, technician_hour: 80, currency: USD }\n';
    const reboot = await run(scenarioText({ outage_for: '2m', operations: policy }));
    const outage = await run(scenarioText({ outage_for: '2h', operations: policy }));
    const eager = await run(scenarioText({ outage_for: '2m', operations: '  field_service:\n    dispatch_after: 0s\n  costs: { truck_roll: 300, technician_hour: 80 }\n' }));

    // The reboot opened an incident (so a naive policy would have sent someone) and healed itself.
    expect(reboot.platform!.incidents.all().some((i) => i.device_ids.includes(GATEWAY))).toBe(true);
    expect(reboot.summary.costs).toMatchObject({ truck_rolls: 0, total: 0, avoided_truck_rolls: 1, naive: { truck_rolls: 1 } });
    expect(reboot.lines.some((l) => l.includes('"k":"repair"'))).toBe(false);

    const c = outage.summary.costs!;
    expect(c.truck_rolls).toBe(1);
    expect(c.avoided_truck_rolls).toBe(0);
    const visit = c.visits[0]!;
    expect(visit.devices).toEqual([GATEWAY]); // only the dead gateway, not the devices that merely lost their path
    // truck roll + labour (both drives and time on site) at the scenario's rates.
    expect(c.total).toBeCloseTo(300 + (80 * visit.labour_ms) / HOUR, 2);
    // One cause (the platform's name for a gateway outage) carries the whole visit.
    expect(Object.values(c.by_cause)).toEqual([c.total]);
    // The truck left only after the outage had lasted dispatch_after.
    const outage_start = outage.scenario.start_ms + HOUR;
    expect(visit.dispatched_ms).toBeGreaterThanOrEqual(outage_start + 30 * 60_000);
    expect(c.total - reboot.summary.costs!.total).toBe(c.total);

    expect(eager.summary.costs!.truck_rolls).toBe(1);
    expect(eager.summary.costs!.avoided_truck_rolls).toBe(0);
  });

  it('expectations read the ledger: costs.truck_rolls, costs.total, costs.by_cause', async () => {
    const expectations = 'expect:\n  - that: costs.truck_rolls <= 0\n  - that: costs.avoided_truck_rolls = 1\n  - that: costs.total < 1\n  - that: costs.by_cause.uplink = 0\n';
    const ok = await run(scenarioText({ outage_for: '2m', operations: '  field_service: { dispatch_after: 30m }\n', expect: expectations }));
    expect(ok.results.map((r) => r.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    const bad = await run(scenarioText({ outage_for: '2h', operations: '  field_service: { dispatch_after: 30m }\n', expect: 'expect:\n  - that: costs.truck_rolls <= 0\n' }));
    expect(bad.passed).toBe(false);
    expect(bad.results[0]!.message).toContain('1');
  });
});

describe('NOC: auto_ack false leaves acknowledgement to the client', () => {
  const ops = '  noc:\n    auto_ack: false\n';
  const ackStep = '  - id: ack\n    at: 1h30m\n    action: operator.ack\n    by: client-desk\n';

  it('MTTA comes from the timeline operator.ack; without it nobody acknowledges and the response target is breached', async () => {
    const acked = await run(scenarioText({ outage_for: '2h', operations: ops, extra_timeline: ackStep }));
    const inc = acked.platform!.incidents.all().find((i) => i.device_ids.includes(GATEWAY))!;
    const ack_at = acked.scenario.start_ms + 1.5 * HOUR;
    expect(inc.acked_ms).toBe(ack_at);
    const row = acked.report!.incidents.list.find((r) => r.id === inc.id)!;
    expect(row.tta_ms).toBe(ack_at - inc.opened_ms);
    expect(acked.lines.some((l) => l.includes('"k":"noc"') && l.includes('"act":"ack"'))).toBe(false);
    expect(acked.summary.platform!.noc!.acknowledged).toBe(0);

    const nobody = await run(scenarioText({ outage_for: '2h', operations: ops }));
    const lone = nobody.platform!.incidents.all().find((i) => i.device_ids.includes(GATEWAY))!;
    expect(lone.acked_ms).toBeNull();
    const lone_row = nobody.report!.incidents.list.find((r) => r.id === lone.id)!;
    // Resolved by itself once the gateway was back, two hours in: too late for the response target.
    expect(lone_row.response).toBe('breached');

    // The default NOC acknowledges by itself, well before the client's desk would have.
    const auto = await run(scenarioText({ outage_for: '2h', operations: '  noc: { auto_ack: true }\n' }));
    const auto_inc = auto.platform!.incidents.all().find((i) => i.device_ids.includes(GATEWAY))!;
    expect(auto_inc.acked_ms).not.toBeNull();
    expect(auto_inc.acked_ms!).toBeLessThan(ack_at);
    expect(auto.report!.incidents.list.find((r) => r.id === auto_inc.id)!.response).toBe('met');
  });

  it('an off-shift NOC leaves the ack to escalation: the on-call engineer acknowledges before the target', async () => {
    // Staffed only on Sundays: the Tuesday incident would wait days; escalation pages on-call in time.
    const shift = '  noc:\n    hours: { days: [sun], from: "08:00", to: "09:00" }\n    escalation: { margin: 5m }\n';
    const r = await run(scenarioText({ outage_for: '2h', operations: shift }));
    const inc = r.platform!.incidents.all().find((i) => i.device_ids.includes(GATEWAY))!;
    expect(inc.acked_ms).not.toBeNull();
    expect(inc.acked_ms!).toBeLessThanOrEqual(inc.response_due_ms - 5 * 60_000 + 60_000);
    expect(r.summary.platform!.noc!.escalated).toBe(1);
    const none = await run(scenarioText({ outage_for: '2h', operations: shift.replace('escalation: { margin: 5m }', 'escalation: false') }));
    expect(none.platform!.incidents.all().find((i) => i.device_ids.includes(GATEWAY))!.acked_ms).toBeNull();
  });
});

describe('operations: section errors', () => {
  const base = scenarioText({ outage_for: '2h', operations: '' }).replace(/operations:\n+$/, '');
  const fail = (ops: string): string => {
    try {
      parseScenario(`${base}operations:\n${ops}`, 'ops.yaml');
    } catch (err) {
      if (err instanceof ScenarioError) return err.message;
      throw err;
    }
    throw new Error('expected a scenario error');
  };

  it('unknown keys, day names and metros get file:line:col and a did-you-mean', () => {
    expect(fail('  field_service:\n    dispatch_afer: 30m\n')).toMatch(/ops\.yaml:\d+:5: .*unknown key "dispatch_afer".*did you mean "dispatch_after"/);
    expect(fail('  noc:\n    hours: { days: [mon, tuseday], from: "08:00", to: "18:00" }\n')).toMatch(/ops\.yaml:\d+:\d+: .*did you mean "tuesday"/);
    expect(fail('  field_service:\n    metros: { "New Yrok": { technicians: 3 } }\n')).toMatch(/ops\.yaml:\d+:\d+: .*no site is in metro "New Yrok" \(did you mean "New York"\?\)/);
    expect(fail('  noc:\n    hours: { days: [mon], from: "18:00", to: "08:00" }\n')).toMatch(/"to" \(08:00\) must be after "from"/);
    expect(fail('  costs: { currency: usd }\n')).toMatch(/ops\.yaml:\d+:\d+: operations\.costs\.currency: expected text matching/);
  });
});

describe('the reboot fault', () => {
  it('a gateway reboot without for: lasts the model’s 2 minutes, comes back by itself, sends no truck, and is not scored as missed', async () => {
    const text = scenarioText({ outage_for: '2m', operations: '  field_service: { dispatch_after: 30m }\n' })
      .replace('action: outage.start\n    outage: gateway_down', 'action: fault.inject\n    fault: reboot')
      .replace('    for: 2m\n', '');
    const r = await run(text);
    const start = r.scenario.start_ms + HOUR;
    const power = r.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.k === 'power' && l.d === GATEWAY && (l.t as number) >= start);
    expect(power[0]).toMatchObject({ s: 'dead', why: 'reboot', t: start });
    const back = power.find((l) => l.s === 'online')!;
    expect(back.t as number).toBeGreaterThanOrEqual(start + 2 * 60_000);
    expect(back.t as number).toBeLessThan(start + 4 * 60_000);
    expect(r.summary.costs!.truck_rolls).toBe(0);
    const cls = r.summary.oracle!.classes.find((c) => c.fault === 'reboot')!;
    expect(cls.injected).toBe(1);
    expect(cls.missed).toBe(0);
  });
});

describe('proactive battery swaps', () => {
  it('battery_low books one swap after the lead time, which clears the alert; without the policy the battery is left to run down', async () => {
    // Seed 3 gives hq-f01-occ-002 a nearly flat cell: battery_low fires in the first hour.
    const on = await run(scenarioText({ outage_for: '2m', operations: '  field_service:\n    battery: { proactive: true, lead_time: 15m }\n' }));
    const low = on.platform!.alerts.all().filter((a) => a.type === 'battery_low');
    expect(low.map((a) => a.device_id)).toEqual(['hq-f01-occ-002']);
    const swaps = on.summary.costs!.visits;
    expect(swaps).toHaveLength(1); // one truck for the alert, however many steps it stayed firing
    expect(swaps[0]).toMatchObject({ devices: ['hq-f01-occ-002'], causes: ['battery_low'], batteries: 1 });
    expect(swaps[0]!.dispatched_ms).toBeGreaterThanOrEqual(low[0]!.started_ms + 15 * 60_000);
    expect(low[0]!.status).toBe('resolved'); // the new cell reports battery_replaced
    expect(on.summary.costs!.by_cause).toEqual({ battery_low: swaps[0]!.cost });

    const off = await run(scenarioText({ outage_for: '2m', operations: '  field_service:\n    battery: { proactive: false }\n' }));
    expect(off.summary.costs!.truck_rolls).toBe(0);
    expect(off.platform!.alerts.all().find((a) => a.type === 'battery_low')!.status).toBe('firing');
  });
});

describe('replacement units and their firmware', () => {
  // The bad-HVAC rollout bricks some single-bank controllers; the field service replaces them.
  const base = readFileSync('scenarios/rollout-bad-hvac.yaml', 'utf8').replace(/^expect:[\s\S]*$/m, '');
  const fixed = `${base.replace('firmware:\n', 'firmware:\n  - { model: HVAC-ZC-400, version: 2.3.1 }\n')}operations:\n  field_service:\n    replacement_firmware: { HVAC-ZC-400: 2.3.1 }\n`;

  it('a replaced unit comes back on the configured spares version (else on the version before the failed update), and the platform sees it', async () => {
    const r = await run(fixed);
    const lines = r.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const bricked = [...new Set(lines.filter((l) => l.k === 'ota' && l.s === 'bricked').map((l) => l.d as string))];
    expect(bricked.length).toBeGreaterThanOrEqual(1);
    expect(r.summary.costs!.replaced_devices).toBe(bricked.length);
    for (const d of bricked) {
      // The technician's repair names the version the replacement shipped with …
      expect(lines.find((l) => l.k === 'repair' && l.d === d)).toMatchObject({ fw: '2.3.1' });
      // … and the platform's registry has the unit on it (from its birth).
      expect(r.platform!.registry.device(d)!.fw).toBe('2.3.1');
    }
    // Controllers that were not bricked keep what they run (2.4.0 on the canary's successes, else 2.3.0).
    const others = r.platform!.registry.devices().filter((d) => d.model === 'HVAC-ZC-400' && !bricked.includes(d.id));
    expect(new Set(others.map((d) => d.fw))).toEqual(new Set(['2.3.0', '2.4.0']));
  }, 120_000);

  it('a replacement version the scenario does not know is refused at its line', () => {
    const bad = fixed.replace('replacement_firmware: { HVAC-ZC-400: 2.3.1 }', 'replacement_firmware: { HVAC-ZC-400: 2.9.9, HVAC-ZC-40: 2.3.0 }');
    let err: unknown;
    try {
      parseScenario(bad, 'ops.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const messages = (err as ScenarioError).issues.map((i) => `${i.file}:${i.line}: ${i.message}`);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^ops\.yaml:\d+: .*HVAC-ZC-400 has no firmware "2\.9\.9" \(known: 2\.3\.0, 2\.3\.1, 2\.4\.0;/);
    expect(messages[1]).toMatch(/no model "HVAC-ZC-40" \(did you mean "HVAC-ZC-400"\?\)/);
  });
});
