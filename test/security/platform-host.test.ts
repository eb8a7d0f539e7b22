/**
 * The production platform host (platform/service/host.ts) against the real embedded broker, as an
 * attacker holding one device credential and a browser would meet it: a birth contradicting the
 * provisioned site/kind, an invented device, a far-future `ts`, and API writes without a token.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../harness/broker/access-policy.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../harness/broker/embedded-broker.ts';
import { devicePassword, fleetCredentials, ROLE_USERNAMES } from '../../platform/contract/credentials.ts';
import { startPlatformService, type PlatformService } from '../../platform/service/host.ts';
import { withCatalogDefaults } from '../../platform/service/catalog-file.ts';

const SECRET = 'platform-host-security-secret';
const T0 = Date.UTC(2026, 2, 2, 12, 0);
const provisioning = new Map([
  ['nyc-env-1', { site: 'nyc', kind: 'env', model: 'ENV-TH-110' }],
  ['nyc-env-2', { site: 'nyc', kind: 'env', model: 'ENV-TH-110' }],
]);
const birth = (id: string, over: Record<string, unknown> = {}): string =>
  JSON.stringify({ v: 1, id, kind: 'env', model: 'ENV-TH-110', serial: 's', fw: '3.2.1', site: 'nyc', building: 'b', floor: 'f', zone: 'z', gateway: null, power: 'mains', caps: [], heartbeat_ms: 60_000, session: 1, seq: 0, ts: now, ...over });

let now = T0;
let broker: EmbeddedBroker;
let service: PlatformService;

async function device(id: string): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(broker.url, { clientId: id, username: id, password: devicePassword(SECRET, id), reconnectPeriod: 0 });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50)); // wall-clock: wait for delivery
  expect(check()).toBe(true);
}

beforeAll(async () => {
  // The broker admits any id with the right password (no device_sites), so the platform's own checks are what is tested.
  broker = await startEmbeddedBroker({ ws_port: null, policy: new AccessPolicy({ fleet_secret: SECRET }) });
  const client_id = ROLE_USERNAMES.platform;
  service = await startPlatformService(
    { broker_url: broker.url, client_id, ...fleetCredentials(SECRET)(client_id), api_host: '127.0.0.1', api_port: 0, firmware: withCatalogDefaults([]), journal_lines: false, provisioning },
    { now: () => now, out: () => {}, log: () => {} },
  );
});
afterAll(async () => {
  await service.stop();
  await broker.close();
});

describe('production platform host under attack', () => {
  it('quarantines a birth on the nyc topic claiming site chi and kind gateway', async () => {
    const d = await device('nyc-env-1');
    await d.publishAsync('msp/v1/nyc/nyc-env-1/birth', birth('nyc-env-1', { site: 'chi', kind: 'gateway' }), { qos: 1 });
    await until(() => service.platform.ingest.stats().rejected.provisioning_mismatch === 1);
    expect(service.platform.registry.device('nyc-env-1')).toBeUndefined();
    const q = (await (await fetch(`${service.api_url}/api/v1/ingest`)).json()) as { quarantine: Array<{ reason: string; detail: string }> };
    expect(q.quarantine.at(-1)).toMatchObject({ reason: 'provisioning_mismatch', detail: 'birth claims site chi, provisioned nyc' });
    await d.endAsync();
  });

  it('quarantines births from a device that is not provisioned', async () => {
    const d = await device('invented-1');
    await d.publishAsync('msp/v1/nyc/invented-1/birth', birth('invented-1'), { qos: 1 });
    await until(() => service.platform.ingest.stats().rejected.unprovisioned === 1);
    expect(service.platform.registry.stats().devices).toBe(0);
    await d.endAsync();
  });

  it('quarantines a far-future ts as clock_skew and declares the device dead on the platform clock', async () => {
    const d = await device('nyc-env-2');
    await d.publishAsync('msp/v1/nyc/nyc-env-2/birth', birth('nyc-env-2'), { qos: 1 });
    await until(() => service.platform.registry.liveness('nyc-env-2') === 'ONLINE');
    now += 30_000;
    await d.publishAsync('msp/v1/nyc/nyc-env-2/telemetry', JSON.stringify({ v: 1, id: 'nyc-env-2', seq: 1, ts: now + 365 * 86_400_000, values: {} }), { qos: 1 });
    await until(() => service.platform.ingest.stats().rejected.clock_skew === 1);
    now += 60 * 60_000;
    service.platform.tick(now);
    expect(service.platform.registry.liveness('nyc-env-2')).not.toBe('ONLINE');
    await d.endAsync();
  });

  it('answers an API write without the token 401, and with it 2xx', async () => {
    const plan = { id: 'r1', firmware: { model: 'ENV-TH-110', version: '3.2.1' }, canary: { count: 1 } };
    const bare = await fetch(`${service.api_url}/api/v1/rollouts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plan) });
    expect(bare.status).toBe(401);
    const authed = await fetch(`${service.api_url}/api/v1/incidents/INC-1/ack`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${service.api_token}` }, body: '{"by":"alice"}' });
    expect(authed.status).toBe(404); // authorised; there is simply no such incident
  });

  it('times deadlines from receipt for a device whose clock is 4 min ahead, and adds a device through the API', async () => {
    // Not provisioned yet: its birth is quarantined until an operator adds it.
    const d = await device('nyc-env-3');
    await d.publishAsync('msp/v1/nyc/nyc-env-3/birth', birth('nyc-env-3'), { qos: 1 });
    await until(() => service.platform.ingest.stats().rejected.unprovisioned === 2);
    const add = await fetch(`${service.api_url}/api/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service.api_token}` },
      body: JSON.stringify({ id: 'nyc-env-3', site: 'nyc', kind: 'env', model: 'ENV-TH-110', by: 'alice' }),
    });
    expect(add.status).toBe(201);
    const received = now;
    await d.publishAsync('msp/v1/nyc/nyc-env-3/birth', birth('nyc-env-3', { ts: now + 4 * 60_000 }), { qos: 1 });
    await until(() => service.platform.registry.liveness('nyc-env-3') === 'ONLINE');
    expect(service.platform.registry.entry('nyc-env-3')?.last_heard_ms).toBe(received);
    // Heartbeat 60 s: SUSPECT after 1.5 heartbeats from receipt, not from the device's clock.
    service.platform.tick(received + 89_000);
    expect(service.platform.registry.liveness('nyc-env-3')).toBe('ONLINE');
    service.platform.tick(received + 91_000);
    expect(service.platform.registry.liveness('nyc-env-3')).toBe('SUSPECT');
    now = received + 91_000;
    await d.endAsync();
  });
});
