/**
 * A device's will is worked out when read (sim/devices/device-will.ts), not held as strings. Read
 * late (the broker publishes it only when the session dies, maybe after the device reconnected
 * on a new session and took the old one over) it must still be the will the device connected
 * with, byte for byte what an eager copy at connect would have held.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../platform/contract/canonical-json.ts';
import { MemoryBus } from '../../sim/edge/memory-bus.ts';
import { DeviceWill } from '../../sim/devices/device-will.ts';

interface FakeDevice {
  readonly id: string;
  readonly spec: { readonly site_id: string };
  session: number;
  willPayload(session?: number): Record<string, unknown>;
}

/** The will payload as DeviceTwin.willPayload writes it. */
function device(id: string, site_id: string): FakeDevice {
  const d: FakeDevice = {
    id,
    spec: { site_id },
    session: 1,
    willPayload: (session = d.session) => ({ v: 1, id, state: 'offline', session, reason: 'will' }),
  };
  return d;
}

describe('DeviceWill', () => {
  it('is the will of the session it was made for, however late it is read', () => {
    const twin = device('nyc-1-occ-7', 'nyc-1');
    const eager = { topic: 'msp/v1/nyc-1/nyc-1-occ-7/state', payload: canonicalJson(twin.willPayload()) };
    const will = new DeviceWill(twin);
    twin.session = 2; // the device reconnected before the old session's will went out
    expect({ topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain }).toEqual({ ...eager, qos: 1, retain: true });
    expect(JSON.parse(will.payload)).toMatchObject({ session: 1, state: 'offline' });
  });

  it('is what the in-memory broker publishes and retains when a taken-over session dies', () => {
    const bus = new MemoryBus();
    const heard: Array<{ topic: string; payload: string; retain: boolean }> = [];
    bus.connect('platform', { on_message: (m) => heard.push({ topic: m.topic, payload: m.payload, retain: m.retain }) }).subscribe('msp/v1/+/+/state');
    const twin = device('nyc-1-occ-7', 'nyc-1');
    bus.connect(twin.id, { will: new DeviceWill(twin) });
    twin.session = 2;
    // Same client id again: the old connection closes without DISCONNECT, so its will goes out.
    bus.connect(twin.id, { will: new DeviceWill(twin) });
    expect(heard).toEqual([{ topic: 'msp/v1/nyc-1/nyc-1-occ-7/state', payload: '{"id":"nyc-1-occ-7","reason":"will","session":1,"state":"offline","v":1}', retain: false }]);
    expect(bus.retained('msp/v1/+/+/state').map((m) => m.payload)).toEqual(['{"id":"nyc-1-occ-7","reason":"will","session":1,"state":"offline","v":1}']);
  });
});
