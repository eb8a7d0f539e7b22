/**
 * The Mosquitto fixture itself: a real Mosquitto on a free loopback port, written to with MQTT.js
 * and read back with the real mosquitto_sub. Later interoperability tests build on it.
 */
import { connectAsync } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { mosquittoSub, requireProgram, startMosquitto } from '../helpers/external-programs.ts';

const mosquitto = requireProgram('mosquitto', 'mosquitto');
const mosquitto_sub = requireProgram('mosquitto_sub', 'mosquitto-clients');
const available = mosquitto !== undefined && mosquitto_sub !== undefined;

const BIRTH_TOPIC = 'msp/v1/site-a/env-1/birth';
const BIRTH = '{"fw":"1.2.3","id":"env-1","v":1}';

describe('mosquitto fixture', () => {
  it.skipIf(!available)('starts Mosquitto; a retained message published with MQTT.js reads back with mosquitto_sub as retained', async () => {
    const broker = await startMosquitto();
    try {
      expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
      const client = await connectAsync(broker.url, { reconnectPeriod: 0 }, false);
      try {
        await client.publishAsync(BIRTH_TOPIC, BIRTH, { qos: 1, retain: true });
        await client.publishAsync('msp/v1/site-a/env-1/telemetry', 'not retained', { qos: 1 });
      } finally {
        await client.endAsync();
      }
      const received = await mosquittoSub(broker.port, 'msp/v1/+/+/+', { count: 1, timeout_ms: 5_000 });
      expect(received).toEqual([{ topic: BIRTH_TOPIC, payload: BIRTH, retained: true }]);
      // The URL form works too, and retained_only stops at the end of the retained set.
      const retained = await mosquittoSub(broker.url, 'msp/v1/#', { retained_only: true, count: 1, timeout_ms: 2_000 });
      expect(retained).toEqual([{ topic: BIRTH_TOPIC, payload: BIRTH, retained: true }]);
    } finally {
      await broker.stop();
    }
  });

  it.skipIf(!available)('with credentials: refuses anonymous clients and accepts the configured user', async () => {
    const broker = await startMosquitto({ username: 'msp-platform', password: 's3cret' });
    try {
      await expect(connectAsync(broker.url, { reconnectPeriod: 0 }, false)).rejects.toMatchObject({ code: 5 });
      const client = await connectAsync(broker.url, { reconnectPeriod: 0, username: 'msp-platform', password: 's3cret' }, false);
      try {
        await client.publishAsync('msp/v1/site-a/env-1/state', 'online', { qos: 1, retain: true });
      } finally {
        await client.endAsync();
      }
      const received = await mosquittoSub(broker.port, 'msp/v1/+/+/state', {
        count: 1,
        timeout_ms: 5_000,
        username: 'msp-platform',
        password: 's3cret',
      });
      expect(received).toEqual([{ topic: 'msp/v1/site-a/env-1/state', payload: 'online', retained: true }]);
    } finally {
      await broker.stop();
    }
  });

  it.skipIf(!available)('kill() ends the broker at once, like a crash', async () => {
    const broker = await startMosquitto();
    broker.kill();
    await broker.stop(); // resolves once the killed process is reaped
    await expect(connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 1_000 }, false)).rejects.toThrow();
  });
});
