/**
 * The production host's own broker link (docs/monitoring.md, "The platform's own link"): when the
 * broker goes away under `msp-twin platform`, the platform hears nobody, so every device it
 * believed alive turns UNREACHABLE at that moment (not OFFLINE at some deadline later); when the
 * broker is back and the host has reconnected, a device that re-announces itself is ONLINE again.
 * The embedded broker is really stopped (sockets destroyed) and started on the same port.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../harness/broker/access-policy.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../harness/broker/embedded-broker.ts';
import { devicePassword, fleetCredentials, ROLE_USERNAMES } from '../../platform/contract/credentials.ts';
import { startPlatformService, type PlatformService } from '../../platform/service/host.ts';
import { withCatalogDefaults } from '../../platform/service/catalog-file.ts';

const SECRET = 'platform-link-secret';
const T0 = Date.UTC(2026, 2, 2, 12, 0);
const birth = (id: string, session: number): string =>
  JSON.stringify({ v: 1, id, kind: 'env', model: 'ENV-TH-110', serial: 's', fw: '3.2.1', site: 'nyc', building: 'b', floor: 'f', zone: 'z', gateway: null, power: 'mains', caps: [], heartbeat_ms: 60_000, session, seq: 0, ts: now });

let now = T0;
let broker: EmbeddedBroker;
let service: PlatformService;
const journal: Array<{ k: string; d?: string; to?: string; why?: string; up?: boolean }> = [];

async function device(id: string): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(broker.url, { clientId: id, username: id, password: devicePassword(SECRET, id), reconnectPeriod: 0 });
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50)); // wall-clock: wait for the network
  expect(check(), what).toBe(true);
}

beforeAll(async () => {
  broker = await startEmbeddedBroker({ ws_port: null, policy: new AccessPolicy({ fleet_secret: SECRET }) });
  const client_id = ROLE_USERNAMES.platform;
  service = await startPlatformService(
    { broker_url: broker.url, client_id, ...fleetCredentials(SECRET)(client_id), api_host: '127.0.0.1', api_port: 0, firmware: withCatalogDefaults([]), journal_lines: true },
    { now: () => now, out: (line) => journal.push(JSON.parse(line) as (typeof journal)[number]), log: () => {} },
  );
});
afterAll(async () => {
  await service.stop();
  await broker.close();
});

describe("msp-twin platform: its own broker link", () => {
  it('a broker outage makes every live device UNREACHABLE at once; after the return a re-born device is ONLINE and a silent one goes OFFLINE on its deadline', async () => {
    const a = await device('nyc-env-a');
    const b = await device('nyc-env-b');
    await a.publishAsync('msp/v1/nyc/nyc-env-a/birth', birth('nyc-env-a', 1), { qos: 1 });
    await b.publishAsync('msp/v1/nyc/nyc-env-b/birth', birth('nyc-env-b', 1), { qos: 1 });
    await until(() => service.platform.registry.liveness('nyc-env-a') === 'ONLINE' && service.platform.registry.liveness('nyc-env-b') === 'ONLINE', 'both born');

    now = T0 + 10_000;
    await broker.stop();
    await until(() => !service.platform.link_up, 'the host noticed its link drop');
    expect(service.platform.registry.liveness('nyc-env-a')).toBe('UNREACHABLE');
    expect(service.platform.registry.liveness('nyc-env-b')).toBe('UNREACHABLE');
    expect(journal.filter((l) => l.k === 'p.live' && l.why === 'platform_link').map((l) => l.d).sort()).toEqual(['nyc-env-a', 'nyc-env-b']);
    // Blind, nobody has a deadline: an hour of silence changes nothing and pages nobody.
    service.platform.tick(T0 + 3_600_000);
    expect(service.platform.registry.liveness('nyc-env-a')).toBe('UNREACHABLE');
    expect(service.platform.alerts.active()).toEqual([]);

    now = T0 + 3_600_000;
    await broker.start();
    await until(() => service.platform.link_up, 'the host reconnected');
    expect(journal.filter((l) => l.k === 'p.link').map((l) => l.up)).toEqual([false, true]);
    const a2 = await device('nyc-env-a');
    await a2.publishAsync('msp/v1/nyc/nyc-env-a/birth', birth('nyc-env-a', 2), { qos: 1 });
    await until(() => service.platform.registry.liveness('nyc-env-a') === 'ONLINE', 'a re-born');
    // b stays silent: OFFLINE on its own deadline (3 × 60 s) counted from the link's return.
    service.platform.tick(now + 179_000);
    expect(service.platform.registry.liveness('nyc-env-b')).toBe('UNREACHABLE');
    service.platform.tick(now + 180_000);
    expect(service.platform.registry.liveness('nyc-env-b')).toBe('OFFLINE');
    await Promise.allSettled([a.endAsync(true), b.endAsync(true), a2.endAsync()]);
  });
});
