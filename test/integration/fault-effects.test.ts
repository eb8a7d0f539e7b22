import { describe, expect, it } from 'vitest';
import { DEFAULT_DEV_SECRET } from '../../platform/contract/credentials.ts';
import { runChecked, type CheckedRun } from '../../harness/expect/run-checked.ts';
import { lostQos1 } from '../../harness/expect/metrics.ts';
import { setUpMqtt } from '../../harness/run/mqtt-setup.ts';
import type { RunOptions } from '../../harness/run/run-scenario.ts';
import { loadScenario, parseScenario } from '../../harness/scenario/scenario.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';

/**
 * What each fault class does to the world, checked on the trace (the device's own messages and
 * facts), and how the platform and the oracle see it. Memory runs except the power-cut storm,
 * which is the acceptance case over real MQTT.
 */
const MIN = 60_000;
const H = 60 * MIN;

const FLEET = `fleet:
  sites:
    - id: nyc
      metro: New York
      timezone: America/New_York
      buildings:
        - id: hq
          type: office
          floors: 2
          zones_per_floor: 3
          per_zone: { occupancy: 2, env: 1, hvac: 1, lighting: 1 }
          per_floor: { lock: 1, leak: 1 }
          models: { lock: LOCK-BLE-5 }
        - id: annex
          type: office
          floors: 1
          zones_per_floor: 2
          per_zone: { occupancy: 1, env: 1, hvac: 1 }
          per_floor: { leak: 1 }
`;

function scenario(body: string, head = 'start: "2026-01-13 06:00"\nduration: 8h\n') {
  return parseScenario(`name: effects\nseed: 4\n${head}${FLEET}${body}`, 'effects.yaml');
}

interface Line {
  t: number;
  k: string;
  c?: string;
  d?: string;
  topic?: string;
  s?: string;
  why?: string;
  ok?: boolean;
  p?: Record<string, unknown> & { ts?: number; type?: string; values?: Record<string, unknown>; state?: string };
}

async function run(body: string, options: RunOptions = {}, head?: string): Promise<{ r: CheckedRun; lines: Line[]; start: number }> {
  const s = scenario(body, head);
  const raw: string[] = [];
  const r = await runChecked(s, { ...options, trace_sink: (l) => raw.push(l) });
  return { r, lines: raw.map((l) => JSON.parse(l) as Line), start: s.start_ms };
}

const pubs = (lines: readonly Line[], device: string, cls: string) => lines.filter((l) => l.k === 'pub' && l.c === device && l.topic!.endsWith(`/${cls}`));

describe('fault effects (in-memory)', () => {
  it('device faults change exactly what they should, and the oracle scores them', async () => {
    const { r, lines, start } = await run(`timeline:
  - { id: jam, at: 1h, action: fault.inject, fault: lock_jam, target: { device: hq-f01-lock-001 }, for: 2h }
  - { id: stuck, at: 1h, action: fault.inject, fault: sensor_stuck, target: { device: hq-f01-env-001 }, for: 3h }
  - { id: skew, at: 1h, action: fault.inject, fault: clock_skew, target: { device: hq-f02-env-001 }, for: 1h, with: { offset_s: 600 } }
  - { id: bad, at: 1h, action: fault.inject, fault: malformed_payloads, target: { device: hq-f02-occ-001 }, for: 5h }
  - { id: flat, at: 30m, action: fault.inject, fault: battery_depletion, target: { device: hq-f02-lock-001 }, with: { to_empty: 6h } }
  - { id: crash, at: 1h, action: fault.inject, fault: firmware_crash, target: { device: hq-f01-occ-002 }, for: 1h, with: { period: 4m } }
  - { id: flap, at: 2h, action: fault.inject, fault: link_flapping, target: { device: hq-f02-lgt-001 }, for: 1h }
  - { id: driver, at: 1h, action: fault.inject, fault: lighting_driver_failure, target: { device: hq-f01-lgt-003 } }
  - { id: line, at: 2h, action: outage.start, outage: building_uplink, target: { building: annex }, for: 40m }
  - { id: sp, at: 5h, action: setpoint, target: { device: hq-f01-hvac-001 }, setpoint_c: 25 }
expect:
  - { alert: lock_jammed, for_fault: jam, within: 1m }
  - { alert: reboot_rate, for_fault: crash, within: 30m }
  - { alert: battery_low, for_fault: flat, within: 6h }
  - that: oracle.malformed_payloads.detected = 1
  - that: lost_qos1 = 0
`);
    const at = (h: number): number => start + h;
    const within = (l: Line, from: number, to: number): boolean => l.t >= at(from) && l.t < at(to);
    expect(r.results.filter((x) => x.status !== 'passed')).toEqual([]);

    // Lock jam: lock_jammed events and no granted access while jammed.
    const lock = pubs(lines, 'hq-f01-lock-001', 'event');
    expect(lock.filter((l) => within(l, H, 3 * H) && l.p!.type === 'lock_jammed').length).toBeGreaterThanOrEqual(1);
    expect(lock.filter((l) => within(l, H + 1, 3 * H) && l.p!.type === 'access_granted')).toEqual([]);

    // Stuck-at: one set of values for the whole fault, though the zone's temperature moves.
    const stuck = pubs(lines, 'hq-f01-env-001', 'telemetry').filter((l) => within(l, H + 10 * MIN, 4 * H));
    expect(stuck.length).toBeGreaterThanOrEqual(3);
    expect(new Set(stuck.map((l) => JSON.stringify(l.p!.values))).size).toBe(1);

    // Clock skew: every timestamp the device sends is 10 minutes ahead of the sim's clock.
    const skewed = pubs(lines, 'hq-f02-env-001', 'telemetry').filter((l) => within(l, H, 2 * H));
    expect(skewed.length).toBeGreaterThan(0);
    for (const l of skewed) expect(l.p!.ts).toBe(l.t + 600_000);
    for (const l of pubs(lines, 'hq-f02-env-001', 'telemetry').filter((x) => within(x, 2 * H, 8 * H))) expect(l.p!.ts).toBe(l.t);

    // Malformed payloads: quarantined by the platform, which then sees the device fall silent.
    expect(r.summary.platform!.ingest_rejected).toBeGreaterThan(0);
    const bad = r.summary.oracle!.faults.find((f) => f.id === 'bad')!;
    expect(bad.status).toBe('detected');
    expect(bad.detected_by).toMatch(/^device_offline:hq-f02-occ-001/);

    // Battery depletion: dead (battery_depleted) within the drain time plus one sample.
    const death = lines.find((l) => l.k === 'power' && l.d === 'hq-f02-lock-001' && l.s === 'dead');
    expect(death?.why).toBe('battery_depleted');
    expect(death!.t).toBeLessThanOrEqual(at(30 * MIN + 6 * H + 5 * MIN));

    // Reboot loop: a crash about every 4 minutes for an hour.
    const crashes = lines.filter((l) => l.k === 'power' && l.d === 'hq-f01-occ-002' && l.why === 'firmware_crash');
    expect(crashes.length).toBeGreaterThanOrEqual(10);
    expect(crashes.every((l) => within(l, H, 2 * H))).toBe(true);

    // Flapping link: wills and new sessions while it lasts, none after.
    const wills = lines.filter((l) => l.k === 'will' && l.c === 'hq-f02-lgt-001');
    expect(wills.length).toBeGreaterThanOrEqual(5);
    expect(wills.every((l) => within(l, 2 * H, 3 * H))).toBe(true);
    expect(pubs(lines, 'hq-f02-lgt-001', 'birth').filter((l) => within(l, 2 * H, 3 * H + 5 * MIN)).length).toBeGreaterThanOrEqual(wills.length);

    // Lighting driver failure: the event, then the light stays off.
    expect(pubs(lines, 'hq-f01-lgt-003', 'event').some((l) => l.p!.type === 'driver_failure')).toBe(true);
    for (const l of pubs(lines, 'hq-f01-lgt-003', 'telemetry').filter((x) => x.t > at(H))) expect(l.p!.values!.level_pct).toBe(0);

    // Uplink down: reports made during the outage arrive after it (store and forward), none lost.
    const annex = lines.filter((l) => l.k === 'pub' && l.c!.startsWith('annex-') && l.topic!.endsWith('/telemetry'));
    const flushed = annex.filter((l) => l.p!.ts! >= at(2 * H) && l.p!.ts! < at(2 * H + 40 * MIN));
    expect(flushed.length).toBeGreaterThan(5);
    for (const l of flushed) expect(l.t).toBeGreaterThanOrEqual(at(2 * H + 40 * MIN));
    expect(lostQos1(r.summary)).toBe(0);
    expect(r.summary.received_by_monitor).toBe(r.summary.messages + r.summary.wills);

    // Setpoint action: the controller reports the new setpoint.
    const sp = pubs(lines, 'hq-f01-hvac-001', 'telemetry').filter((l) => l.t > at(5 * H + 10 * MIN));
    expect(sp.length).toBeGreaterThan(0);
    for (const l of sp) expect(l.p!.values!.setpoint_c).toBe(25);
    expect(lines.some((l) => l.k === 'action' && (l as unknown as { act: string }).act === 'setpoint')).toBe(true);
  });

  it('a fault changes nothing for the devices it does not touch, and nothing before it starts', async () => {
    const drift = `timeline:
  - { id: drift, at: 2h, action: fault.inject, fault: sensor_drift, target: { device: hq-f01-env-002 }, for: 3h, with: { rate_per_h: 1.5 } }
`;
    const a = await run('', {}, 'start: "2026-01-13 06:00"\nduration: 6h\n');
    const b = await run(drift, {}, 'start: "2026-01-13 06:00"\nduration: 6h\n');
    const other = (ls: Line[]) => ls.filter((l) => l.k === 'pub' && l.c !== 'hq-f01-env-002').map((l) => JSON.stringify(l));
    expect(other(b.lines)).toEqual(other(a.lines));
    const temps = (ls: Line[]) => pubs(ls, 'hq-f01-env-002', 'telemetry').map((l) => ({ t: l.t, v: l.p!.values!.temperature_c as number }));
    const ta = temps(a.lines);
    const tb = temps(b.lines);
    const split = a.start + 2 * H;
    expect(tb.filter((x) => x.t < split)).toEqual(ta.filter((x) => x.t < split));
    // During the fault the reading runs away at the drift rate (reports come on change, so compare by time).
    const late = tb.filter((x) => x.t > split + 2 * H && x.t < split + 3 * H);
    expect(late.length).toBeGreaterThan(0);
    for (const x of late) {
      const truth = ta.filter((y) => y.t <= x.t).at(-1)!;
      expect(x.v - truth.v).toBeGreaterThan(1.5 * ((x.t - split) / H) - 1.2);
    }
  });

  it('a device sleeping through quiet samples wakes for a fault: a failed driver goes dark, and lights again, within a sample period', async () => {
    // 10:00–11:00 on a Tuesday: the floor's offices are occupied, so its lights are on and, with
    // nothing to report, asleep until a zone empties or a heartbeat is due (up to 30 minutes).
    const { lines, start } = await run(`timeline:
  - { id: driver, at: 4h, action: fault.inject, fault: lighting_driver_failure, target: { floor: hq-f01, kind: lighting }, for: 1h }
`);
    const period = 2 * MIN + 1_500 + 1;
    const lights = [...new Set(lines.filter((l) => l.k === 'pub' && l.c!.startsWith('hq-f01-lgt-')).map((l) => l.c!))];
    expect(lights.length).toBe(3);
    let relit = 0;
    for (const id of lights) {
      const tele = pubs(lines, id, 'telemetry');
      const before = tele.filter((l) => l.t < start + 4 * H).at(-1)!;
      expect(before.p!.values!.level_pct).toBeGreaterThan(0);
      const dark = tele.find((l) => l.t >= start + 4 * H)!;
      expect({ id, level: dark.p!.values!.level_pct }).toEqual({ id, level: 0 });
      expect(dark.t - (start + 4 * H)).toBeLessThan(period);
      const back = tele.find((l) => l.t >= start + 5 * H)!;
      if (back.p!.values!.level_pct !== 0) {
        relit++;
        expect(back.t - (start + 5 * H)).toBeLessThan(period);
      }
    }
    expect(relit).toBeGreaterThan(0);
  });

  it('a platform restart holds the platform\'s input: the leak is seen when it is back, and nothing is lost', async () => {
    const leak = '  - { id: wet, at: 1h, action: fault.inject, fault: leak, target: { device: hq-f01-leak-001 }, for: 20m }\n';
    const up = await run(`timeline:\n${leak}`, {}, 'start: "2026-01-13 06:00"\nduration: 3h\n');
    const down = await run(`timeline:\n${leak}  - { id: restart, at: 50m, action: outage.start, outage: platform_restart, for: 40m }\n`, {}, 'start: "2026-01-13 06:00"\nduration: 3h\n');
    const onset = (x: typeof up) => x.r.summary.oracle!.faults.find((f) => f.id === 'wet')!;
    expect(onset(up).latency_ms).toBe(0);
    // Seen at the restart (50m + 40m), 30 minutes after the water arrived.
    expect(onset(down).latency_ms).toBe(30 * MIN);
    expect(down.r.summary.faults.platform_backlog_max).toBeGreaterThan(0);
    expect(down.r.summary.platform!.ingest_accepted).toBe(up.r.summary.platform!.ingest_accepted);
    expect(down.r.summary.oracle!.classes.find((c) => c.fault === 'platform_restart')!.scored).toBe(false);
  });
});

describe('building power cut and restore over MQTT (gateway mode)', () => {
  it('is a reconnect storm spread by the jittered backoff, with no QoS 1 message lost; MQTT = memory', async () => {
    const body = `timeline:
  - { id: cut, at: 1h, action: outage.start, outage: building_power, target: { building: hq }, for: 30m }
expect:
  - that: lost_qos1 = 0
  - that: storm.unreconnected = 0
`;
    const head = 'start: "2026-01-13 06:00"\nduration: 3h\n';
    const portfolio = generatePortfolio('effects', scenario('', head).fleet);
    const setup = await setUpMqtt({ mode: 'gateway', protocol_version: 4, secret: DEFAULT_DEV_SECRET, ws_port: null }, portfolio);
    let mqtt;
    try {
      mqtt = await run(body, { transport: 'mqtt', mqtt: setup.mqtt }, head);
    } finally {
      await setup.close();
    }
    const memory = await run(body, {}, head);
    expect(mqtt.r.summary.trace_hash).toBe(memory.r.summary.trace_hash);
    expect(mqtt.r.results.map((x) => x.status)).toEqual(['passed', 'passed']);
    expect(mqtt.r.summary.received_by_monitor).toBe(mqtt.r.summary.messages + mqtt.r.summary.wills);

    const storm = mqtt.r.summary.oracle!.storms.find((s) => s.id === 'cut')!;
    const hq = portfolio.devices.filter((d) => d.building_id === 'hq').length;
    expect(storm.devices).toBe(hq);
    expect(storm.reconnected).toBe(hq);
    // Spread over time, not one burst: many 10-second buckets, none holding half the attempts.
    const busy = storm.histogram.filter((b) => b.attempts > 0);
    expect(busy.length).toBeGreaterThanOrEqual(8);
    expect(storm.peak_share).toBeLessThan(0.5);
    expect(storm.histogram.reduce((n, b) => n + b.attempts, 0)).toBe(storm.attempts);
    expect(storm.failed).toBeGreaterThan(0);

    // Per device, failed attempts back off with full jitter: gaps within [1 ms, 1 s·2^n], not a fixed period.
    const restore = mqtt.start + 90 * MIN;
    const byDevice = new Map<string, Line[]>();
    for (const l of mqtt.lines) if (l.k === 'connect' && l.t >= restore) byDevice.set(l.d!, [...(byDevice.get(l.d!) ?? []), l]);
    const gaps: number[] = [];
    for (const attempts of byDevice.values()) {
      for (let i = 1; i < attempts.length; i++) {
        const prev = attempts[i - 1]!;
        if (prev.ok) break;
        const n = (prev as unknown as { n: number }).n;
        const gap = attempts[i]!.t - prev.t;
        gaps.push(gap);
        expect(gap).toBeGreaterThanOrEqual(1);
        expect(gap).toBeLessThanOrEqual(Math.min(120_000, 1000 * 2 ** n) + 1);
      }
    }
    expect(gaps.length).toBeGreaterThan(20);
    expect(new Set(gaps).size).toBeGreaterThan(gaps.length / 2);
  });
});

describe('the timeline fixture in per-device MQTT mode', () => {
  it('passes its expectations with one MQTT connection per device, with the in-memory trace hash', async () => {
    const s = loadScenario('test/fixtures/fault-timeline.yaml');
    const setup = await setUpMqtt({ mode: 'per-device', protocol_version: 4, secret: DEFAULT_DEV_SECRET, ws_port: null }, generatePortfolio(s.name, s.fleet));
    let mqtt;
    try {
      mqtt = await runChecked(s, { transport: 'mqtt', mqtt: setup.mqtt });
    } finally {
      await setup.close();
    }
    const memory = await runChecked(s);
    expect(mqtt.summary.trace_hash).toBe(memory.summary.trace_hash);
    expect(mqtt.results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(mqtt.summary.received_by_monitor).toBe(mqtt.summary.messages + mqtt.summary.wills);
  });
});

