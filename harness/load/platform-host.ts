import mqtt, { type MqttClient } from 'mqtt';
import { ALL_DEVICE_MESSAGES } from '../../platform/contract/topics.ts';
import { Platform } from '../../platform/core/platform.ts';
import { startHttpApi, type HttpApi } from '../../platform/service/http-api.ts';
import { PlatformMetrics } from '../../platform/service/metrics.ts';
import { platformApi } from '../../platform/service/platform-api.ts';
import { type ClientConfig, clientOptions, disableNagle } from './client-options.ts';
import { latencyHistogram, recordMs, summarize, type LatencySummary } from './histogram.ts';

/**
 * The platform under load: the production Platform on the wall clock, subscribed to every broker
 * node as `msp-platform`, with its HTTP API (and `/metrics`) on a loopback port for the HTTP load.
 * Latencies are taken here, in the platform's process, once the platform has processed each
 * message: device publish (payload `ts`, integer epoch ms) → ingested, and → alert raised for the
 * leak probes. `ts` is whole milliseconds, so each sample is an upper bound within 1 ms.
 */
export interface PlatformHostOptions {
  readonly urls: readonly string[];
  readonly client: ClientConfig;
  readonly api_port: number;
  /**
   * Test-only: busy-waits this long before each message and delays each HTTP request as long, a
   * platform made slow on purpose so tests can prove the regression gate fires (docs/load.md).
   */
  readonly inject_delay_ms: number;
}

export interface PlatformFigures {
  readonly ingest: LatencySummary;
  readonly alert: LatencySummary;
  readonly received: Readonly<Record<string, number>>;
  readonly received_qos1: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly devices: number;
  readonly alerts: number;
}

const wallEpochMs = (): number => performance.timeOrigin + performance.now(); // wall-clock: production mode runs on real time

function spin(ms: number): void {
  const until = performance.now() + ms; // wall-clock: test-only slowdown
  while (performance.now() < until) {
    // busy: a slow platform blocks its event loop, it does not sleep
  }
}

export class PlatformHost {
  readonly platform: Platform;
  readonly metrics: PlatformMetrics;
  readonly #clients: MqttClient[] = [];
  readonly #ingest = latencyHistogram();
  readonly #alert = latencyHistogram();
  readonly #received: Record<string, number> = {};
  #received_qos1 = 0;
  #measuring = false;
  #api: HttpApi | undefined;
  #ticker: NodeJS.Timeout | undefined;

  private constructor() {
    this.platform = new Platform({
      journal: (_t, kind, fields) => {
        const latency_ms = this.metrics.onJournal(kind, fields);
        if (latency_ms !== undefined && this.#measuring) recordMs(this.#alert, latency_ms);
      },
    });
    this.metrics = new PlatformMetrics(() => this.platform, { process_metrics: false });
  }

  static async start(options: PlatformHostOptions): Promise<PlatformHost> {
    const host = new PlatformHost();
    try {
      for (const url of options.urls) {
        const client = await mqtt.connectAsync(url, { ...clientOptions(url, options.client)('msp-platform'), keepalive: 30 });
        disableNagle(client);
        host.#clients.push(client);
        client.on('message', (topic, payload, packet) => host.#onMessage(topic, payload, packet.qos, options.inject_delay_ms));
        await client.subscribeAsync(ALL_DEVICE_MESSAGES, { qos: 1 });
      }
      host.#api = await startHttpApi(platformApi(host.platform, { immediate: true }), {
        host: '127.0.0.1',
        port: options.api_port,
        ...(options.inject_delay_ms > 0 ? { artificial_delay_ms: options.inject_delay_ms } : {}),
        metrics: () => host.metrics.render(),
      });
      // wall-clock: heartbeat deadlines and `for` durations are checked once a second, as in production
      host.#ticker = setInterval(() => host.platform.tick(Math.floor(wallEpochMs())), 1_000);
    } catch (err) {
      await host.close();
      throw err;
    }
    return host;
  }

  #onMessage(topic: string, payload: Buffer, qos: number, delay_ms: number): void {
    const message_class = topic.slice(topic.lastIndexOf('/') + 1);
    this.#received[message_class] = (this.#received[message_class] ?? 0) + 1;
    if (qos === 1) this.#received_qos1++;
    const latency_ms = this.metrics.ingest(topic, payload, () => {
      if (delay_ms > 0) spin(delay_ms);
      this.platform.receive(topic, payload, Math.floor(wallEpochMs()));
    });
    if (this.#measuring && latency_ms !== undefined && (message_class === 'telemetry' || message_class === 'event')) recordMs(this.#ingest, latency_ms);
  }

  get api_url(): string {
    return this.#api?.url ?? '';
  }

  /** Latency histograms take samples only while measuring (the hold phase and its drain). */
  measure(on: boolean): void {
    this.#measuring = on;
  }

  get received_qos1(): number {
    return this.#received_qos1;
  }

  devices(): number {
    return this.platform.registry.stats().devices;
  }

  figures(): PlatformFigures {
    const ingest = this.platform.ingest.stats();
    return {
      ingest: summarize(this.#ingest),
      alert: summarize(this.#alert),
      received: { ...this.#received },
      received_qos1: this.#received_qos1,
      accepted: ingest.accepted,
      rejected: ingest.total - ingest.accepted,
      devices: this.devices(),
      alerts: this.platform.alerts.all().length,
    };
  }

  async close(): Promise<void> {
    clearInterval(this.#ticker);
    await this.#api?.close();
    await Promise.all(this.#clients.map((c) => c.endAsync(true).catch(() => {})));
  }
}
