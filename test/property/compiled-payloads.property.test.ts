/**
 * Ingest validates payloads with zod's ahead-of-time compiled clones of the contract's schemas
 * (`PAYLOAD_SCHEMAS`, platform/ingest/ingest.ts), a feature new in zod 4.6 whose generated code
 * must mean exactly what the interpreted schemas in platform/contract/messages.ts mean. Each
 * payload class starts from a valid example and is mutated key by key towards every edge the
 * contract draws (lengths in code points, integer and range bounds, enums, nulls, unknown keys,
 * `__proto__`, lone surrogates), plus arbitrary JSON; ingest must accept exactly what the
 * interpreted schema accepts, hand on the same value, and quarantine the same first issue.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BirthPayload, EventPayload, OtaStatusPayload, StatePayload, TelemetryPayload } from '../../platform/contract/messages.ts';
import { deviceTopic, type MessageClass } from '../../platform/contract/topics.ts';
import { Ingest, PAYLOAD_SCHEMAS } from '../../platform/ingest/ingest.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const VALID: Array<{ name: MessageClass; schema: z.ZodType; example: { [key: string]: Json } }> = [
  {
    name: 'birth',
    schema: BirthPayload,
    example: { v: 1, id: 'dev-1', kind: 'env', model: 'EN-200', serial: 'SN1', fw: '1.2.0', site: 's1', building: 'b1', floor: 'f1', zone: 'z1', gateway: null, power: 'battery', caps: ['temp_c', 'rh_pct'], heartbeat_ms: 60_000, session: 3, seq: 0, ts: 1_700_000_000_000 },
  },
  { name: 'state', schema: StatePayload, example: { v: 1, id: 'dev-1', state: 'online', session: 0, reason: 'boot', seq: 255, ts: 0 } },
  {
    name: 'telemetry',
    schema: TelemetryPayload,
    example: { v: 1, id: 'dev-1', seq: 7, ts: 5, battery_pct: 80.5, rssi_dbm: -70, values: { temp_c: 21.5, occupied: true, mode: 'heat' } },
  },
  { name: 'event', schema: EventPayload, example: { v: 1, id: 'dev-1', seq: 7, ts: 5, type: 'leak_detected', data: { zone: 'z1', count: 2, wet: true } } },
  {
    name: 'ota',
    schema: OtaStatusPayload,
    example: { v: 1, id: 'dev-1', seq: 1, ts: 2, job: 'job-1', from: '1.0.0', to: '1.1.0', state: 'downloading', result: 'in_progress', progress_pct: 50 },
  },
];

const EDGE_NUMBERS = [0, 1, -1, 1.5, 2, 100, 100.5, 255, 256, -130, -131, -70.5, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e308, -1e-9, 60_000];
const EDGE_STRINGS = ['\ud800', 'a\udc00b', '😀'.repeat(64) + 'x', '', 'a', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129), '😀'.repeat(32), '😀'.repeat(33), '😀'.repeat(64), 'online', 'offline', 'heat', 'env', 'mains', 'battery', 'leak_detected', 'ok', 'installing', 'download'];
const edgeValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(...EDGE_NUMBERS, ...EDGE_STRINGS, null, true, false, [], {}, ['a'], [1], { a: 1 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);
const edgeKey = fc.oneof(fc.constantFrom('', 'v', 'id', 'seq', 'ts', 'values', 'extra', '__proto__', 'constructor', 'toString', 'x'.repeat(64), 'x'.repeat(65), '😀'.repeat(32), '😀'.repeat(33)), fc.string({ maxLength: 6 }));

type Edit = { kind: 'delete'; path: string[] } | { kind: 'set'; path: string[]; value: Json } | { kind: 'add'; path: string[]; key: string; value: Json };

/** Every path into the example (top-level keys and one level into objects and arrays). */
function paths(example: { [key: string]: Json }): string[][] {
  const out: string[][] = [];
  for (const [key, value] of Object.entries(example)) {
    out.push([key]);
    if (value !== null && typeof value === 'object') for (const inner of Object.keys(value)) out.push([key, inner]);
  }
  return out;
}

function edit(example: { [key: string]: Json }): fc.Arbitrary<Edit> {
  const all = paths(example);
  const containers: string[][] = [[], ...all.filter((p) => p.length === 1 && example[p[0]!] !== null && typeof example[p[0]!] === 'object')];
  return fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...all) }),
    fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...all), value: edgeValue }),
    fc.record({ kind: fc.constant('add' as const), path: fc.constantFrom(...containers), key: edgeKey, value: edgeValue }),
  );
}

/**
 * Applies the edits and returns what ingest would have in hand: the JSON.parse of the payload's
 * text, so `__proto__` is an own key as it is on the wire, never a prototype.
 */
function apply(example: { [key: string]: Json }, edits: Edit[]): unknown {
  let text = JSON.stringify(example);
  for (const e of edits) {
    const doc = JSON.parse(text) as { [key: string]: Json };
    let holder: Json = doc;
    for (const step of e.path.slice(0, e.kind === 'add' ? e.path.length : -1)) holder = (holder as { [key: string]: Json })[step] as Json;
    if (holder === null || typeof holder !== 'object') continue;
    const target = holder as { [key: string]: Json };
    if (e.kind === 'delete') delete target[e.path.at(-1)!];
    else if (e.kind === 'set') target[e.path.at(-1)!] = e.value;
    else Object.defineProperty(target, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
    text = JSON.stringify(doc);
  }
  return JSON.parse(text);
}

/** The detail ingest quarantines for a schema refusal, worked out here from zod's issue. */
function detailOf(issue: z.core.$ZodIssue): string {
  return `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`.slice(0, 256);
}

/** Feeds the payload's text to a fresh ingest and checks it against the interpreted schema. */
function agree(name: MessageClass, schema: z.ZodType, json: unknown): 'accepted' | 'refused' {
  const text = JSON.stringify(json);
  const ingest = new Ingest();
  const msg = ingest.accept(deviceTopic('s1', 'dev-1', name), text, 0);
  const reference = schema.safeParse(JSON.parse(text));
  if (!reference.success) {
    expect(msg).toBeUndefined();
    const entry = ingest.quarantine().at(-1)!;
    expect(entry.reason).toBe('schema');
    expect(entry.detail).toBe(detailOf(reference.error.issues[0]!));
    return 'refused';
  }
  if ((reference.data as { id: string }).id !== 'dev-1') {
    expect(msg).toBeUndefined();
    expect(ingest.quarantine().at(-1)!.reason).toBe('id_mismatch');
    return 'refused';
  }
  expect(msg).toBeDefined();
  // Same keys in the same order, same values, and no prototype games (`__proto__` keys dropped).
  expect(JSON.stringify(msg!.payload)).toBe(JSON.stringify(reference.data));
  expect(msg!.payload).toStrictEqual(reference.data);
  return 'accepted';
}

describe('ingest\'s compiled payload schemas agree with the contract', () => {
  for (const { name, schema, example } of VALID) {
    it(`${name}: the compiled clone really is compiled (the fast path is in use, not the fallback)`, () => {
      // strict: throws when zod cannot generate code for the schema; then PAYLOAD_SCHEMAS would
      // still be right but as slow as before, which is what this test reports.
      expect(() => z.compile(schema, { strict: true })).not.toThrow();
      expect(PAYLOAD_SCHEMAS[name]).toBeDefined();
      expect(PAYLOAD_SCHEMAS[name]).not.toBe(schema);
    });

    it(`${name}: the valid example is accepted as it is`, () => {
      expect(agree(name, schema, example)).toBe('accepted');
    });

    it(`${name}: mutated payloads get the interpreted schema's verdict, value and first issue`, () => {
      const seen = { accepted: 0, refused: 0 };
      fc.assert(
        fc.property(fc.array(edit(example), { minLength: 1, maxLength: 3 }), (edits) => {
          seen[agree(name, schema, apply(example, edits))]++;
        }),
        { numRuns: 500 },
      );
      // Vacuity: both verdicts were really exercised (most edits break a payload of many
      // required enums, such as ota's, so a few accepted cases are the floor).
      expect(seen.accepted).toBeGreaterThanOrEqual(5);
      expect(seen.refused).toBeGreaterThan(100);
    });

    it(`${name}: arbitrary JSON gets the interpreted schema's verdict`, () => {
      let cases = 0;
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
          agree(name, schema, value);
          cases++;
        }),
        { numRuns: 150 },
      );
      expect(cases).toBe(150);
    });
  }
});
