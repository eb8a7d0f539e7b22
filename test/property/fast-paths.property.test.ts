/**
 * The hot paths rewritten for speed (docs/performance.md) must give the bytes and the order the
 * plain versions gave, for any input, or every trace hash moves. Each property here checks one
 * against its plain reference, written out below as it was before the rewrite.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, quotedString } from '../../platform/contract/canonical-json.ts';
import { MessageClass, parseDeviceTopic } from '../../platform/contract/topics.ts';
import { orderStep, type InboundMessage } from '../../platform/core/step-order.ts';
import { publishLine } from '../../sim/kernel/trace.ts';
import { advanceZone, defaultZoneThermal, HeldPowerIntegrator, type ZoneInputs, type ZoneThermalParams } from '../../sim/world/thermal.ts';

/** Canonical JSON as first written: filtered, sorted key lists and JSON.stringify for numbers. */
function referenceJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
      return Object.is(value, -0) ? '0' : JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((v) => referenceJson(v === undefined ? null : v)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => JSON.stringify(k) + ':' + referenceJson(obj[k])).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

/** The step order as first written: a joined sort key and a sliced parseInt. */
function referenceOrder(messages: readonly InboundMessage[], step_end_ms: number): Array<{ topic: string; payload: string; t_ms: number }> {
  const time = (payload: string): number | undefined => {
    const i = payload.indexOf('"ts":');
    if (i < 0) return undefined;
    const n = Number.parseInt(payload.slice(i + 5, i + 25), 10);
    return Number.isSafeInteger(n) ? n : undefined;
  };
  const keyed = messages.map((m) => ({ m, t_ms: Math.min(step_end_ms, time(m.payload) ?? step_end_ms), key: `${m.topic} ${m.payload}` }));
  keyed.sort((a, b) => a.t_ms - b.t_ms || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map(({ m, t_ms }) => ({ topic: m.topic, payload: m.payload, t_ms }));
}

// Few distinct characters, so topics share prefixes, one topic is often a prefix of another, and
// characters below ' ' (which sort before the joining space) turn up.
const topicChar = fc.constantFrom('a', 'b', '/', ' ', '\t', '!', '~', 'é');
const topic = fc.array(topicChar, { maxLength: 6 }).map((cs) => cs.join(''));
const ts = fc.oneof(
  fc.integer({ min: 0, max: 2_000 }).map(String),
  fc.constantFrom('', '-5', ' 7', '+9', '0009', '1e3', 'x', '9007199254740991', '9007199254740992', '00000000000000000000001', '123456789012345678901234'),
);
const payload = fc.oneof(
  fc.tuple(fc.constantFrom('', '{"a":1,'), ts, fc.constantFrom('', '}', ',"z":0}', 'abc')).map(([pre, t, post]) => `${pre}"ts":${t}${post}`),
  fc.string({ maxLength: 8 }),
);

describe('step order fast path', () => {
  it('orders any step exactly as the joined-key sort did', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ topic, payload }), { maxLength: 40 }), fc.integer({ min: 0, max: 2_500 }), (messages, end) => {
        expect(orderStep(messages, end)).toEqual(referenceOrder(messages, end));
      }),
      { numRuns: 500 },
    );
  });
});

// Keys from a small alphabet collide and share prefixes; objects up to 24 keys cross the size at
// which the encoder switches from its insertion sort to Array.prototype.sort.
const key = fc.oneof(fc.array(fc.constantFrom('a', 'B', '_', 'é', '😀', '"', '\\', '0'), { maxLength: 4 }).map((cs) => cs.join('')), fc.string({ maxLength: 6 }));
// Non-finite numbers and a bigint, which both encoders must refuse, are drawn on purpose:
// fc.double() alone almost never puts one inside an object.
const leaf = fc.oneof(fc.double(), fc.integer(), fc.constant(-0), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.string({ maxLength: 6 }), fc.constantFrom(1e21, 5e-324, 0.1 + 0.2, -1e-7), fc.constantFrom(Number.NaN, Infinity, -Infinity, 1n));
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 5 }), fc.dictionary(key, tie('tree'), { maxKeys: 24 })),
}));

/**
 * The same value with every object's keys inserted in code-unit order, as the simulator builds its
 * payloads: what canonicalJson hands to JSON.stringify (integer-like keys, which V8 enumerates
 * first, still leave some to the general encoder).
 */
function insertedSorted(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(insertedSorted);
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) out[k] = insertedSorted(obj[k]);
  return out;
}

describe('canonical JSON fast path', () => {
  it('writes the bytes the plain encoder wrote, and refuses what it refused', () => {
    fc.assert(
      fc.property(fc.oneof(tree, tree.map(insertedSorted), fc.dictionary(key, leaf, { minKeys: 17, maxKeys: 30 })), (value) => {
        let expected: string | Error;
        try {
          expected = referenceJson(value);
        } catch (err) {
          expected = err as Error;
        }
        if (expected instanceof Error) expect(() => canonicalJson(value)).toThrow(expected.message);
        else expect(canonicalJson(value)).toBe(expected);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('quoted strings', () => {
  // Every UTF-16 code unit, lone surrogates and control characters included, and the ASCII most ids use.
  const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\ud800', '\udc00', 'a', '-', '/') }), fc.string());

  it('writes any string as JSON.stringify does', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(quotedString(s)).toBe(JSON.stringify(s));
      }),
      { numRuns: 2_000 },
    );
  });

  it("keeps a publish line's bytes: client id and topic quoted as JSON.stringify quoted them", () => {
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 2 ** 45 }), fc.constantFrom<0 | 1>(0, 1), fc.boolean(), (client_id, topic, at_ms, qos, retain) => {
        const line = `{"c":${JSON.stringify(client_id)},"k":"pub","p":{"v":1},"q":${qos},"r":${retain},"t":${at_ms},"topic":${JSON.stringify(topic)}}`;
        expect(publishLine(at_ms, client_id, topic, '{"v":1}', qos, retain)).toBe(line);
      }),
      { numRuns: 500 },
    );
  });
});

describe('held-power zone integrator', () => {
  // An on/off unit's minutes: one set of inputs held over several steps, each a power (heating,
  // cooling, off, a failed unit's −0) for ≤ 60 s, as world-state.ts #advanceCycling runs them.
  const power = fc.oneof(fc.constant(0), fc.constant(-0), fc.double({ min: -20_000, max: 20_000, noNaN: true }));
  const step = fc.record({ power_w: power, dt_ms: fc.integer({ min: 1, max: 60_000 }) });
  it('gives, step by step, the state advanceZone gives with fixed_power_w, bit for bit', () => {
    fc.assert(
      fc.property(
        fc.record({
          area_m2: fc.double({ min: 5, max: 2_000, noNaN: true }),
          ua_scale: fc.double({ min: 0.3, max: 3, noNaN: true }),
          temperature_c: fc.double({ min: -30, max: 50, noNaN: true }),
          humidity_pct: fc.double({ min: -10, max: 120, noNaN: true }),
          outdoor_c: fc.double({ min: -40, max: 45, noNaN: true }),
          outdoor_humidity_pct: fc.double({ min: 0, max: 100, noNaN: true }),
          occupants: fc.integer({ min: 0, max: 40 }),
          gain_w: fc.option(fc.double({ min: -500, max: 20_000, noNaN: true }), { nil: undefined }),
        }),
        fc.array(step, { minLength: 1, maxLength: 8 }),
        (z, steps) => {
          const base = defaultZoneThermal(z.area_m2);
          const params: ZoneThermalParams = { ...base, resistance_k_per_w: base.resistance_k_per_w / z.ua_scale };
          const inputs: ZoneInputs = {
            outdoor_c: z.outdoor_c,
            outdoor_humidity_pct: z.outdoor_humidity_pct,
            heat_setpoint_c: 20,
            cool_setpoint_c: 24,
            hvac_mode: 'auto',
            hvac_health: 1,
            occupants: z.occupants,
            gain_w: z.gain_w,
          };
          let state = { temperature_c: z.temperature_c, humidity_pct: z.humidity_pct };
          const fast = new HeldPowerIntegrator(params, state, inputs);
          for (const s of steps) {
            state = advanceZone(params, state, { ...inputs, fixed_power_w: s.power_w }, s.dt_ms).state;
            fast.step(s.power_w, s.dt_ms);
            expect(Object.is(fast.temperature_c, state.temperature_c)).toBe(true);
            expect(Object.is(fast.humidity_pct, state.humidity_pct)).toBe(true);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('refuses a step it cannot take in one humidity sub-step, and bad set-ups as advanceZone does', () => {
    const params = defaultZoneThermal(70);
    const inputs: ZoneInputs = { outdoor_c: 0, outdoor_humidity_pct: 80, heat_setpoint_c: 20, cool_setpoint_c: 24, hvac_mode: 'auto', hvac_health: 1, occupants: 1 };
    const fast = new HeldPowerIntegrator(params, { temperature_c: 20, humidity_pct: 40 }, inputs);
    expect(() => fast.step(1_000, 60_001)).toThrow(RangeError);
    expect(() => fast.step(1_000, 0)).toThrow(RangeError);
    expect(() => new HeldPowerIntegrator(params, { temperature_c: 20, humidity_pct: 40 }, { ...inputs, heat_setpoint_c: Number.NaN })).toThrow(RangeError);
    expect(() => new HeldPowerIntegrator({ ...params, capacitance_j_per_k: 0 }, { temperature_c: 20, humidity_pct: 40 }, inputs)).toThrow(RangeError);
  });
});

/** The device-topic parser as first written: split on '/' and check the levels. */
function referenceParseDeviceTopic(topic: string): { site_id: string; device_id: string; message_class: string } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'msp' || parts[1] !== 'v1') return undefined;
  const [, , site_id, device_id, message_class] = parts as [string, string, string, string, string];
  if (!site_id || !device_id || site_id.startsWith('$') || !(Object.values(MessageClass) as string[]).includes(message_class)) return undefined;
  return { site_id, device_id, message_class };
}

describe('device topic parser', () => {
  // Topics made of the pieces that matter: the prefix or near misses of it, slashes, '$', empty
  // levels, real and almost-real class names.
  const piece = fc.constantFrom('msp', 'v1', 'msp/v1/', 'msp/v2/', '/', '//', '$', '$SYS', 'site-1', 'dev-9', 'telemetry', 'state', 'birth', 'ota', 'event', 'events', 'cmd', '+', '#', '', 'x');
  const topic = fc.oneof(
    fc.array(piece, { maxLength: 9 }).map((p) => p.join('')),
    fc.tuple(fc.constantFrom('', '$', 'a', 's/x'), fc.constantFrom('', 'd', 'd/e', '$d'), fc.constantFrom(...Object.values(MessageClass), 'nope', '')).map(([site, dev, cls]) => `msp/v1/${site}/${dev}/${cls}`),
    fc.string({ maxLength: 40 }),
  );

  it('parses any topic exactly as the split version did', () => {
    fc.assert(
      fc.property(topic, (t) => {
        expect(parseDeviceTopic(t)).toEqual(referenceParseDeviceTopic(t));
      }),
      { numRuns: 3_000 },
    );
  });

  it('reads a real device topic into its three levels', () => {
    expect(parseDeviceTopic('msp/v1/nyc-1/nyc-1-b1-f2-occ-3/telemetry')).toEqual({ site_id: 'nyc-1', device_id: 'nyc-1-b1-f2-occ-3', message_class: 'telemetry' });
    expect(parseDeviceTopic('msp/v1/$nyc/d/telemetry')).toBeUndefined();
    expect(parseDeviceTopic('msp/v1/nyc//telemetry')).toBeUndefined();
  });
});
