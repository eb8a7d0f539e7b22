/**
 * The three bundled rollout scenarios, each over real MQTT in lockstep (embedded aedes, gateway
 * connections, per-device credentials and ACLs): commands travel platform → broker → device and
 * OTA status comes back the same way. Each asserts the outcome the scenario exists to show.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEV_SECRET } from '../../platform/contract/credentials.ts';
import { setUpMqtt } from '../../harness/run/mqtt-setup.ts';
import { runScenario, type RunSummary } from '../../harness/run/run-scenario.ts';
import { runChecked } from '../../harness/expect/run-checked.ts';
import { loadScenario, type Scenario } from '../../harness/scenario/scenario.ts';
import type { Platform } from '../../platform/core/platform.ts';
import { containsMs, weeklyWindowIntervals } from '../../platform/sla/intervals.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';

interface Outcome {
  summary: RunSummary;
  lines: Array<Record<string, unknown>>;
  platform: Platform;
}

async function runOverMqtt(scenario: Scenario): Promise<Outcome> {
  const portfolio = generatePortfolio(scenario.name, scenario.fleet);
  const setup = await setUpMqtt({ mode: 'gateway', protocol_version: 4, secret: DEFAULT_DEV_SECRET, ws_port: null }, portfolio);
  const lines: Array<Record<string, unknown>> = [];
  let platform: Platform | undefined;
  try {
    const summary = await runScenario(scenario, {
      transport: 'mqtt',
      mqtt: setup.mqtt,
      ...(setup.broker ? { broker_control: setup.broker } : {}),
      trace_sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
      on_platform: (p) => (platform = p),
    });
    const stats = setup.broker!.stats;
    expect(stats.publish_refused + stats.subscribe_refused, 'ACL refusals (commands and OTA status must be allowed)').toBe(0);
    return { summary, lines, platform: platform! };
  } finally {
    await setup.close();
  }
}

const audit = (o: Outcome, ev?: string) => o.lines.filter((l) => l.k === 'p.rollout' && (ev === undefined || l.ev === ev));

describe('bundled rollout scenarios over real MQTT (lockstep)', () => {
  it('clean lighting rollout: installs only inside each site\'s Tuesday-night window, coverage climbs to ≥ 99 %', async () => {
    const scenario = loadScenario('scenarios/rollout-lighting-clean.yaml');
    const o = await runOverMqtt(scenario);
    const r = o.summary.platform!.rollouts[0]!;
    expect(r.state).toBe('completed');
    expect(r.counts.succeeded).toBe(r.targets);
    expect(r.targets).toBeGreaterThan(100);

    // Every install the devices received happened inside their own site's window (local time).
    const portfolio = generatePortfolio(scenario.name, scenario.fleet);
    const site_of = new Map(portfolio.devices.map((d) => [d.id, d.site_id]));
    const tz_of = new Map(portfolio.sites.map((s) => [s.id, s.timezone]));
    const window = { days: [2], start_min: 22 * 60, duration_ms: 6 * 3_600_000 };
    const installs = o.lines.filter((l) => l.k === 'cmd' && l.a === 'install' && l.ok === true);
    expect(installs.length).toBe(r.targets);
    for (const l of installs) {
      const t = l.t as number;
      const tz = tz_of.get(site_of.get(l.d as string)!)!;
      const open = weeklyWindowIntervals([window], tz, t - 86_400_000, t + 86_400_000);
      expect(containsMs(open, t), `install for ${String(l.d)} at ${new Date(t).toISOString()} outside ${tz} Tuesday 22:00–04:00`).toBe(true);
    }
    // Three timezones, so the windows opened at three different instants.
    const first_by_site = new Map<string, number>();
    for (const l of installs) {
      const s = site_of.get(l.d as string)!;
      if (!first_by_site.has(s)) first_by_site.set(s, l.t as number);
    }
    expect(new Set(first_by_site.values()).size).toBe(3);

    // Patch coverage in the SLA report moves with the rollout: none before the first window,
    // part-way during it, all at the end.
    const lighting = (to_ms: number) => o.platform.sla.report(scenario.start_ms, to_ms).patch.by_model.find((m) => m.model === 'LGT-DALI-60')!.coverage;
    const first = Math.min(...first_by_site.values());
    const last = Math.max(...installs.map((l) => l.t as number));
    expect(lighting(first - 60_000)).toBe(0);
    const mid = lighting(first + Math.round((last - first) / 2));
    expect(mid).toBeGreaterThan(0);
    expect(mid).toBeLessThan(1);
    expect(lighting(o.summary.end_ms)).toBeGreaterThanOrEqual(0.99);
    expect(o.summary.platform!.patch_coverage).toBeGreaterThanOrEqual(0.99);
  }, 180_000);

  it('bad HVAC firmware: the canary catches it, nothing outside the canary is touched, bricks are offline with P2 incidents and truck rolls', async () => {
    const scenario = loadScenario('scenarios/rollout-bad-hvac.yaml');
    const o = await runOverMqtt(scenario);
    const r = o.summary.platform!.rollouts[0]!;
    expect(r.state).toBe('paused');
    expect(r.wave).toBe(0);
    expect(r.reason).toMatch(/error gate crossed in wave 0/);
    expect(audit(o, 'wave_started').map((l) => l.wave)).toEqual([0]);

    const canary = new Set(o.platform.patching.jobs('hvac-240').filter((j) => j.wave === 0).map((j) => j.device_id));
    expect(canary.size).toBe(40);
    const touched = new Set(o.lines.filter((l) => l.k === 'cmd' && l.a !== 'cancel').map((l) => l.d as string));
    for (const d of touched) expect(canary.has(d), `${d} got a command but is not in the canary`).toBe(true);

    const bricked = o.lines.filter((l) => l.k === 'ota' && l.s === 'bricked').map((l) => l.d as string);
    expect(bricked.length).toBeGreaterThanOrEqual(1);
    expect(bricked.length).toBeLessThanOrEqual(canary.size);
    for (const d of bricked) {
      const went_offline = o.lines.some((l) => l.k === 'p.live' && l.d === d && l.to === 'OFFLINE');
      expect(went_offline, `${d} bricked but never OFFLINE on the platform`).toBe(true);
      const p2 = o.platform.incidents.all().some((i) => i.priority === 'P2' && i.device_ids.includes(d));
      expect(p2, `no P2 incident for bricked ${d}`).toBe(true);
    }
    expect(o.summary.platform!.noc!.truck_rolls).toBeGreaterThanOrEqual(bricked.length);

    // Commands and OTA status are part of the lockstep: the in-memory run gives the same trace.
    const memory = await runScenario(scenario, {});
    expect(memory.trace_hash).toBe(o.summary.trace_hash);
  }, 180_000);

  it('latent reboot loop: passes the canary, then the health gate halts the rollout during the soak', async () => {
    const scenario = loadScenario('scenarios/rollout-latent-bug.yaml');
    const o = await runOverMqtt(scenario);
    const r = o.summary.platform!.rollouts[0]!;
    expect(audit(o, 'wave_passed').map((l) => l.wave)).toEqual([0]);
    expect(audit(o, 'soak_started')).toHaveLength(1);
    const gate = audit(o, 'health_gate');
    expect(gate).toHaveLength(1);
    expect(gate[0]).toMatchObject({ metric: 'reboot_rate', in_soak: true, action: 'pause' });
    // Caught after the bug wakes (36 h after install), before the soak would have ended.
    const soak = audit(o, 'soak_started')[0]!;
    expect(gate[0]!.t as number).toBeGreaterThan((soak.t as number) + 36 * 3_600_000);
    expect(gate[0]!.t as number).toBeLessThan(soak.until as number);
    expect(r.state).toBe('paused');
    expect(r.waves[1]!.started_ms).toBeNull();
    expect(r.counts.succeeded).toBe(r.waves[0]!.devices);
  }, 180_000);

  it('uplink outage during a rollout: downloads pause and resume, the P1 is answered in time, the rollout completes', async () => {
    const scenario = loadScenario('scenarios/rollout-uplink-outage.yaml');
    const portfolio = generatePortfolio(scenario.name, scenario.fleet);
    const setup = await setUpMqtt({ mode: 'gateway', protocol_version: 4, secret: DEFAULT_DEV_SECRET, ws_port: null }, portfolio);
    try {
      const checked = await runChecked(scenario, { transport: 'mqtt', mqtt: setup.mqtt, ...(setup.broker ? { broker_control: setup.broker } : {}) });
      const failed = checked.results.filter((r) => r.status !== 'passed');
      expect(failed.map((r) => `${r.name}: ${r.message}`)).toEqual([]);
      expect(checked.results.length).toBeGreaterThanOrEqual(7);
      expect(checked.summary.rollouts.find((x) => x.id === 'env-330')).toMatchObject({ state: 'completed', bricked: 0 });
    } finally {
      await setup.close();
    }
  }, 180_000);
});
