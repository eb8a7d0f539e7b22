import mqtt, { type MqttClient } from 'mqtt';
import { deviceTopic } from '../../platform/contract/topics.ts';
import { type ClientConfig, clientOptions, disableNagle, type OptionsFor } from './client-options.ts';
import { buildLoadFleet, type LoadDevice, type LoadFleetSpec, type LoadUnit } from './fleet.ts';
import { encodeHistogram, latencyHistogram, recordMs, type LatencyHistogram } from './histogram.ts';
import { birth, leakEvent, telemetry, type Outgoing } from './payloads.ts';
import { brokerNodeOf, shardUnits, workerUnits, type ShardSpec } from './shard.ts';
import { dueCount } from './pacing.ts';

/**
 * The device agents of one generator process: this worker's share of this shard's connections.
 * Three phases, each driven by the coordinator so every worker moves together: connect at a set
 * rate (births on connect), hold a publish rate for a duration (telemetry plus leak probes whose
 * alert latency the platform side measures), then disconnect at a set rate. Every loop is bounded
 * by a count and a deadline; nothing reconnects by itself (a dropped connection is a figure).
 */
export interface AgentConfig {
  readonly fleet: LoadFleetSpec;
  readonly shard: ShardSpec;
  readonly worker: number;
  readonly workers: number;
  /** One URL per broker node; each connection uses node brokerNodeOf(client id). */
  readonly broker_urls: readonly string[];
  readonly client: ClientConfig;
}

export interface ConnectPlan {
  /** This worker's share of the fleet-wide connect rate. */
  readonly rate_per_s: number;
  readonly max_in_flight: number;
  /** Per connection, CONNECT to CONNACK. */
  readonly timeout_ms: number;
}

export interface ConnectResult {
  readonly units: number;
  readonly devices: number;
  readonly connected: number;
  readonly failures: number;
  /** The first few reasons, for the report. */
  readonly failure_samples: readonly string[];
  readonly elapsed_ms: number;
  readonly connect_latency: string;
}

export interface HoldPlan {
  /** Epoch ms (the coordinator's), shared by every worker so the rates add up from one instant. */
  readonly start_at_ms: number;
  readonly duration_ms: number;
  readonly rate_per_s: number;
  readonly alert_rate_per_s: number;
  readonly qos: 0 | 1;
  /** Raise/clear cycles per leak sensor: at most 2, because a third would be held as flapping and raise nothing. */
  readonly max_alert_cycles: number;
}

export interface HoldResult {
  readonly target: number;
  readonly sent: number;
  readonly sent_qos1: number;
  readonly acked_qos1: number;
  readonly publish_errors: number;
  /** Messages not sent because their connection had dropped. */
  readonly skipped_disconnected: number;
  readonly alerts_injected: number;
  readonly alerts_exhausted: boolean;
  readonly elapsed_ms: number;
  /** QoS 1 publish → PUBACK. */
  readonly ack_latency: string;
  /** How late each message left against its schedule: the generator's own delay. */
  readonly send_delay: string;
}

export interface RampDownResult {
  readonly closed: number;
  readonly elapsed_ms: number;
}

export interface AgentProgress {
  readonly phase: 'idle' | 'connect' | 'hold' | 'ramp-down' | 'done';
  readonly connected: number;
  readonly failures: number;
  readonly dropped: number;
  readonly sent: number;
  readonly acked: number;
  readonly alerts: number;
}

export interface AgentDeps {
  /** Epoch milliseconds with a fractional part (payload `ts` is its floor). */
  readonly wall_ms: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

interface Conn {
  readonly unit: LoadUnit;
  client: MqttClient | undefined;
  up: boolean;
}

const CLEAR_AFTER_MS = 1_000;
const ACK_DRAIN_MS = 5_000;
const MAX_FAILURE_SAMPLES = 5;
/** Largest burst one tick sends, as seconds of the rate: a stalled generator catches up gradually. */
const MAX_BURST_S = 0.25;

export class AgentPool {
  readonly #deps: AgentDeps;
  readonly #units: readonly LoadUnit[];
  readonly #options: OptionsFor[];
  readonly #node_of: (client_id: string) => number;
  readonly #urls: readonly string[];
  readonly #conns: Conn[];
  #phase: AgentProgress['phase'] = 'idle';
  #failures = 0;
  #dropped = 0;
  #sent = 0;
  #acked = 0;
  #alerts = 0;
  /** Per device: the next seq (0–255, wrapping, contract v1). */
  readonly #seq = new Map<string, number>();

  constructor(config: AgentConfig, deps: AgentDeps) {
    this.#deps = deps;
    const fleet = buildLoadFleet(config.fleet);
    this.#units = workerUnits(shardUnits(fleet, config.shard), config.worker, config.workers);
    this.#urls = config.broker_urls;
    this.#options = config.broker_urls.map((url) => clientOptions(url, config.client));
    this.#node_of = (id) => brokerNodeOf(id, config.broker_urls.length);
    this.#conns = this.#units.map((unit) => ({ unit, client: undefined, up: false }));
  }

  get units(): readonly LoadUnit[] {
    return this.#units;
  }

  progress(): AgentProgress {
    let connected = 0;
    for (const c of this.#conns) if (c.up) connected++;
    return { phase: this.#phase, connected, failures: this.#failures, dropped: this.#dropped, sent: this.#sent, acked: this.#acked, alerts: this.#alerts };
  }

  #nextSeq(id: string): number {
    const s = this.#seq.get(id) ?? 0;
    this.#seq.set(id, (s + 1) & 0xff);
    return s;
  }

  async connect(plan: ConnectPlan): Promise<ConnectResult> {
    this.#phase = 'connect';
    const latency = latencyHistogram();
    const samples: string[] = [];
    const t0 = this.#deps.wall_ms();
    let in_flight = 0;
    let connected = 0;
    const settled: Array<Promise<void>> = [];
    const fail = (reason: string): void => {
      this.#failures++;
      if (samples.length < MAX_FAILURE_SAMPLES) samples.push(reason);
    };
    for (let k = 0; k < this.#conns.length; k++) {
      // The k-th connection may start at t0 + k / rate, and only while fewer than max_in_flight wait for CONNACK.
      for (;;) {
        const now = this.#deps.wall_ms();
        const wait_ms = t0 + (k * 1000) / plan.rate_per_s - now;
        if (wait_ms <= 0 && in_flight < plan.max_in_flight) break;
        await this.#deps.sleep(Math.max(1, Math.min(50, wait_ms)));
      }
      const conn = this.#conns[k]!;
      in_flight++;
      settled.push(
        this.#open(conn, plan.timeout_ms, latency).then(
          () => {
            connected++;
          },
          (err: Error) => fail(`${conn.unit.client_id}: ${err.message}`),
        ).finally(() => in_flight--),
      );
    }
    await Promise.all(settled);
    return {
      units: this.#conns.length,
      devices: this.#conns.reduce((n, c) => n + (c.up ? c.unit.devices.length : 0), 0),
      connected,
      failures: this.#failures,
      failure_samples: samples,
      elapsed_ms: Math.round(this.#deps.wall_ms() - t0),
      connect_latency: encodeHistogram(latency),
    };
  }

  #open(conn: Conn, timeout_ms: number, latency: LatencyHistogram): Promise<void> {
    const id = conn.unit.client_id;
    const head = conn.unit.devices[0]!;
    const will = { topic: deviceTopic(head.site, head.id, 'state'), payload: JSON.stringify({ v: 1, id: head.id, state: 'offline', session: 1, reason: 'will' }), qos: 1 as const, retain: false };
    const t = this.#deps.wall_ms();
    return new Promise<void>((resolve, reject) => {
      const client = mqtt.connect(this.#urls[this.#node_of(id)]!, { ...this.#options[this.#node_of(id)]!(id, will), connectTimeout: timeout_ms });
      conn.client = client;
      disableNagle(client);
      let done = false;
      // wall-clock: a CONNACK that never comes is a failure, not a hang
      const timer = setTimeout(() => finish(new Error(`no CONNACK within ${timeout_ms} ms`)), timeout_ms);
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) {
          client.end(true);
          reject(err);
        } else resolve();
      };
      client.once('connect', () => {
        recordMs(latency, this.#deps.wall_ms() - t);
        conn.up = true;
        // Births go out with the connection, as a real device's do; QoS 1, not retained (a load
        // run must not leave thousands of retained births on a shared broker).
        const ts = Math.floor(this.#deps.wall_ms());
        for (const d of conn.unit.devices) {
          const b = birth(d, 1, this.#nextSeq(d.id), ts);
          client.publish(b.topic, b.payload, { qos: 1 });
        }
        finish();
      });
      client.on('error', (err) => finish(err));
      client.on('close', () => {
        if (conn.up && this.#phase !== 'ramp-down' && this.#phase !== 'done') this.#dropped++;
        conn.up = false;
        finish(new Error('connection closed before CONNACK'));
      });
    });
  }

  async hold(plan: HoldPlan): Promise<HoldResult> {
    this.#phase = 'hold';
    const ack = latencyHistogram();
    const delay = latencyHistogram();
    const targets: Array<{ device: LoadDevice; conn: Conn }> = [];
    const leaks: Array<{ device: LoadDevice; conn: Conn }> = [];
    for (const conn of this.#conns) {
      if (!conn.up) continue;
      for (const device of conn.unit.devices) {
        targets.push({ device, conn });
        if (device.kind === 'leak') leaks.push({ device, conn });
      }
    }
    const total = Math.floor((plan.rate_per_s * plan.duration_ms) / 1000);
    const max_alerts = leaks.length * plan.max_alert_cycles;
    const total_alerts = Math.min(max_alerts, Math.floor((plan.alert_rate_per_s * plan.duration_ms) / 1000));
    const clear_after_ms = leaks.length > 0 && plan.alert_rate_per_s > 0 ? Math.min(CLEAR_AFTER_MS, (leaks.length * 1000) / plan.alert_rate_per_s / 2) : CLEAR_AFTER_MS;
    const clears: Array<{ at: number; device: LoadDevice; conn: Conn }> = [];
    let sent = 0;
    let sent_qos1 = 0;
    let errors = 0;
    let skipped = 0;
    let alerts = 0;
    let acked = 0;
    const send = (conn: Conn, out: Outgoing, qos: 0 | 1): void => {
      if (!conn.up || !conn.client) {
        skipped++;
        return;
      }
      const t = this.#deps.wall_ms();
      if (qos === 1) sent_qos1++;
      conn.client.publish(out.topic, out.payload, { qos }, (err) => {
        if (err) errors++;
        else if (qos === 1) {
          acked++;
          this.#acked++;
          recordMs(ack, this.#deps.wall_ms() - t);
        }
      });
      this.#sent++;
    };
    // Wait for the common start instant.
    for (let w = plan.start_at_ms - this.#deps.wall_ms(); w > 0; w = plan.start_at_ms - this.#deps.wall_ms()) await this.#deps.sleep(Math.min(w, 50));
    const start = plan.start_at_ms;
    const burst = Math.max(1, Math.ceil(plan.rate_per_s * MAX_BURST_S));
    for (;;) {
      const now = this.#deps.wall_ms();
      const elapsed = now - start;
      if (elapsed >= plan.duration_ms) break;
      const due = Math.min(total, dueCount(plan.rate_per_s, elapsed)) - sent;
      for (let i = 0; i < Math.min(due, burst) && targets.length > 0; i++) {
        const { device, conn } = targets[sent % targets.length]!;
        // Scheduled instant of this message: how late it leaves is the generator's own delay.
        recordMs(delay, now - (start + (sent * 1000) / plan.rate_per_s));
        send(conn, telemetry(device, this.#nextSeq(device.id), Math.floor(this.#deps.wall_ms()), sent), plan.qos);
        sent++;
      }
      while (clears.length > 0 && clears[0]!.at <= now) {
        const c = clears.shift()!;
        send(c.conn, leakEvent(c.device, this.#nextSeq(c.device.id), Math.floor(now), false), 1);
      }
      const alerts_due = Math.min(total_alerts, dueCount(plan.alert_rate_per_s, elapsed)) - alerts;
      for (let i = 0; i < alerts_due; i++) {
        const probe = leaks[alerts % leaks.length]!;
        send(probe.conn, leakEvent(probe.device, this.#nextSeq(probe.device.id), Math.floor(this.#deps.wall_ms()), true), 1);
        clears.push({ at: now + clear_after_ms, ...probe });
        alerts++;
        this.#alerts++;
      }
      const next_msg = sent < total ? start + (sent * 1000) / plan.rate_per_s : Infinity;
      const next_alert = alerts < total_alerts ? start + (alerts * 1000) / plan.alert_rate_per_s : Infinity;
      const next = Math.min(next_msg, next_alert, clears[0]?.at ?? Infinity, start + plan.duration_ms);
      // Always a real timer, never a spin: at 2,000 msg/s the next message is 0.5 ms away, and
      // polling for it would burn a core the broker and platform need; a 1 ms tick sends the few
      // that came due together, and any lateness lands in the send-delay histogram.
      await this.#deps.sleep(Math.max(1, Math.min(next - this.#deps.wall_ms(), 50)));
    }
    // Outstanding clears go out now, so no probe is left raised past the run.
    for (const c of clears.splice(0)) send(c.conn, leakEvent(c.device, this.#nextSeq(c.device.id), Math.floor(this.#deps.wall_ms()), false), 1);
    const elapsed_ms = this.#deps.wall_ms() - start;
    const drain_until = this.#deps.wall_ms() + ACK_DRAIN_MS;
    while (acked + errors < sent_qos1 && this.#deps.wall_ms() < drain_until) await this.#deps.sleep(10);
    return {
      target: total,
      sent,
      sent_qos1,
      acked_qos1: acked,
      publish_errors: errors,
      skipped_disconnected: skipped,
      alerts_injected: alerts,
      alerts_exhausted: plan.alert_rate_per_s > 0 && total_alerts < Math.floor((plan.alert_rate_per_s * plan.duration_ms) / 1000),
      elapsed_ms: Math.round(elapsed_ms),
      ack_latency: encodeHistogram(ack),
      send_delay: encodeHistogram(delay),
    };
  }

  async rampDown(plan: { rate_per_s: number; timeout_ms: number }): Promise<RampDownResult> {
    this.#phase = 'ramp-down';
    const t0 = this.#deps.wall_ms();
    const closing: Array<Promise<void>> = [];
    const open = this.#conns.filter((c) => c.client !== undefined);
    for (let k = 0; k < open.length; k++) {
      for (let w = t0 + (k * 1000) / plan.rate_per_s - this.#deps.wall_ms(); w > 0; w = t0 + (k * 1000) / plan.rate_per_s - this.#deps.wall_ms()) await this.#deps.sleep(Math.min(w, 50));
      const c = open[k]!;
      const client = c.client!;
      c.client = undefined;
      // A clean DISCONNECT: no will, as a device that is switched off properly.
      closing.push(
        Promise.race([
          client.endAsync(false).catch(() => {}),
          this.#deps.sleep(plan.timeout_ms),
        ]).then(() => {
          if (!client.disconnected) client.end(true);
        }),
      );
    }
    await Promise.all(closing);
    this.#phase = 'done';
    return { closed: open.length, elapsed_ms: Math.round(this.#deps.wall_ms() - t0) };
  }

  /** Forcibly closes whatever is still open (abort, error paths). */
  async destroy(): Promise<void> {
    this.#phase = 'done';
    await Promise.all(
      this.#conns.map((c) => {
        const client = c.client;
        c.client = undefined;
        c.up = false;
        return client ? client.endAsync(true).catch(() => {}) : Promise.resolve();
      }),
    );
  }
}
