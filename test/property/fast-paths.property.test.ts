/**
 * The hot paths rewritten for speed (docs/performance.md) must give the bytes and the order the
 * plain versions gave, for any input, or every trace hash moves. Each property here checks one
 * against its plain reference, written out below as it was before the rewrite.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderStep, type InboundMessage } from '../../platform/core/step-order.ts';

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
