/**
 * The embedded broker over real loopback sockets with MQTT.js clients: the access policy as a
 * client experiences it (refused publishes never arrive, refused subscriptions get SUBACK 0x80,
 * bad passwords get a refused CONNACK), last wills, MQTT over WebSocket, and an outage
 * (stop/start on the same port) that keeps retained messages.
 */
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../harness/broker/access-policy.ts';
import { devicePassword, rolePassword, ROLE_USERNAMES } from '../../platform/contract/credentials.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../harness/broker/embedded-broker.ts';

const SECRET = 'broker-test-secret';
const SITE = 'site-a';
const WAIT_MS = 5_000;
/** How MQTT.js 5 reports a refused filter: the subscribe call fails with the SUBACK, return code 0x80. */
const SUBACK_FAILURE = { message: 'Subscribe error: Unspecified error', packet: { cmd: 'suback', granted: [0x80] } };

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** Every client a test opens, force-closed after it so vitest has no open handles left. */
const open_clients = new Set<MqttClient>();

async function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  // reconnectPeriod 0: a refused or dropped connection must surface, not be retried behind our back.
  const client = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: WAIT_MS, ...options }, false);
  open_clients.add(client);
  return client;
}

function asDevice(url: string, device_id: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return connect(url, { clientId: device_id, username: device_id, password: devicePassword(SECRET, device_id), ...extra });
}

function asRole(url: string, role: 'platform' | 'sim' | 'viewer', client_id: string): Promise<MqttClient> {
  return connect(url, { clientId: client_id, username: ROLE_USERNAMES[role], password: rolePassword(SECRET, role) });
}

/** Records what a client receives; `next` resolves with the first (past or future) match. */
function inbox(client: MqttClient): { messages: Received[]; next(match: (m: Received) => boolean): Promise<Received> } {
  const messages: Received[] = [];
  const waiters: Array<{ match: (m: Received) => boolean; resolve: (m: Received) => void }> = [];
  client.on('message', (topic, payload, packet) => {
    const m = { topic, payload: payload.toString('utf8'), retain: packet.retain };
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  return {
    messages,
    next(match) {
      const seen = messages.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('expected message did not arrive')), WAIT_MS); // wall-clock: bound the wait
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
  };
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
}

function topic(device_id: string, rest: string): string {
  return `msp/v1/${SITE}/${device_id}/${rest}`;
}

afterEach(async () => {
  await Promise.all([...open_clients].map((c) => c.endAsync(true)));
  open_clients.clear();
});

describe('embedded broker with the fleet access policy', () => {
  let broker: EmbeddedBroker;
  const logs: string[] = [];

  beforeAll(async () => {
    const policy = new AccessPolicy({ fleet_secret: SECRET, gateway_children: new Map([['gw-1', ['occ-1', 'occ-2']]]) });
    broker = await startEmbeddedBroker({ policy, on_log: (line) => logs.push(line) });
  });
  afterAll(async () => {
    await broker.close();
  });

  it('binds loopback and reports its URLs', () => {
    expect(broker.host).toBe('127.0.0.1');
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(broker.ws_url).toBe(`ws://127.0.0.1:${broker.ws_port}/mqtt`);
    expect(broker.port).toBeGreaterThan(0);
  });

  it("refuses a device's publish to another device's topic: it never reaches the platform, and is counted", async () => {
    const platform = await asRole(broker.url, 'platform', 'msp-platform-1');
    const seen = inbox(platform);
    await platform.subscribeAsync('msp/v1/+/+/+', { qos: 1 });
    const forger = await asDevice(broker.url, 'env-1');
    const victim = await asDevice(broker.url, 'env-2');
    const before = broker.stats.publish_refused;

    // MQTT 3.1.1 cannot NACK a publish: aedes refuses by closing the connection.
    const forger_closed = closed(forger);
    forger.publish(topic('env-2', 'state'), '{"state":"offline"}', { qos: 0, retain: true });
    await forger_closed;
    // A later message from the real env-2 arrives; the forged one ordered before it never does.
    await victim.publishAsync(topic('env-2', 'telemetry'), 'genuine', { qos: 1 });
    await seen.next((m) => m.payload === 'genuine');
    expect(seen.messages.filter((m) => m.topic === topic('env-2', 'state'))).toEqual([]);
    expect(broker.stats.publish_refused).toBe(before + 1);
    expect(logs).toContain(`broker: refused publish by env-1 to ${topic('env-2', 'state')}`);
  });

  it("refuses a device's subscription to another device's commands with SUBACK 0x80, and counts it", async () => {
    const device = await asDevice(broker.url, 'env-1');
    const before = broker.stats.subscribe_refused;
    for (const filter of [topic('env-2', 'cmd/#'), 'msp/v1/#', 'msp/v1/+/+/cmd/#', 'msp/v1/+/+/+', `msp/v1/+/env-1/cmd/+`, topic('env-1', '#')]) {
      await expect(device.subscribeAsync(filter, { qos: 1 }), filter).rejects.toMatchObject(SUBACK_FAILURE);
    }
    expect(broker.stats.subscribe_refused).toBe(before + 6);
    expect(logs).toContain(`broker: refused subscribe by env-1 to ${topic('env-2', 'cmd/#')}`);
    // A refused filter does not end the session.
    expect(device.connected).toBe(true);
  });

  it('lets a device publish its own telemetry and receive its own commands', async () => {
    const platform = await asRole(broker.url, 'platform', 'msp-platform-2');
    const at_platform = inbox(platform);
    await platform.subscribeAsync('msp/v1/+/+/+', { qos: 1 });
    const device = await asDevice(broker.url, 'env-1');
    const at_device = inbox(device);
    await device.subscribeAsync(`msp/v1/+/env-1/cmd/#`, { qos: 1 });
    await device.subscribeAsync(topic('env-1', 'cmd/+'), { qos: 1 });

    await device.publishAsync(topic('env-1', 'telemetry'), '{"temperature_c":21.5}', { qos: 1 });
    expect((await at_platform.next((m) => m.topic === topic('env-1', 'telemetry'))).payload).toBe('{"temperature_c":21.5}');

    await platform.publishAsync(topic('env-1', 'cmd/reboot'), '{"reason":"test"}', { qos: 1 });
    expect((await at_device.next((m) => m.topic === topic('env-1', 'cmd/reboot'))).payload).toBe('{"reason":"test"}');
  });

  it('refuses a wrong password, an unknown role password and a client id that is not the device id', async () => {
    const before = broker.stats.auth_refused;
    await expect(connect(broker.url, { clientId: 'env-1', username: 'env-1', password: devicePassword('other-secret', 'env-1') })).rejects.toMatchObject({
      code: 4,
    });
    await expect(connect(broker.url, { clientId: 'p', username: ROLE_USERNAMES.platform, password: rolePassword(SECRET, 'viewer') })).rejects.toMatchObject({
      code: 4,
    });
    await expect(connect(broker.url, { clientId: 'env-9', username: 'env-1', password: devicePassword(SECRET, 'env-1') })).rejects.toMatchObject({
      code: 5,
    });
    await expect(connect(broker.url, { clientId: 'anon' })).rejects.toMatchObject({ code: 4 });
    expect(broker.stats.auth_refused).toBe(before + 4);
  });

  it('lets the viewer subscribe to everything but publish nothing', async () => {
    const viewer = await asRole(broker.url, 'viewer', 'msp-viewer-1');
    const seen = inbox(viewer);
    await viewer.subscribeAsync('msp/v1/#', { qos: 1 });
    const device = await asDevice(broker.url, 'env-1');
    const at_device = inbox(device);
    await device.subscribeAsync(topic('env-1', 'cmd/#'), { qos: 1 });
    await device.publishAsync(topic('env-1', 'telemetry'), 'seen-by-viewer', { qos: 1 });
    await seen.next((m) => m.payload === 'seen-by-viewer');

    const before = broker.stats.publish_refused;
    const viewer_closed = closed(viewer);
    viewer.publish(topic('env-1', 'cmd/unlock'), 'from-viewer', { qos: 0 });
    await viewer_closed;
    expect(broker.stats.publish_refused).toBe(before + 1);
    // The device is still connected and got nothing from the viewer.
    const platform = await asRole(broker.url, 'platform', 'msp-platform-3');
    await platform.publishAsync(topic('env-1', 'cmd/ping'), 'from-platform', { qos: 1 });
    await at_device.next((m) => m.payload === 'from-platform');
    expect(at_device.messages.map((m) => m.payload)).toEqual(['from-platform']);
  });

  it("lets a gateway publish for its children, subscribe to their commands, and nothing for another device", async () => {
    const platform = await asRole(broker.url, 'platform', 'msp-platform-4');
    const seen = inbox(platform);
    await platform.subscribeAsync('msp/v1/+/+/+', { qos: 1 });
    const gateway = await asDevice(broker.url, 'gw-1');
    await gateway.subscribeAsync(topic('occ-1', 'cmd/#'), { qos: 1 });
    await expect(gateway.subscribeAsync(topic('occ-9', 'cmd/#'), { qos: 1 })).rejects.toMatchObject(SUBACK_FAILURE);

    await gateway.publishAsync(topic('gw-1', 'telemetry'), 'gateway-own', { qos: 1 });
    await gateway.publishAsync(topic('occ-1', 'telemetry'), 'child', { qos: 1 });
    await seen.next((m) => m.payload === 'child');

    const before = broker.stats.publish_refused;
    const gateway_closed = closed(gateway);
    gateway.publish(topic('occ-9', 'telemetry'), 'not-my-child', { qos: 0 });
    await gateway_closed;
    expect(broker.stats.publish_refused).toBe(before + 1);
    const other = await asDevice(broker.url, 'occ-9');
    await other.publishAsync(topic('occ-9', 'telemetry'), 'genuine-occ-9', { qos: 1 });
    await seen.next((m) => m.payload === 'genuine-occ-9');
    expect(seen.messages.map((m) => m.payload)).not.toContain('not-my-child');
  });

  it("publishes the last will of a device whose socket dies, and the platform receives it", async () => {
    const platform = await asRole(broker.url, 'platform', 'msp-platform-5');
    const seen = inbox(platform);
    await platform.subscribeAsync('msp/v1/+/+/state', { qos: 1 });
    const will = '{"id":"env-3","reason":"will","session":1,"state":"offline","v":1}';
    const device = await asDevice(broker.url, 'env-3', { will: { topic: topic('env-3', 'state'), payload: Buffer.from(will), qos: 1, retain: true } });
    const wills_before = broker.stats.wills_published ?? 0;

    // No DISCONNECT: the socket just goes away (power cut).
    device.stream.destroy();
    const got = await seen.next((m) => m.topic === topic('env-3', 'state'));
    expect(got.payload).toBe(will);
    expect(broker.stats.wills_published).toBe(wills_before + 1);
  });

  it('speaks MQTT over WebSocket at /mqtt', async () => {
    const platform = await connect(broker.ws_url!, { clientId: 'msp-platform-ws', username: ROLE_USERNAMES.platform, password: rolePassword(SECRET, 'platform') });
    const seen = inbox(platform);
    await platform.subscribeAsync('msp/v1/+/+/telemetry', { qos: 1 });
    const device_ws = await asDevice(broker.ws_url!, 'env-4');
    await device_ws.publishAsync(topic('env-4', 'telemetry'), 'over-websocket', { qos: 1 });
    const got = await seen.next((m) => m.payload === 'over-websocket');
    expect(got).toEqual({ topic: topic('env-4', 'telemetry'), payload: 'over-websocket', retain: false });
    // The access policy holds over WebSocket too: env-4 may not publish as env-5.
    const refused_before = broker.stats.publish_refused;
    const device_closed = closed(device_ws);
    device_ws.publish(topic('env-5', 'telemetry'), 'ws-spoof', { qos: 0 });
    await device_closed;
    expect(broker.stats.publish_refused).toBe(refused_before + 1);
    // The real env-5 publishes after it; by the time that arrives the forged one would have.
    const genuine = await asDevice(broker.ws_url!, 'env-5');
    await genuine.publishAsync(topic('env-5', 'telemetry'), 'genuine-env-5', { qos: 1 });
    await seen.next((m) => m.payload === 'genuine-env-5');
    expect(seen.messages.map((m) => m.payload)).not.toContain('ws-spoof');
  });

  it('counts connections and current clients', async () => {
    const total_before = broker.stats.connections_total;
    const a = await asDevice(broker.url, 'env-5');
    await asDevice(broker.url, 'env-6');
    expect(broker.stats.connections_total).toBe(total_before + 2);
    expect(broker.stats.connected).toBeGreaterThanOrEqual(2);
    const connected = broker.stats.connected;
    await a.endAsync();
    await expect.poll(() => broker.stats.connected).toBe(connected - 1);
  });
});

describe('embedded broker outage: stop() and start() on the same ports', () => {
  let broker: EmbeddedBroker;

  beforeAll(async () => {
    broker = await startEmbeddedBroker({ policy: new AccessPolicy({ fleet_secret: SECRET }) });
  });
  afterAll(async () => {
    await broker.close();
  });

  it('drops every client without wills, comes back on the same port, and keeps retained messages', async () => {
    const { port, ws_port } = broker;
    const device = await asDevice(broker.url, 'env-1', {
      will: { topic: topic('env-1', 'state'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await device.publishAsync(topic('env-1', 'birth'), '{"fw":"1.2.3"}', { qos: 1, retain: true });
    // A client that reconnects by itself, as the platform does.
    const platform = await connect(broker.url, {
      clientId: 'msp-platform-r',
      username: ROLE_USERNAMES.platform,
      password: rolePassword(SECRET, 'platform'),
      reconnectPeriod: 50,
    });
    const device_closed = closed(device);

    await broker.stop();
    expect(broker.stats.connected).toBe(0);
    await device_closed;
    // Nothing listens while the broker is down.
    await expect(connect(broker.url, { clientId: 'during-outage', connectTimeout: 1_000 })).rejects.toThrow();

    const reconnected = new Promise<void>((resolve) => platform.once('connect', () => resolve()));
    await broker.start();
    expect(broker.port).toBe(port);
    expect(broker.ws_port).toBe(ws_port);
    await reconnected;
    expect(platform.connected).toBe(true);

    const viewer = await asRole(broker.url, 'viewer', 'msp-viewer-r');
    const seen = inbox(viewer);
    await viewer.subscribeAsync(topic('env-1', '+'), { qos: 1 });
    const birth = await seen.next((m) => m.topic === topic('env-1', 'birth'));
    expect(birth).toEqual({ topic: topic('env-1', 'birth'), payload: '{"fw":"1.2.3"}', retain: true });
    // A crashed broker sends no wills: env-1's retained state was never set to "offline".
    expect(seen.messages.filter((m) => m.topic === topic('env-1', 'state'))).toEqual([]);
    expect(broker.stats.wills_published ?? 0).toBe(0);
  });

  it('refuses to start again after close()', async () => {
    const other = await startEmbeddedBroker({ ws_port: null });
    expect(other.ws_url).toBeNull();
    await other.close();
    await expect(other.start()).rejects.toMatchObject({ code: 'BROKER_CLOSED' });
  });

  it('reports a port in use with BROKER_PORT_IN_USE', async () => {
    await expect(startEmbeddedBroker({ port: broker.port, ws_port: null })).rejects.toMatchObject({ code: 'BROKER_PORT_IN_USE', port: broker.port });
  });
});
