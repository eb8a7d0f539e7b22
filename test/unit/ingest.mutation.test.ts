/**
 * Ingest's edges with the expected reason and detail written out: the size limit at the byte,
 * the quarantine ring as it wraps, cuts that do not split a surrogate pair, a BOM, admission
 * refusals and failures, and snapshots. The fuzz property (test/property/ingest-fuzz.test.ts)
 * shows that nothing throws and everything is counted; these pin what is said and kept.
 */
import { describe, expect, it } from 'vitest';
import { BirthPayload } from '../../platform/contract/messages.ts';
import { Ingest, IngestError, QUARANTINE_TEXT_CHARS, REJECT_REASONS } from '../../platform/ingest/ingest.ts';

const birth = { v: 1, id: 'd1', kind: 'env', model: 'm', serial: 's', fw: '1', site: 's1', building: 'b', floor: 'f', zone: 'z', gateway: null, power: 'mains', caps: [], heartbeat_ms: 60_000, session: 1, seq: 0, ts: 5 };
const TOPIC = 'msp/v1/s1/d1/birth';
const BIRTH = JSON.stringify(birth);

const last = (i: Ingest) => i.quarantine().at(-1)!;

describe('ingest: size', () => {
  it('a payload of exactly the limit is accepted, one byte more is oversized (counted in bytes, not characters)', () => {
    const n = Buffer.byteLength(BIRTH);
    expect(new Ingest({ max_payload_bytes: n }).accept(TOPIC, BIRTH, 1)).toBeDefined();
    const tight = new Ingest({ max_payload_bytes: n - 1 });
    expect(tight.accept(TOPIC, BIRTH, 1)).toBeUndefined();
    expect(last(tight)).toMatchObject({ reason: 'oversized', detail: `${n} bytes > ${n - 1}` });
    expect(tight.accept(TOPIC, Buffer.from(BIRTH), 2)).toBeUndefined();
    expect(last(tight).detail).toBe(`${n} bytes > ${n - 1}`);
    const small = new Ingest({ max_payload_bytes: 10 });
    small.accept(TOPIC, 'é'.repeat(6), 3); // 6 characters, 12 bytes
    expect(last(small).detail).toBe('12 bytes > 10');
    small.accept(TOPIC, 'x'.repeat(11), 4); // longer than the limit in characters: counted by length
    expect(last(small).detail).toBe('11 bytes > 10');
    small.accept(TOPIC, 'é'.repeat(11), 5); // 11 characters > 10: reported by length, without encoding
    expect(last(small).detail).toBe('11 bytes > 10');
    small.accept(TOPIC, 'é'.repeat(10), 6); // exactly 10 characters: encoded, 20 bytes
    expect(last(small)).toMatchObject({ at_ms: 6, reason: 'oversized', detail: '20 bytes > 10' });
  });

  it('options must be integers: a positive payload limit, a non-negative quarantine', () => {
    expect(() => new Ingest({ max_payload_bytes: 1.5 })).toThrow('max_payload_bytes must be a positive integer, got 1.5 (INGEST_BAD_OPTION)');
    expect(() => new Ingest({ quarantine_capacity: 2.5 })).toThrow('quarantine_capacity must be a non-negative integer, got 2.5 (INGEST_BAD_OPTION)');
    expect(new Ingest({ max_payload_bytes: 1, quarantine_capacity: 0 }).stats().total).toBe(0);
    expect(() => new Ingest({ max_payload_bytes: 0 })).toThrow('max_payload_bytes must be a positive integer, got 0 (INGEST_BAD_OPTION)');
    expect(() => new Ingest({ quarantine_capacity: -1 })).toThrow('quarantine_capacity must be a non-negative integer, got -1 (INGEST_BAD_OPTION)');
    const e = new IngestError('INGEST_BAD_OPTION', 'x');
    expect([e.name, e.code]).toEqual(['IngestError', 'INGEST_BAD_OPTION']);
  });
});

describe('ingest: what each rejection says', () => {
  it('names the reason and the detail', () => {
    const i = new Ingest();
    const said = (topic: unknown, payload: unknown): [string, string] => {
      expect(i.accept(topic as string, payload as string, 0)).toBeUndefined();
      return [last(i).reason, last(i).detail];
    };
    expect(said(TOPIC, null)).toEqual(['bad_encoding', 'payload is null, not text or bytes']);
    expect(said(TOPIC, 7)).toEqual(['bad_encoding', 'payload is number, not text or bytes']);
    expect(said(42, BIRTH)).toEqual(['bad_topic', 'not an MQTT topic']);
    expect(said('msp/v1/s1/d1', BIRTH)).toEqual(['bad_topic', 'not msp/v1/<site>/<device>/<class>']);
    expect(said(TOPIC, '{"v":"\uDC00"}')).toEqual(['bad_encoding', 'unpaired UTF-16 surrogate']);
    expect(said(TOPIC, new Uint8Array([0xc3]))).toEqual(['bad_encoding', 'invalid UTF-8']);
    expect(said(TOPIC, '{')).toEqual(['bad_json', (() => { try { JSON.parse('{'); } catch (e) { return (e as Error).message; } return ''; })()]);
    expect(said(TOPIC, '42')[0]).toBe('schema');
    expect(said(TOPIC, '42')[1]).toMatch(/^\(root\): /);
    expect(said(TOPIC, JSON.stringify({ ...birth, caps: [5] }))[1]).toMatch(/^caps\.0: /);
    expect(said('msp/v1/s1/d2/birth', BIRTH)).toEqual(['id_mismatch', 'payload id d1 on topic of d2']);
    // A topic is at most 65,535 characters (MQTT's limit); one more is not a topic at all.
    expect(said('x'.repeat(65_536), BIRTH)).toEqual(['bad_topic', 'not an MQTT topic']);
    expect(said('x'.repeat(65_535), BIRTH)).toEqual(['bad_topic', 'not msp/v1/<site>/<device>/<class>']);
    // The schema detail is the path and zod's own message for the first issue.
    const wrong = { ...birth, heartbeat_ms: 'soon' };
    const issue = BirthPayload.safeParse(wrong).error!.issues[0]!;
    expect(said(TOPIC, JSON.stringify(wrong))).toEqual(['schema', `heartbeat_ms: ${issue.message}`]);
  });

  it('a byte-order mark is kept, so the payload is not canonical JSON', () => {
    const i = new Ingest();
    expect(i.accept(TOPIC, `\uFEFF${BIRTH}`, 0)).toBeUndefined();
    expect(last(i).reason).toBe('bad_json');
    expect(i.accept(TOPIC, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(BIRTH)]), 0)).toBeUndefined();
    expect(last(i).reason).toBe('bad_json');
    // A well-formed surrogate pair is fine.
    expect(i.accept(TOPIC, JSON.stringify({ ...birth, serial: '😀' }), 0)?.payload).toMatchObject({ serial: '😀' });
  });

  it('admission refusals are rejections with their reason; a failing admission is internal, never thrown', () => {
    const refuse = new Ingest({ admit: (m) => (m.device_id === 'd1' ? { reason: 'clock_skew', detail: 'x'.repeat(300) } : undefined) });
    expect(refuse.accept(TOPIC, BIRTH, 9)).toBeUndefined();
    expect(last(refuse)).toMatchObject({ reason: 'clock_skew', at_ms: 9 });
    expect(last(refuse).detail).toBe('x'.repeat(QUARANTINE_TEXT_CHARS));
    const broken = new Ingest({ admit: () => { throw new Error('boom'); } });
    expect(broken.accept(TOPIC, BIRTH, 1)).toBeUndefined();
    expect(last(broken)).toMatchObject({ reason: 'internal', detail: 'boom' });
    const odd = new Ingest({ admit: () => { throw 'plain'; } });
    odd.accept(TOPIC, BIRTH, 1);
    expect(last(odd).detail).toBe('plain');
    expect(broken.stats()).toMatchObject({ accepted: 0, total: 1, rejected: { internal: 1 } });
  });
});

describe('ingest: the quarantine', () => {
  it('keeps the newest entries, oldest first, as the ring wraps; capacity 0 keeps none but still counts', () => {
    const i = new Ingest({ quarantine_capacity: 3 });
    for (let t = 0; t < 5; t++) i.accept('bad', '{}', t);
    expect(i.quarantine().map((e) => e.at_ms)).toEqual([2, 3, 4]);
    for (let t = 5; t < 7; t++) i.accept('bad', '{}', t);
    expect(i.quarantine().map((e) => e.at_ms)).toEqual([4, 5, 6]);
    i.accept('bad', '{}', 7);
    expect(i.quarantine().map((e) => e.at_ms)).toEqual([5, 6, 7]);
    const none = new Ingest({ quarantine_capacity: 0 });
    none.accept('bad', '{}', 0);
    expect(none.quarantine()).toEqual([]);
    expect(none.stats().rejected.bad_topic).toBe(1);
  });

  it('cuts topic and payload to 256 characters without splitting a surrogate pair; bytes are decoded leniently', () => {
    const i = new Ingest();
    const topic = `${'a'.repeat(255)}😀tail`; // the pair sits at 255-256
    i.accept(topic, `${'b'.repeat(255)}😀tail`, 0);
    expect(last(i).topic).toBe('a'.repeat(255));
    expect(last(i).payload_head).toBe('b'.repeat(255));
    i.accept(`${'a'.repeat(256)}more`, 'c'.repeat(300), 0);
    expect(last(i).topic).toBe('a'.repeat(256));
    expect(last(i).payload_head).toBe('c'.repeat(256));
    i.accept('short', 'ok', 0);
    expect(last(i)).toMatchObject({ topic: 'short', payload_head: 'ok' });
    i.accept('bad', Buffer.from('d'.repeat(2_000)), 0);
    expect(last(i).payload_head).toBe('d'.repeat(256));
    i.accept(undefined as unknown as string, '{}', 0);
    expect(last(i).topic).toBe('undefined');
    i.accept('bad', null as unknown as string, 0);
    expect(last(i)).toMatchObject({ topic: 'bad', payload_head: '' });
    i.accept('bad', new Uint8Array([0x7b, 0xc3, 0x7d]), 0); // invalid UTF-8 shown with U+FFFD, not refused
    expect(last(i)).toMatchObject({ reason: 'bad_topic', payload_head: '{\uFFFD}' });
    // A high surrogate as the 256th unit is cut (its pair is beyond); a low one or a lone last one is kept.
    i.accept(`${'a'.repeat(255)}\uD800\uDC00`, '{}', 0);
    expect(last(i).topic).toBe('a'.repeat(255));
    i.accept(`${'a'.repeat(255)}\uDBFF\uDFFF`, '{}', 0);
    expect(last(i).topic).toBe('a'.repeat(255));
    i.accept(`${'a'.repeat(255)}\uDC00xyz`, '{}', 0);
    expect(last(i).topic).toBe(`${'a'.repeat(255)}\uDC00`);
    i.accept(`${'a'.repeat(255)}\uD83D`, '{}', 0); // exactly 256 units: nothing to cut
    expect(last(i).topic).toHaveLength(256);
    // A topic that cannot even be printed is quarantined as such.
    i.accept({ toString: () => { throw new Error('no'); } } as unknown as string, '{}', 0);
    expect(last(i)).toMatchObject({ reason: 'bad_topic', topic: '(unprintable)', payload_head: '{}' });
  });
});

describe('ingest: snapshots', () => {
  it('saveState and loadState carry counters and the quarantine; a smaller ring keeps the newest', () => {
    const a = new Ingest({ quarantine_capacity: 5 });
    a.accept(TOPIC, BIRTH, 1);
    for (let t = 2; t < 6; t++) a.accept('bad', '{}', t);
    const saved = a.saveState();
    expect(saved.accepted).toBe(1);
    expect(saved.rejected.bad_topic).toBe(4);
    expect(saved.quarantine.map((e) => e.at_ms)).toEqual([2, 3, 4, 5]);
    saved.quarantine.pop(); // a copy: the ingest's own ring is untouched
    expect(a.quarantine()).toHaveLength(4);

    const b = new Ingest({ quarantine_capacity: 2 });
    b.loadState(a.saveState());
    expect(b.stats()).toEqual(a.stats());
    expect(b.quarantine().map((e) => e.at_ms)).toEqual([4, 5]);
    b.accept('bad', '{}', 6);
    expect(b.quarantine().map((e) => e.at_ms)).toEqual([5, 6]);

    const d = new Ingest({ quarantine_capacity: 3 });
    d.loadState(a.saveState()); // 4 saved, room for 3: the newest 3
    expect(d.quarantine().map((e) => e.at_ms)).toEqual([3, 4, 5]);
    const roomy = new Ingest({ quarantine_capacity: 6 });
    roomy.loadState(a.saveState());
    roomy.accept('bad', '{}', 6); // appended after the loaded entries, none lost
    expect(roomy.quarantine().map((e) => e.at_ms)).toEqual([2, 3, 4, 5, 6]);

    const c = new Ingest({ quarantine_capacity: 0 });
    c.loadState({ accepted: 3, rejected: { schema: 2 } as never, quarantine: [{ at_ms: 1, reason: 'schema', topic: 't', payload_head: 'p', detail: 'd' }] });
    expect(c.quarantine()).toEqual([]);
    expect(c.stats().total).toBe(5);
    for (const r of REJECT_REASONS) expect(c.stats().rejected[r]).toBe(r === 'schema' ? 2 : 0);
  });
});
