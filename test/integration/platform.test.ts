import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../harness/broker/access-policy.ts';
import { DEFAULT_DEV_SECRET, devicePassword } from '../../platform/contract/credentials.ts';
import { startEmbeddedBroker } from '../../harness/broker/embedded-broker.ts';
import { main } from '../../harness/cli/main.ts';
import { setUpMqtt } from '../../harness/run/mqtt-setup.ts';
import { platformApi } from '../../platform/service/platform-api.ts';
import { runScenario, type RunOptions } from '../../harness/run/run-scenario.ts';
import { loadScenario, parseScenario } from '../../harness/scenario/scenario.ts';
import type { Platform } from '../../platform/core/platform.ts';
import { startHttpApi } from '../../platform/service/http-api.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';

const FIXTURE = 'test/fixtures/outages.yaml';
const scenario = loadScenario(FIXTURE);
const portfolio = generatePortfolio(scenario.name, scenario.fleet);
const GATEWAY = 'hq-f01-gw-001';
const LEAK = 'hq-f02-leak-001';

async function runWithPlatform(options: Partial<RunOptions>, s = scenario): Promise<{ platform: Platform; hash: string; lines: string[] }> {
  let platform: Platform | undefined;
  const lines: string[] = [];
  const summary = await runScenario(s, { ...options, trace_sink: (l) => lines.push(l), on_platform: (p) => (platform = p) });
  return { platform: platform!, hash: summary.trace_hash, lines };
}

describe('platform in the loop (gateway failure, leak) over real MQTT', () => {
  it('a gateway failure is one incident with its devices inhibited; a leak is a P1 within the rule delay; MQTT = memory', async () => {
    const setup = await setUpMqtt({ mode: 'per-device', protocol_version: 4, secret: DEFAULT_DEV_SECRET, ws_port: null }, portfolio);
    let mqttRun;
    try {
      mqttRun = await runWithPlatform({ transport: 'mqtt', mqtt: setup.mqtt });
    } finally {
      await setup.close();
    }
    const memoryRun = await runWithPlatform({});
    expect(mqttRun.hash).toBe(memoryRun.hash);

    const { platform } = mqttRun;
    const children = portfolio.devices.filter((d) => d.gateway_id === GATEWAY).map((d) => d.id);
    const covered = new Set([GATEWAY, ...children]);
    const incidents = platform.incidents.all();
    const outage = incidents.filter((i) => i.scope.kind !== 'device' && i.device_ids.some((d) => covered.has(d)));
    expect(outage).toHaveLength(1);
    for (const id of children) expect(outage[0]!.device_ids).toContain(id);
    // No per-device incident for a connectivity alert behind the failed gateway (a held-open door
    // on one of its devices later in the day is a different story, and may have its own).
    const connectivity = /^(device_offline|gateway_offline|stale_telemetry):/;
    expect(incidents.filter((i) => i.scope.kind === 'device' && covered.has(i.scope.id) && i.alert_ids.some((a) => connectivity.test(a)))).toEqual([]);
    // Every connectivity alert beneath the outage is inhibited by it; there were many.
    const offline = platform.alerts.all().filter((a) => a.type === 'device_offline' && covered.has(a.device_id));
    expect(offline.length).toBeGreaterThanOrEqual(children.length / 2);
    for (const a of offline) expect(a.inhibited_by).toBe(outage[0]!.id);

    // The leak: a P1 opened within the rule's delay (0) plus one lockstep step.
    const leak_start = scenario.start_ms + 4 * 3_600_000;
    const leak = incidents.find((i) => i.scope.id === LEAK);
    expect(leak?.priority).toBe('P1');
    expect(leak!.opened_ms - leak_start).toBeGreaterThanOrEqual(0);
    expect(leak!.opened_ms - leak_start).toBeLessThanOrEqual(60_000);
    // The simulated NOC acknowledged both through the platform's operator queue.
    expect(outage[0]!.acked_ms).not.toBeNull();
    expect(leak!.acked_ms).not.toBeNull();
  });

  it('a platform rule disabled by the scenario config means no leak alert and no P1', async () => {
    const text = readFileSync(FIXTURE, 'utf8') + '\nplatform:\n  rules:\n    leak: { enabled: false }\n';
    const { platform } = await runWithPlatform({}, parseScenario(text, 'disabled-leak.yaml'));
    expect(platform.alerts.all().filter((a) => a.type === 'leak')).toEqual([]);
    expect(platform.incidents.all().some((i) => i.priority === 'P1' && i.scope.id === LEAK)).toBe(false);
  });

  it('a misspelt rule name in the scenario is a file:line error with a did-you-mean', async () => {
    const text = readFileSync(FIXTURE, 'utf8') + '\nplatform:\n  rules:\n    leek: { enabled: false }\n';
    expect(() => parseScenario(text, 'typo.yaml')).toThrow(/typo\.yaml:\d+:\d+: .*leek.*did you mean "leak"/);
  });
});

describe('platform HTTP API', () => {
  it('serves devices, alerts, incidents and SLA, takes operator actions, and answers errors with stable codes', async () => {
    const { platform } = await runWithPlatform({ transport: 'memory' });
    const api = await startHttpApi(platformApi(platform, { immediate: true }));
    try {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field below
      const get = async (path: string): Promise<{ status: number; body: any }> => {
        const r = await fetch(api.url + path);
        return { status: r.status, body: await r.json() };
      };
      const health = await get('/api/v1/health');
      expect(health.body.devices).toBe(portfolio.devices.length);
      const devices = await get('/api/v1/devices?kind=gateway');
      expect((devices.body as Array<{ info: { id: string } }>).map((d) => d.info.id).sort()).toEqual(portfolio.devices.filter((d) => d.kind === 'gateway').map((d) => d.id).sort());
      const one = await get(`/api/v1/devices/${LEAK}`);
      expect(one.body.info.kind).toBe('leak');
      const incidents = await get('/api/v1/incidents?priority=P1');
      expect(incidents.body.length).toBeGreaterThanOrEqual(1);
      const sla = await get('/api/v1/sla');
      expect(sla.body.portfolio.availability).toBeGreaterThan(0);
      expect(sla.body.portfolio.availability).toBeLessThanOrEqual(1);
      // An operator resolves an alert that only people can end (a forced door is the usual one).
      const target = platform.alerts.all().find((a) => a.status !== 'resolved') ?? platform.alerts.all()[0]!;
      const post = await fetch(`${api.url}/api/v1/alerts/${encodeURIComponent(target.id)}/resolve`, { method: 'POST', body: JSON.stringify({ by: 'alice' }) });
      expect(post.status).toBe(200);
      expect(((await post.json()) as { status: string }).status).toBe('resolved');
      expect((await get('/api/v1/incidents/INC-999999')).body.error.code).toBe('API_NOT_FOUND');
      expect((await get('/api/v1/nope')).body.error.code).toBe('API_NO_ROUTE');
      expect((await get('/api/v1/sla?from=yesterday')).body.error.code).toBe('API_BAD_QUERY');
      const bad = await fetch(`${api.url}/api/v1/alerts/${encodeURIComponent(target.id)}/ack`, { method: 'POST', body: '{"who":1}' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('API_BAD_BODY');
      const method = await fetch(`${api.url}/api/v1/health`, { method: 'DELETE' });
      expect(method.status).toBe(405);
    } finally {
      await api.close();
    }
  });

  it('--out writes report.json, a self-contained report.html and ledger.csv whose numbers match', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'msp-twin-report-'));
    let out = '';
    const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true } };
    expect(await main(['run', FIXTURE, '--transport', 'memory', '--out', dir, '--json'], io)).toBe(0);
    for (const f of ['report.json', 'report.html', 'ledger.csv', 'trace.jsonl', 'summary.json']) expect(existsSync(join(dir, f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const summary = JSON.parse(out);
    expect(report.report.portfolio.availability).toBe(summary.platform.availability);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/); // self-contained
    expect(html).toContain('<svg');
    const csv = readFileSync(join(dir, 'ledger.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(portfolio.devices.length + 1);
  });
});

describe('msp-twin platform (production mode, wall clock)', () => {
  it('ingests from a separately started broker, quarantines garbage, serves the API and stops on SIGTERM, loading no simulator module', async () => {
    const broker = await startEmbeddedBroker({ ws_port: null, policy: new AccessPolicy({ fleet_secret: DEFAULT_DEV_SECRET }) });
    const module_trace = join(mkdtempSync(join(tmpdir(), 'msp-modules-')), 'modules.txt');
    const child = spawn(process.execPath, ['--import', './test/helpers/module-trace.mjs', 'bin/msp-twin.js', 'platform', '--broker', broker.url, '--api-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MODULE_TRACE_FILE: module_trace },
    });
    try {
      let out = '';
      const api_url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/health/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`platform exited ${code}: ${out}`)));
      });
      const id = 'dev-prod-1';
      const dev = await mqtt.connectAsync(broker.url, { clientId: id, username: id, password: devicePassword(DEFAULT_DEV_SECRET, id), reconnectPeriod: 0 });
      const now = Date.now();
      const birth = { v: 1, id, kind: 'env', model: 'ENV-TH-110', serial: 'X-1', fw: '3.2.1', site: 's1', building: 'b1', floor: 'b1-f01', zone: 'b1-f01-z01', gateway: null, power: 'battery', caps: [], heartbeat_ms: 1_800_000, session: 1, seq: 0, ts: now };
      await dev.publishAsync(`msp/v1/s1/${id}/birth`, JSON.stringify(birth), { qos: 1, retain: true });
      await dev.publishAsync(`msp/v1/s1/${id}/telemetry`, '{"not":"valid"', { qos: 1 });
      await dev.endAsync();
      let device: { liveness: string } | undefined;
      for (let i = 0; i < 200; i++) { // up to 20 s on a loaded machine
        const r = await fetch(`${api_url}/api/v1/devices/${id}`);
        if (r.status === 200) {
          device = (await r.json()) as { liveness: string };
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(device?.liveness).toBe('ONLINE');
      const ingest = (await (await fetch(`${api_url}/api/v1/ingest`)).json()) as { rejected: Record<string, number> };
      expect(ingest.rejected.bad_json).toBe(1);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // The production platform stands alone (docs/architecture.md): its module graph holds the
      // platform service and nothing of the simulator (the harness only for the CLI's flag mapping).
      const project = new URL('../..', import.meta.url).href;
      const loaded = readFileSync(module_trace, 'utf8').split('\n').filter((u) => u.startsWith(project)).map((u) => u.slice(project.length));
      expect(loaded).toContain('platform/service/host.ts');
      expect(loaded.filter((p) => p.startsWith('sim/'))).toEqual([]);
      expect(loaded.filter((p) => p.startsWith('harness/') && !p.startsWith('harness/cli/'))).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await broker.close();
    }
  });
});
