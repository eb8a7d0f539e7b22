import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryBus, type BusMessage } from '../../sim/edge/memory-bus.ts';
import { topicMatches } from '../../platform/contract/topics.ts';

function collector(bus: MemoryBus, id: string, ...filters: string[]): BusMessage[] {
  const got: BusMessage[] = [];
  const c = bus.connect(id, { on_message: (m) => got.push(m) });
  filters.forEach((f) => c.subscribe(f));
  return got;
}

describe('topic filters', () => {
  it('match + and # as MQTT does, and keep $-topics away from leading wildcards', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+/c', 'a/b/d')).toBe(false);
    expect(topicMatches('a/#', 'a')).toBe(true); // [MQTT-4.7.1-2] # matches the parent level too
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(topicMatches('+/x', '$SYS/x')).toBe(false);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
  });
});

describe('memory bus', () => {
  it('delivers a publish to exactly the clients one of whose filters topicMatches, for any filters and topic', () => {
    const level = fc.constantFrom('a', 'b', '', '$x', 'msp');
    const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/'));
    const filter = fc.array(fc.constantFrom('a', 'b', '', '$x', 'msp', '+', '#'), { minLength: 1, maxLength: 4 }).filter((l) => !l.slice(0, -1).includes('#')).map((l) => l.join('/'));
    fc.assert(
      fc.property(fc.array(fc.array(filter, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), topic, (clients, t) => {
        const bus = new MemoryBus();
        const got = clients.map((filters, i) => collector(bus, `c${i}`, ...filters));
        bus.connect('pub').publish(t, 'x', 1, false);
        clients.forEach((filters, i) => expect(got[i]!.length).toBe(filters.some((f) => topicMatches(f, t)) ? 1 : 0));
      }),
      { numRuns: 300 },
    );
  });

  it("delivers each publish by the subscriptions as they stand then, however they change between one client's publishes", () => {
    // A subscription made or dropped between two publishes to the same topic counts from the next
    // one: whatever the bus remembers between publishes must not outlive a change of subscriptions.
    const level = fc.constantFrom('a', 'b', '$x');
    const topic = fc.array(level, { minLength: 1, maxLength: 3 }).map((l) => l.join('/'));
    const filter = fc.array(fc.constantFrom('a', 'b', '$x', '+', '#'), { minLength: 1, maxLength: 3 }).filter((l) => !l.slice(0, -1).includes('#')).map((l) => l.join('/'));
    // Filters from a small pool, so an unsubscribe usually drops a subscription that was made.
    const op = fc.oneof(
      fc.record({ op: fc.constant('pub' as const), topic }),
      fc.record({ op: fc.constant('sub' as const), client: fc.nat(2), filter: fc.nat(3) }),
      fc.record({ op: fc.constant('unsub' as const), client: fc.nat(2), filter: fc.nat(3) }),
    );
    fc.assert(
      fc.property(topic, fc.array(filter, { minLength: 4, maxLength: 4 }), fc.array(op, { maxLength: 30 }), (first, pool, ops) => {
        const bus = new MemoryBus();
        const filters = [new Set<string>(), new Set<string>(), new Set<string>()];
        const got = [0, 1, 2].map(() => [] as string[]);
        const clients = [0, 1, 2].map((i) => bus.connect(`c${i}`, { on_message: (m) => got[i]!.push(m.topic) }));
        const pub = bus.connect('pub');
        const expected = [0, 1, 2].map(() => [] as string[]);
        const publish = (t: string): void => {
          pub.publish(t, 'x', 1, false);
          filters.forEach((fs, i) => {
            if ([...fs].some((f) => topicMatches(f, t))) expected[i]!.push(t);
          });
        };
        publish(first);
        for (const o of ops) {
          if (o.op === 'pub') publish(o.topic);
          else if (o.op === 'sub') {
            clients[o.client]!.subscribe(pool[o.filter]!);
            filters[o.client]!.add(pool[o.filter]!);
          } else {
            clients[o.client]!.unsubscribe(pool[o.filter]!);
            filters[o.client]!.delete(pool[o.filter]!);
          }
          publish(first);
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('delivers by wildcard subscription, once per client', () => {
    const bus = new MemoryBus();
    const got = collector(bus, 'p', 'msp/v1/+/+/telemetry', 'msp/v1/#');
    const dev = bus.connect('d1');
    dev.publish('msp/v1/s/d1/telemetry', '{}', 1, false);
    dev.publish('other/topic', '{}', 1, false);
    expect(got.map((m) => m.topic)).toEqual(['msp/v1/s/d1/telemetry']);
  });

  it('keeps retained messages for late subscribers and clears them with an empty payload', () => {
    const bus = new MemoryBus();
    const dev = bus.connect('d1');
    dev.publish('msp/v1/s/d1/birth', '{"a":1}', 1, true);
    dev.publish('msp/v1/s/d2/birth', '{"a":2}', 1, true);
    const late = collector(bus, 'late', 'msp/v1/s/+/birth');
    expect(late.map((m) => [m.topic, m.retain])).toEqual([
      ['msp/v1/s/d1/birth', true],
      ['msp/v1/s/d2/birth', true],
    ]);
    dev.publish('msp/v1/s/d1/birth', '', 1, true);
    expect(bus.retained('msp/v1/#').map((m) => m.topic)).toEqual(['msp/v1/s/d2/birth']);
  });

  it('gives a retained message back with its own QoS and payload, the last one published on the topic', () => {
    // QoS 1 retained messages are held as their payload alone and QoS 0 ones whole: both must
    // come back as they were published, and a later publish must replace either form.
    const bus = new MemoryBus();
    const dev = bus.connect('d1');
    dev.publish('msp/v1/s/d1/state', '{"s":"old"}', 1, true);
    dev.publish('msp/v1/s/d1/state', '{"s":"new"}', 0, true);
    dev.publish('msp/v1/s/d2/state', '{"s":"zero"}', 0, true);
    dev.publish('msp/v1/s/d2/state', '{"s":"one"}', 1, true);
    const late = collector(bus, 'late', 'msp/v1/s/+/state');
    expect(late.map((m) => [m.topic, m.payload, m.qos, m.retain])).toEqual([
      ['msp/v1/s/d1/state', '{"s":"new"}', 0, true],
      ['msp/v1/s/d2/state', '{"s":"one"}', 1, true],
    ]);
  });

  it('keeps no retained message when told not to, and refuses a subscription that would have missed one', () => {
    // A shard's bus: the forwarder subscribes first and hears everything live; a subscription
    // after a retained publish would silently miss it, so it must fail loudly instead.
    const bus = new MemoryBus({ keep_retained: false });
    const early = collector(bus, 'p', 'msp/v1/#');
    const dev = bus.connect('d1');
    dev.publish('msp/v1/s/d1/birth', '{"a":1}', 1, true);
    expect(early.map((m) => [m.topic, m.retain])).toEqual([['msp/v1/s/d1/birth', false]]);
    expect(bus.retained('msp/v1/#')).toEqual([]);
    expect(() => collector(bus, 'late', 'msp/v1/s/+/birth')).toThrow(expect.objectContaining({ code: 'BUS_RETAINED_NOT_KEPT' }));
    // Before any retained publish, subscribing is as on any bus.
    const fresh = new MemoryBus({ keep_retained: false });
    fresh.connect('d2').publish('msp/v1/s/d2/telemetry', '{}', 1, false);
    expect(() => collector(fresh, 'late', 'msp/v1/#')).not.toThrow();
  });

  it('publishes the last will on an unclean drop, never on a clean disconnect', () => {
    const bus = new MemoryBus();
    const got = collector(bus, 'p', 'msp/v1/+/+/state');
    const will = { topic: 'msp/v1/s/d1/state', payload: '{"state":"offline"}', qos: 1 as const, retain: true };
    bus.connect('d1', { will }).disconnect();
    expect(got).toHaveLength(0);
    bus.connect('d1', { will }).drop();
    expect(got.map((m) => m.payload)).toEqual(['{"state":"offline"}']);
    expect(bus.stats.wills_published).toBe(1);
  });

  it('a second connection with the same client id takes the session over and fires the old will', () => {
    const bus = new MemoryBus();
    const got = collector(bus, 'p', 'msp/v1/#');
    const will = { topic: 'msp/v1/s/d1/state', payload: 'gone', qos: 1 as const, retain: true };
    const first = bus.connect('d1', { will });
    bus.connect('d1');
    expect(first.connected).toBe(false);
    expect(got.map((m) => m.payload)).toEqual(['gone']);
    expect(bus.stats.takeovers).toBe(1);
    expect(() => first.publish('msp/v1/s/d1/telemetry', '{}', 0, false)).toThrow(/BUS_NOT_CONNECTED/);
  });

  it('a persistent session keeps its subscriptions offline, queues QoS 1 (not QoS 0) and delivers the queue in order when it resumes', () => {
    const bus = new MemoryBus();
    const got: string[] = [];
    const platform = bus.connect('msp-platform', { persistent: true, on_message: (m) => got.push(m.payload) });
    platform.subscribe('msp/v1/#');
    const dev = bus.connect('d1');
    dev.publish('msp/v1/s/d1/state', 'live', 1, false);
    platform.drop();
    dev.publish('msp/v1/s/d1/state', 'q1', 1, false);
    dev.publish('msp/v1/s/d1/telemetry', 'qos0', 0, false);
    dev.publish('msp/v1/s/d1/state', 'q2', 1, true);
    expect(got).toEqual(['live']);
    expect(platform.queued).toBe(2);
    expect(platform.reconnect()).toBe(2);
    expect(got).toEqual(['live', 'q1', 'q2']);
    expect(bus.stats).toMatchObject({ queued: 2, queued_delivered: 2 });
    dev.publish('msp/v1/s/d1/state', 'after', 1, false);
    expect(got.at(-1)).toBe('after');
  });

  it('a clean session ends with its connection: nothing is queued and it cannot resume', () => {
    const bus = new MemoryBus();
    const got: string[] = [];
    const viewer = bus.connect('v', { on_message: (m) => got.push(m.payload) });
    viewer.subscribe('msp/v1/#');
    viewer.drop();
    bus.connect('d1').publish('msp/v1/s/d1/state', 'x', 1, false);
    expect(viewer.queued).toBe(0);
    expect(() => viewer.reconnect()).toThrow(/BUS_NOT_CONNECTED/);
    expect(bus.stats.queued).toBe(0);
  });
});
