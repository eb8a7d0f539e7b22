import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AckAfterCommit, type Corkable } from '../../platform/service/ack-after-commit.ts';
import { decodeChunk, encodeChunk } from '../../platform/store/sqlite-store.ts';

/** A connection that records what happened to it, in order, on a shared log. */
function connection(name: string, log: string[]): Corkable & { corked: number } {
  return {
    corked: 0,
    cork() {
      this.corked++;
      log.push(`${name}:cork`);
    },
    uncork() {
      this.corked--;
      log.push(`${name}:uncork`);
    },
    destroy() {
      log.push(`${name}:destroy`);
    },
  };
}

describe('AckAfterCommit: a PUBACK leaves only after its commit', () => {
  it('holds every connection from the first message of a group until the commit, then releases each once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 40 }), fc.array(fc.boolean(), { maxLength: 40 }), (arrivals, flush_after) => {
        const log: string[] = [];
        const conns = [connection('a', log), connection('b', log), connection('c', log)];
        let scheduled: (() => void) | null = null;
        const acks = new AckAfterCommit({ commit: () => log.push('commit'), afterCommit: () => log.push('after'), onFailure: () => log.push('failed'), later: (run) => (scheduled = run) });
        arrivals.forEach((c, i) => {
          acks.hold(conns[c]!);
          expect(conns[c]!.corked).toBe(1); // held while its message is uncommitted
          if (flush_after[i] && scheduled) {
            const run = scheduled;
            scheduled = null;
            run();
          }
        });
        acks.flush();
        for (const c of conns) expect(c.corked).toBe(0);
        // Every uncork comes after a commit that follows the cork it undoes.
        let committed_since: Set<string> = new Set();
        const open = new Set<string>();
        for (const e of log) {
          if (e === 'commit') committed_since = new Set(open);
          const [name, what] = e.split(':');
          if (what === 'cork') open.add(name!);
          if (what === 'uncork') {
            expect(committed_since.has(name!)).toBe(true);
            open.delete(name!);
          }
        }
        expect(log).not.toContain('failed');
      }),
    );
  });

  it('a failed commit releases nothing: the held connections are destroyed and no later message is held', () => {
    const log: string[] = [];
    const a = connection('a', log);
    const failures: Error[] = [];
    const acks = new AckAfterCommit({
      commit: () => {
        throw new Error('disk full');
      },
      afterCommit: () => log.push('after'),
      onFailure: (err) => failures.push(err),
      later: () => {},
    });
    acks.hold(a);
    acks.flush();
    expect(log).toEqual(['a:cork', 'a:destroy']);
    expect(failures.map((e) => e.message)).toEqual(['disk full']);
    expect(() => acks.hold(a)).toThrow(/failed to commit/);
  });
});

describe('journal chunks', () => {
  it('decode what they encode (JSON bodies, any kinds without tabs or line breaks)', () => {
    const record = fc.record({ at_ms: fc.integer({ min: 0, max: 2 ** 50 }), kind: fc.stringMatching(/^[a-z.]{1,12}$/), body: fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null') });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 1e9 }), (rows, seq) => {
        const back = decodeChunk(seq, seq + rows.length - 1, encodeChunk(rows));
        expect(back).toEqual(rows.map((r, i) => ({ seq: seq + i, ...r })));
      }),
    );
  });
});
