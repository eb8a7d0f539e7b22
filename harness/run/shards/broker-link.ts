import mqtt, { type MqttClient } from 'mqtt';
import { SIM_TOPIC_ROOT } from '../../../platform/contract/topics.ts';
import { ROLE_USERNAMES, rolePassword } from '../../../platform/contract/credentials.ts';
import { MspError } from '../../../common/errors.ts';
import { disableNagle, sessionOptions, type MqttTransportOptions } from '../../../sim/edge/mqtt/session-options.ts';
import type { ShardLink } from './pool.ts';
import { ShardSimulator, type ShardCommand, type ShardInit } from './shard-sim.ts';

/**
 * Shards coordinated only through a broker (docs/scale-out.md, "Across machines"): the
 * coordinator and each shard process (a pod of a Kubernetes Indexed Job, say) exchange the same
 * init/advance/finish requests as over IPC, as QoS 1 messages under `msp/v1/$sim/shard/<run>/<i>/`.
 * Nothing else is shared, so shards can run anywhere that reaches the broker.
 *
 * A step's answer (its lines and messages) is far larger than brokers let one message be (the
 * embedded broker takes 16 KiB), so every request and answer travels in numbered chunks and is
 * reassembled by (request id, chunk count); QoS 1 makes each chunk arrive, the count makes the
 * whole arrive.
 */
const CHUNK_BYTES = 12 * 1024;
/** A shard announces itself this often until its coordinator's first request arrives. */
const HELLO_EVERY_MS = 1_000;
/** How long a coordinator waits for all its shards to appear (pods being scheduled, images pulled). */
const JOIN_TIMEOUT_MS = 300_000;
const CALL_TIMEOUT_MS = 120_000;

/**
 * Credentials for the shard link's clients (`msp-sim-shard-…`, `msp-sim-coord-…`): the simulator's
 * role, derived from the fleet secret like every other role, unless the broker takes one shared user.
 */
export function shardCredentials(secret: string, shared?: { username: string; password?: string }): MqttTransportOptions['credentials'] {
  if (shared) return () => shared;
  return () => ({ username: ROLE_USERNAMES.sim, password: rolePassword(secret, 'sim') });
}

const shardRoot = (run: string): string => `${SIM_TOPIC_ROOT}/shard/${run}`;

/** A run id is one topic level: no separators or wildcards, bounded length. */
export function checkRunId(run: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(run)) throw new MspError('RUN_SHARDS', `shard run id "${run}" must be 1–64 letters, digits, '.', '_' or '-'`);
  return run;
}

/** `value` as JSON in chunks: `<id> <part> <parts>\n` then up to CHUNK_BYTES of the UTF-8 text. */
export function encodeChunks(id: number, value: unknown): Buffer[] {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  const parts = Math.max(1, Math.ceil(body.length / CHUNK_BYTES));
  const out: Buffer[] = [];
  for (let p = 0; p < parts; p++) out.push(Buffer.concat([Buffer.from(`${id} ${p} ${parts}\n`), body.subarray(p * CHUNK_BYTES, (p + 1) * CHUNK_BYTES)]));
  return out;
}

/** Collects chunks per request id; hands back the value once every chunk of it is in. */
export class Reassembler {
  readonly #open = new Map<number, { parts: Buffer[]; have: number }>();

  add(payload: Buffer): { id: number; value: unknown } | undefined {
    const nl = payload.indexOf(10);
    const [id, part, parts] = payload.subarray(0, nl).toString('latin1').split(' ').map(Number) as [number, number, number];
    if (!(Number.isInteger(id) && Number.isInteger(part) && Number.isInteger(parts) && part >= 0 && part < parts)) throw new MspError('RUN_SHARD_PROTOCOL', 'a shard message without a valid chunk header');
    let entry = this.#open.get(id);
    if (!entry) this.#open.set(id, (entry = { parts: new Array<Buffer>(parts), have: 0 }));
    if (entry.parts[part] === undefined) entry.have++;
    entry.parts[part] = payload.subarray(nl + 1);
    if (entry.have < parts) return undefined;
    this.#open.delete(id);
    return { id, value: JSON.parse(Buffer.concat(entry.parts).toString('utf8')) };
  }
}

async function connect(transport: MqttTransportOptions, client_id: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(transport.url, sessionOptions(transport, client_id, undefined));
  disableNagle(client);
  return client;
}

function publishAll(client: MqttClient, topic: string, chunks: readonly Buffer[]): Promise<unknown> {
  return Promise.all(chunks.map((c) => client.publishAsync(topic, c, { qos: 1 })));
}

/**
 * One shard process serving its coordinator over the broker until `stop`. Resolves when stopped.
 * `msp-twin shard` runs it; a pod takes its index from JOB_COMPLETION_INDEX.
 */
export async function serveShardOverBroker(o: { transport: MqttTransportOptions; run: string; index: number; on_log?: (line: string) => void }): Promise<void> {
  const root = `${shardRoot(checkRunId(o.run))}/${o.index}`;
  const client = await connect(o.transport, `msp-sim-shard-${o.run}-${o.index}`);
  const chunks = new Reassembler();
  let shard: ShardSimulator | undefined;
  let served = false;
  let done!: () => void;
  const stopped = new Promise<void>((resolve) => (done = resolve));
  // Requests are handled one at a time, in arrival order (the coordinator sends one at a time).
  let queue = Promise.resolve();
  client.on('message', (_topic, payload) => {
    const request = chunks.add(payload);
    if (!request) return;
    served = true;
    const { id, value } = request as { id: number; value: { op: string; args: unknown } };
    queue = queue.then(async () => {
      let answer: { ok: boolean; value?: unknown; error?: string };
      try {
        answer = { ok: true, value: handle(value.op, value.args) };
      } catch (err) {
        answer = { ok: false, error: err instanceof Error ? `${(err as { code?: string }).code ?? 'ERROR'}: ${err.message}` : String(err) };
      }
      await publishAll(client, `${root}/res`, encodeChunks(id, answer));
      if (value.op === 'stop') {
        await client.endAsync();
        done();
      }
    });
  });
  const handle = (op: string, args: unknown): unknown => {
    switch (op) {
      case 'init':
        shard = new ShardSimulator(args as ShardInit);
        o.on_log?.(`shard ${o.index}: ${shard.sim.twins.length} devices in ${shard.sim.config.portfolio.sites.length} sites`);
        return { next_at: shard.next_at, devices: shard.sim.twins.length };
      case 'advance': {
        const a = args as { window_end_ms: number; commands: readonly ShardCommand[] };
        if (!shard) throw new MspError('RUN_SHARD_PROTOCOL', 'advance before init');
        return shard.advance(a.window_end_ms, a.commands);
      }
      case 'finish':
        if (!shard) throw new MspError('RUN_SHARD_PROTOCOL', 'finish before init');
        return shard.finish((args as { device_ids: readonly string[] }).device_ids);
      case 'stop':
        return {};
      default:
        throw new MspError('RUN_SHARD_PROTOCOL', `unknown request ${op}`);
    }
  };
  await client.subscribeAsync(`${root}/req`, { qos: 1 });
  // wall-clock: announce this shard until its coordinator (started before or after it) answers
  const hello = setInterval(() => {
    if (served) return clearInterval(hello);
    void client.publishAsync(`${root}/hello`, '', { qos: 0 }).catch(() => {});
  }, HELLO_EVERY_MS);
  void client.publishAsync(`${root}/hello`, '', { qos: 0 }).catch(() => {});
  try {
    await stopped;
  } finally {
    clearInterval(hello);
  }
}

/**
 * The coordinator's side: waits until all `count` shards of `run` have said hello, then drives
 * each as a ShardLink. One connection for all of them.
 */
export async function brokerShards(transport: MqttTransportOptions, run: string, count: number): Promise<ShardLink[]> {
  const root = shardRoot(checkRunId(run));
  const client = await connect(transport, `msp-sim-coord-${run}`);
  const chunks = new Reassembler();
  const present = new Set<number>();
  let joined!: () => void;
  const all_joined = new Promise<void>((resolve) => (joined = resolve));
  const pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  client.on('message', (topic, payload) => {
    const levels = topic.split('/');
    const index = Number(levels[levels.length - 2]);
    const kind = levels[levels.length - 1];
    if (kind === 'hello') {
      if (Number.isInteger(index) && index >= 0 && index < count) present.add(index);
      if (present.size === count) joined();
      return;
    }
    const answer = chunks.add(payload);
    if (!answer) return;
    const key = `${index}/${answer.id}`;
    const p = pending.get(key);
    if (!p) return;
    pending.delete(key);
    clearTimeout(p.timer);
    const v = answer.value as { ok: boolean; value?: unknown; error?: string };
    if (v.ok) p.resolve(v.value);
    else p.reject(new MspError('RUN_SHARD_PROTOCOL', `shard ${index}: ${v.error ?? 'failed'}`));
  });
  await client.subscribeAsync([`${root}/+/hello`, `${root}/+/res`], { qos: 1 });
  // wall-clock: pods may take minutes to be scheduled; a run whose shards never come fails
  const join_timer = setTimeout(() => joined(), JOIN_TIMEOUT_MS);
  await all_joined;
  clearTimeout(join_timer);
  if (present.size < count) {
    await client.endAsync();
    const missing = [...Array(count).keys()].filter((i) => !present.has(i));
    throw new MspError('RUN_SHARDS', `shards ${missing.join(', ')} of run ${run} did not join within ${JOIN_TIMEOUT_MS / 1000} s on ${transport.url}`);
  }
  let next_id = 1;
  const call = <T>(index: number, op: string, args: unknown): Promise<T> => {
    const id = next_id++;
    return new Promise<T>((resolve, reject) => {
      // wall-clock: a shard that never answers must not hang the run
      const timer = setTimeout(() => {
        pending.delete(`${index}/${id}`);
        reject(new MspError('RUN_SHARD_PROTOCOL', `shard ${index}: no answer to ${op} within ${CALL_TIMEOUT_MS / 1000} s`));
      }, CALL_TIMEOUT_MS);
      pending.set(`${index}/${id}`, { resolve: resolve as (v: unknown) => void, reject, timer });
      publishAll(client, `${root}/${index}/req`, encodeChunks(id, { op, args })).catch((err: Error) => reject(err));
    });
  };
  let open = count;
  return [...Array(count).keys()].map(
    (index): ShardLink => ({
      init: (init: ShardInit) => call(index, 'init', init),
      advance: (window_end_ms, commands) => call(index, 'advance', { window_end_ms, commands }),
      finish: (device_ids) => call(index, 'finish', { device_ids }),
      close: async () => {
        await call(index, 'stop', {}).catch(() => {});
        if (--open === 0) await client.endAsync();
      },
    }),
  );
}

/** Encodes `value` and decodes it again, chunks in order or reversed (the codec's test). */
export function decodeChunksForTest(value: unknown, in_order: boolean): unknown {
  const chunks = encodeChunks(7, value);
  if (chunks.length < 2) throw new Error('the test value must need several chunks');
  const r = new Reassembler();
  let out: unknown;
  for (const c of in_order ? chunks : [...chunks].reverse()) out = r.add(c)?.value ?? out;
  return out;
}
