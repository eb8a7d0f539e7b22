import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Platform } from '../../platform/core/platform.ts';

/**
 * Prometheus metrics of a running platform (`GET /metrics` on its HTTP API), for the Grafana an
 * MSP already has (dashboards/msp-twin-load.json). The platform core stays free of any metrics
 * library: this adapter wraps each `receive` and taps the decision journal, and reads the rest
 * (devices by liveness, open alerts and incidents, ingest counters) from the platform at scrape.
 */
export const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Bound on remembered alert ids (the platform keeps at most 200,000 alerts itself). */
const MAX_ALERT_IDS = 200_000;

/** Epoch ms with a fractional part, comparable with a device's `ts` on the same machine. */
const wallEpochMs = (): number => performance.timeOrigin + performance.now(); // wall-clock: latency is the measurement

/** A message's own `ts` without parsing the whole payload (the platform validates it anyway). */
export function payloadTs(payload: string | Buffer): number | undefined {
  const text = typeof payload === 'string' ? payload : payload.toString('latin1', 0, Math.min(payload.length, 4096));
  const i = text.indexOf('"ts":');
  if (i < 0) return undefined;
  const n = Number.parseInt(text.slice(i + 5, i + 25), 10);
  return Number.isSafeInteger(n) ? n : undefined;
}

export class PlatformMetrics {
  readonly registry = new Registry();
  readonly #messages: Counter<'class'>;
  readonly #lag: Histogram<'class'>;
  readonly #alert_lag: Histogram;
  #current_ts: number | undefined;
  readonly #alerts_seen = new Set<string>();

  /** `platform` is read at scrape time only, so the metrics can exist before the platform (its journal taps them). */
  constructor(platform: () => Platform, options: { process_metrics: boolean }) {
    const r = this.registry;
    if (options.process_metrics) collectDefaultMetrics({ register: r });
    this.#messages = new Counter({ name: 'msp_platform_messages_received_total', help: 'Device messages received from the broker, by topic class.', labelNames: ['class'], registers: [r] });
    this.#lag = new Histogram({ name: 'msp_platform_ingest_latency_seconds', help: 'Device publish (payload ts) to ingested by the platform.', labelNames: ['class'], buckets: LATENCY_BUCKETS_S, registers: [r] });
    this.#alert_lag = new Histogram({ name: 'msp_platform_alert_latency_seconds', help: 'Device publish (payload ts) of the triggering message to alert raised.', buckets: LATENCY_BUCKETS_S, registers: [r] });
    new Gauge({
      name: 'msp_platform_devices',
      help: 'Registered devices by liveness.',
      labelNames: ['liveness'],
      registers: [r],
      collect() {
        for (const [liveness, n] of Object.entries(platform().registry.stats().by_liveness)) this.set({ liveness }, n);
      },
    });
    new Gauge({ name: 'msp_platform_alerts_active', help: 'Alerts firing or acknowledged.', registers: [r], collect() { this.set(platform().alerts.active().length); } });
    new Gauge({ name: 'msp_platform_incidents_open', help: 'Incidents not resolved.', registers: [r], collect() { this.set(platform().incidents.open().length); } });
    new Gauge({
      name: 'msp_platform_ingest_messages',
      help: 'Messages the ingest has seen since start, by outcome (accepted, or the reject reason).',
      labelNames: ['outcome'],
      registers: [r],
      collect() {
        const s = platform().ingest.stats();
        this.set({ outcome: 'accepted' }, s.accepted);
        for (const [reason, n] of Object.entries(s.rejected)) this.set({ outcome: reason }, n);
      },
    });
  }

  /**
   * Runs `receive` for one message and records its class and its publish → ingested latency
   * (after the platform is done with it, so the platform's own processing time is included).
   * Returns that latency in ms, or undefined for a message without `ts` (a last will).
   */
  ingest(topic: string, payload: string | Buffer, receive: () => void): number | undefined {
    const message_class = topic.slice(topic.lastIndexOf('/') + 1);
    const ts = payloadTs(payload);
    this.#current_ts = ts;
    try {
      receive();
    } finally {
      this.#current_ts = undefined;
    }
    this.#messages.inc({ class: message_class });
    if (ts === undefined) return undefined;
    const latency_ms = wallEpochMs() - ts;
    this.#lag.observe({ class: message_class }, Math.max(0, latency_ms) / 1000);
    return latency_ms;
  }

  /** Journal tap: an alert opened while a message is being received gets its latency recorded (ms returned). */
  onJournal(kind: string, fields: Record<string, unknown>): number | undefined {
    // The opening of an alert: firing with count 1, first time its id is seen (re-raises count up;
    // inhibition changes re-journal the same alert).
    if (kind !== 'p.alert' || fields.s !== 'firing' || fields.n !== 1 || this.#current_ts === undefined) return undefined;
    const id = String(fields.id);
    if (this.#alerts_seen.has(id)) return undefined;
    if (this.#alerts_seen.size >= MAX_ALERT_IDS) this.#alerts_seen.clear();
    this.#alerts_seen.add(id);
    const latency_ms = wallEpochMs() - this.#current_ts;
    this.#alert_lag.observe(Math.max(0, latency_ms) / 1000);
    return latency_ms;
  }

  async render(): Promise<{ content_type: string; body: string }> {
    return { content_type: this.registry.contentType, body: await this.registry.metrics() };
  }
}
