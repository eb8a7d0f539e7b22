/**
 * The embedded broker attacked the way issue 15 found it open: with the viewer's password (which
 * every live-viewer browser holds), with one device's credentials, and with oversized and retained
 * publishes. Real sockets, MQTT.js, and mosquitto_pub/mosquitto_sub where installed.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../harness/broker/access-policy.ts';
import { devicePassword, rolePassword, ROLE_USERNAMES } from '../../platform/contract/credentials.ts';
import { BROKER_LIMITS, type EmbeddedBroker, startEmbeddedBroker } from '../../harness/broker/embedded-broker.ts';
import { requireProgram } from '../helpers/external-programs.ts';

const execFileAsync = promisify(execFile);
const SECRET = 'security-test-secret';
const WAIT_MS = 3_000;
const open_clients = new Set<MqttClient>();

async function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  const client = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: WAIT_MS, ...options }, false);
  open_clients.add(client);
  return client;
}

const asDevice = (url: string, id: string, extra: IClientOptions = {}): Promise<MqttClient> =>
  connect(url, { clientId: id, username: id, password: devicePassword(SECRET, id), ...extra });
const asRole = (url: string, role: 'platform' | 'sim' | 'viewer', client_id: string): Promise<MqttClient> =>
  connect(url, { clientId: client_id, username: ROLE_USERNAMES[role], password: rolePassword(SECRET, role) });

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
}

function received(client: MqttClient): string[] {
  const seen: string[] = [];
  client.on('message', (topic, payload) => seen.push(`${topic} ${payload.length}`));
  return seen;
}

async function settle(ms = 150): Promise<void> {
  await new Promise((r) => setTimeout(r, ms)); // wall-clock: let a refused message (not) arrive
}

afterEach(async () => {
  await Promise.all([...open_clients].map((c) => c.endAsync(true)));
  open_clients.clear();
});

describe('broker identities and limits under attack', () => {
  let broker: EmbeddedBroker;
  const logs: string[] = [];

  beforeAll(async () => {
    const device_sites = new Map([
      ['env-1', 'nyc'],
      ['env-2', 'nyc'],
      ['gw-1', 'chi'],
      ['occ-1', 'chi'],
    ]);
    const policy = new AccessPolicy({ fleet_secret: SECRET, device_sites, gateway_children: new Map([['gw-1', ['occ-1']]]) });
    broker = await startEmbeddedBroker({ policy, on_log: (line) => logs.push(line) });
  });
  afterAll(async () => {
    await broker.close();
  });

  it('refuses the viewer logging in with the platform client id, and the platform stays connected', async () => {
    const platform = await asRole(broker.url, 'platform', 'msp-platform');
    const before = broker.stats.auth_refused;
    await expect(asRole(broker.url, 'viewer', 'msp-platform')).rejects.toMatchObject({ code: 5 });
    await settle();
    expect(platform.connected).toBe(true);
    expect(broker.stats.auth_refused).toBe(before + 1);
    expect(logs.some((l) => l.includes('BROKER_AUTH_CLIENT_ID_MISMATCH') && l.includes('msp-viewer'))).toBe(true);
  });

  it("refuses the viewer logging in with a device's client id: no kick, no last will", async () => {
    const will = { topic: 'msp/v1/nyc/env-1/state', payload: Buffer.from('{"state":"offline"}'), qos: 1 as const, retain: true };
    const device = await asDevice(broker.url, 'env-1', { will });
    const watcher = await asRole(broker.url, 'platform', 'msp-platform-watch');
    const seen = received(watcher);
    await watcher.subscribeAsync('msp/v1/nyc/env-1/state', { qos: 1 });
    await expect(asRole(broker.url, 'viewer', 'env-1')).rejects.toMatchObject({ code: 5 });
    await settle();
    expect(device.connected).toBe(true);
    expect(seen).toEqual([]);
  });

  it('lets a role use its own name or its own prefix, and no device use the reserved msp- prefix', async () => {
    const viewer = await asRole(broker.url, 'viewer', 'msp-viewer-tab-1');
    expect(viewer.connected).toBe(true);
    await expect(asRole(broker.url, 'sim', 'msp-viewer-tab-1')).rejects.toMatchObject({ code: 5 });
    await expect(asRole(broker.url, 'platform', 'msp-platformX')).rejects.toMatchObject({ code: 5 });
    await expect(asDevice(broker.url, 'msp-platform-2')).rejects.toMatchObject({ code: 5 });
  });

  it('keeps the viewer read-only: its publish is refused and closes only its own connection', async () => {
    const device = await asDevice(broker.url, 'env-2');
    const got = received(device);
    await device.subscribeAsync('msp/v1/nyc/env-2/cmd/#', { qos: 1 });
    const viewer = await asRole(broker.url, 'viewer', 'msp-viewer-x');
    const gone = closed(viewer);
    viewer.publish('msp/v1/nyc/env-2/cmd/ota', '{}', { qos: 1 });
    await gone;
    await settle();
    expect(got).toEqual([]);
    expect(device.connected).toBe(true);
  });

  it('refuses a device publish over 16 KiB (payload) and a 1 MB packet on the wire before buffering it', async () => {
    const platform = await asRole(broker.url, 'platform', 'msp-platform-big');
    const seen = received(platform);
    await platform.subscribeAsync('msp/v1/#', { qos: 1 });
    const before = broker.stats.oversize_refused;

    const device = await asDevice(broker.url, 'env-1');
    const gone = closed(device);
    device.publish('msp/v1/nyc/env-1/telemetry', Buffer.alloc(BROKER_LIMITS.max_payload_bytes + 1, 0x61), { qos: 1 });
    await gone;

    const again = await asDevice(broker.url, 'env-1');
    const gone_again = closed(again);
    again.publish('msp/v1/nyc/env-1/telemetry', Buffer.alloc(1024 * 1024, 0x61), { qos: 0 });
    await gone_again;

    // Exactly at the limit is fine.
    const ok = await asDevice(broker.url, 'env-1');
    await ok.publishAsync('msp/v1/nyc/env-1/telemetry', Buffer.alloc(BROKER_LIMITS.max_payload_bytes, 0x61), { qos: 1 });
    await settle();
    expect(seen.filter((m) => m.includes('/telemetry'))).toEqual([`msp/v1/nyc/env-1/telemetry ${BROKER_LIMITS.max_payload_bytes}`]);
    expect(broker.stats.oversize_refused).toBe(before + 2);
  });

  it('closes a raw socket that announces a 64 MB packet at its first bytes', async () => {
    const before = broker.stats.oversize_refused;
    const socket = net.connect({ host: '127.0.0.1', port: broker.port });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const end = new Promise<void>((r) => socket.once('close', () => r()));
    // PUBLISH fixed header with remaining length 64 MiB (varint 0x80 0x80 0x80 0x20), then some bytes.
    socket.write(Buffer.concat([Buffer.from([0x30, 0x80, 0x80, 0x80, 0x20]), Buffer.alloc(4096)]));
    await end;
    expect(broker.stats.oversize_refused).toBe(before + 1);
  });

  it('allows retain only on birth and state', async () => {
    const device = await asDevice(broker.url, 'env-2');
    await device.publishAsync('msp/v1/nyc/env-2/birth', '{}', { qos: 1, retain: true });
    const before = broker.stats.retain_refused;
    const gone = closed(device);
    device.publish('msp/v1/nyc/env-2/event', '{}', { qos: 1, retain: true });
    await gone;
    expect(broker.stats.retain_refused).toBe(before + 1);
  });

  it('pins a device to its provisioned site, and refuses unprovisioned devices', async () => {
    const device = await asDevice(broker.url, 'env-1');
    const gone = closed(device);
    device.publish('msp/v1/chi/env-1/birth', '{}', { qos: 1 });
    await gone;
    // A gateway speaks for its child under the child's own site only.
    const gw = await asDevice(broker.url, 'gw-1');
    await gw.publishAsync('msp/v1/chi/occ-1/telemetry', '{}', { qos: 1 });
    await expect(gw.subscribeAsync('msp/v1/nyc/occ-1/cmd/#')).rejects.toThrow();
    await expect(asDevice(broker.url, 'invented-9')).rejects.toMatchObject({ code: 5 });
  });

  it('bounds the subscription filters one connection may hold', async () => {
    const platform = await asRole(broker.url, 'platform', 'msp-platform-subs');
    const limit = BROKER_LIMITS.max_subscriptions_per_client;
    const granted = await platform.subscribeAsync(Array.from({ length: limit }, (_, i) => `msp/v1/s${i}/+/+`), { qos: 0 });
    expect(granted.every((g) => g.qos === 0)).toBe(true);
    await expect(platform.subscribeAsync('msp/v1/one-too-many/+/+')).rejects.toThrow();
    // Unsubscribing frees a slot.
    await platform.unsubscribeAsync('msp/v1/s0/+/+');
    await expect(platform.subscribeAsync('msp/v1/one-too-many/+/+')).resolves.toBeDefined();
  });

  const mosquitto_pub = requireProgram('mosquitto_pub', 'mosquitto-clients');
  it.skipIf(!mosquitto_pub)('refuses mosquitto_pub with the viewer password and the platform client id (CONNACK not authorised)', async () => {
    const result = await execFileAsync(mosquitto_pub!, [
      '-h', '127.0.0.1', '-p', String(broker.port), '-i', 'msp-platform', '-u', ROLE_USERNAMES.viewer, '-P', rolePassword(SECRET, 'viewer'),
      '-t', 'msp/v1/nyc/env-1/cmd/ota', '-m', '{}', '-q', '1',
    ]).then(() => ({ ok: true, stderr: '' }), (err: { stderr?: string }) => ({ ok: false, stderr: err.stderr ?? '' }));
    expect(result.ok).toBe(false);
    expect(result.stderr.toLowerCase()).toMatch(/not authori[sz]ed|refused/);
  });

  it.skipIf(!mosquitto_pub)('closes mosquitto_pub sending a 20 KiB payload with a device credential', async () => {
    const before = broker.stats.oversize_refused;
    await execFileAsync(mosquitto_pub!, [
      '-h', '127.0.0.1', '-p', String(broker.port), '-i', 'env-2', '-u', 'env-2', '-P', devicePassword(SECRET, 'env-2'),
      '-t', 'msp/v1/nyc/env-2/telemetry', '-m', 'a'.repeat(20 * 1024), '-q', '1',
    ]).catch(() => undefined);
    expect(broker.stats.oversize_refused).toBe(before + 1);
  });

  const mosquitto_sub = requireProgram('mosquitto_sub', 'mosquitto-clients');
  it.skipIf(!mosquitto_sub)("refuses mosquitto_sub with one device's credential on another device's commands (SUBACK failure)", async () => {
    const before = broker.stats.subscribe_refused;
    const result = await execFileAsync(mosquitto_sub!, [
      '-h', '127.0.0.1', '-p', String(broker.port), '-i', 'env-1', '-u', 'env-1', '-P', devicePassword(SECRET, 'env-1'),
      '-t', 'msp/v1/nyc/env-2/cmd/#', '-W', '2',
    ]).then((r) => ({ out: r.stdout + r.stderr }), (err: { stdout?: string; stderr?: string }) => ({ out: (err.stdout ?? '') + (err.stderr ?? '') }));
    // mosquitto_sub reports the SUBACK failure and gives up (its exit status varies by version).
    expect(result.out).toMatch(/denied/i);
    expect(broker.stats.subscribe_refused).toBe(before + 1);
  });
});
