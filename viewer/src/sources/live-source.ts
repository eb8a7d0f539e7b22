/**
 * Live mode: the viewer is a read-only MQTT-over-WebSocket client of the broker (the `msp-viewer`
 * role: it may subscribe under msp/v1/ and publish nothing). Device messages come from the broker
 * — retained births and states give the whole fleet at connect, last wills arrive the moment the
 * broker publishes them. The platform's decisions (liveness, alerts, incidents) come from the
 * view server: server-sent `p.*` trace lines of an in-process run (`run --view`), or a proxied
 * platform HTTP API polled every 2 s (`view --live --api`).
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { TopologyDoc, ViewerConfig } from '../config.ts';
import { DS } from '../model/codes.ts';
import { decodeLine, decodeMessage, emptyDecoded } from '../model/decode.ts';
import { FleetState } from '../model/fleet-state.ts';
import { DeviceRegistry } from '../model/registry.ts';
import type { Source } from './source.ts';

const CLOCK_TOPIC = 'msp/v1/$sim/clock';
const POLL_MS = 2_000;

export class LiveSource implements Source {
  readonly mode = 'live' as const;
  readonly registry = new DeviceRegistry();
  readonly state = new FleetState(this.registry);
  topology_doc: TopologyDoc | null = null;
  readonly title: string;
  private client: MqttClient | null = null;
  private status: 'connecting' | 'connected' | 'down' = 'connecting';
  private clock: { t_ms: number; speed: number; wall: number } | null = null;
  private max_ts = 0;
  private readonly out = emptyDecoded();
  private readonly telemetry = new Map<number, Record<string, unknown>>();
  private readonly ota = new Map<number, Record<string, unknown>>();
  private readonly events = new Map<number, Record<string, unknown>>();
  /** Wall-clock ms at which a device was last seen going offline (test hook: last-will latency). */
  readonly offline_seen_wall = new Map<string, number>();
  private readonly api_seen = new Map<string, string>();
  messages = 0;

  constructor(private readonly config: Extract<ViewerConfig, { mode: 'live' }>) {
    this.title = config.title;
  }

  async start(): Promise<void> {
    if (this.config.topology_url) {
      const r = await fetch(this.config.topology_url);
      if (r.ok) this.topology_doc = (await r.json()) as TopologyDoc;
    }
    const { url, username, password } = this.config.broker;
    const client = mqtt.connect(url, {
      username,
      password,
      // wall-clock/random: a unique client id per tab, so two open viewers do not take over each other.
      clientId: `msp-viewer-${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      reconnectPeriod: 1_000,
      connectTimeout: 5_000,
      keepalive: 30,
    });
    this.client = client;
    client.on('connect', () => {
      this.status = 'connected';
      client.subscribe(['msp/v1/+/+/+', CLOCK_TOPIC], { qos: 0 });
    });
    client.on('reconnect', () => (this.status = 'connecting'));
    client.on('close', () => (this.status = 'down'));
    client.on('error', () => (this.status = 'down'));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    if (this.config.events_url) this.startEvents(this.config.events_url);
    if (this.config.api_url) this.startPolling(this.config.api_url);
  }

  private now(): number {
    if (this.clock) {
      const ahead = Math.min((performance.now() - this.clock.wall) * this.clock.speed, 1_500 * this.clock.speed);
      return Math.max(this.max_ts, this.clock.t_ms + ahead);
    }
    return this.max_ts > 0 ? this.max_ts : Date.now(); // wall-clock: production mode has no simulated clock
  }

  private onMessage(topic: string, payload: Uint8Array): void {
    this.messages++;
    let p: unknown;
    try {
      p = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      return;
    }
    if (p === null || typeof p !== 'object') return;
    const o = p as Record<string, unknown>;
    if (topic === CLOCK_TOPIC) {
      if (typeof o.t_ms === 'number') this.clock = { t_ms: o.t_ms, speed: typeof o.speed === 'number' ? o.speed : 1, wall: performance.now() };
      return;
    }
    const parts = topic.split('/');
    if (parts.length !== 5) return;
    const cls = parts[4]!;
    const ts = typeof o.ts === 'number' ? o.ts : this.now();
    if (typeof o.ts === 'number' && o.ts > this.max_ts) this.max_ts = o.ts;
    const e = this.out;
    if (!decodeMessage(this.registry, cls, o, ts, e)) return;
    if (cls === 'telemetry') this.telemetry.set(e.d, o);
    else if (cls === 'ota') this.ota.set(e.d, o);
    else if (cls === 'event') this.events.set(e.d, o);
    this.state.apply(e, e.d);
    if (cls === 'state' && e.a === DS.offline) this.offline_seen_wall.set(this.registry.ids[e.d]!, Date.now()); // wall-clock: test hook
  }

  private applyLine(o: Record<string, unknown>): void {
    if (typeof o.t === 'number' && o.t > this.max_ts && o.k !== 'run') this.max_ts = o.t;
    if (decodeLine(this.registry, o, this.out)) this.state.apply(this.out, this.out.d);
  }

  private startEvents(url: string): void {
    const source = new EventSource(url);
    source.onmessage = (m: MessageEvent<string>) => {
      try {
        this.applyLine(JSON.parse(m.data) as Record<string, unknown>);
      } catch {
        // a malformed event is skipped, never fatal
      }
    };
  }

  /** Platform HTTP API (docs/api.md) → the same p.* lines a trace carries, sent only when changed. */
  private startPolling(base: string): void {
    const get = async (path: string): Promise<unknown[]> => {
      try {
        const r = await fetch(`${base}${path}`);
        return r.ok ? ((await r.json()) as unknown[]) : [];
      } catch {
        return [];
      }
    };
    const changed = (key: string, value: unknown): boolean => {
      const s = JSON.stringify(value);
      if (this.api_seen.get(key) === s) return false;
      this.api_seen.set(key, s);
      return true;
    };
    const poll = async (): Promise<void> => {
      const [devices, alerts, incidents] = await Promise.all([get('/v1/devices'), get('/v1/alerts'), get('/v1/incidents')]);
      const t = this.now();
      for (const x of devices as Array<{ info?: { id?: string }; liveness?: string }>) {
        const id = x.info?.id;
        if (id && x.liveness && changed(`d:${id}`, x.liveness)) this.applyLine({ k: 'p.live', d: id, to: x.liveness, t });
      }
      for (const a of alerts as Array<Record<string, unknown>>) {
        if (typeof a.id !== 'string' || !changed(`a:${a.id}`, [a.status, a.inhibited_by, a.count])) continue;
        this.applyLine({ k: 'p.alert', id: a.id, d: a.device_id, type: a.type, s: a.status, sev: a.severity, n: a.count, inh: a.inhibited_by ?? null, flap: a.flapping === true, t: typeof a.started_ms === 'number' ? a.started_ms : t });
      }
      for (const i of incidents as Array<Record<string, unknown>>) {
        if (typeof i.id !== 'string' || !changed(`i:${i.id}`, [i.status, i.acked_ms, i.resolved_ms, (i.device_ids as unknown[] | undefined)?.length])) continue;
        const scope = i.scope as { kind?: string; id?: string } | undefined;
        const base_line = { k: 'p.inc', id: i.id, pri: i.priority, scope: `${scope?.kind ?? 'device'}:${scope?.id ?? ''}`, n: (i.alert_ids as unknown[] | undefined)?.length ?? 0, nd: (i.device_ids as unknown[] | undefined)?.length ?? 0 };
        this.applyLine({ ...base_line, s: 'open', t: typeof i.opened_ms === 'number' ? i.opened_ms : t });
        if (typeof i.acked_ms === 'number') this.applyLine({ ...base_line, s: 'acknowledged', t: i.acked_ms });
        if (typeof i.resolved_ms === 'number') this.applyLine({ ...base_line, s: 'resolved', t: i.resolved_ms });
      }
    };
    const loop = (): void => {
      void poll().finally(() => setTimeout(loop, POLL_MS)); // wall-clock: polling a live platform
    };
    loop();
  }

  tick(_wall_ms: number): void {
    this.state.t = this.now();
  }

  speed(): number | null {
    return this.clock ? this.clock.speed : null;
  }

  connection(): 'connecting' | 'connected' | 'down' {
    return this.status;
  }

  lastOta(d: number): Record<string, unknown> | null {
    return this.ota.get(d) ?? null;
  }

  lastEvent(d: number): Record<string, unknown> | null {
    return this.events.get(d) ?? null;
  }

  async telemetryValues(d: number): Promise<Record<string, unknown> | null> {
    return (this.telemetry.get(d)?.values as Record<string, unknown> | undefined) ?? null;
  }
}
