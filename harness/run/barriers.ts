import mqtt, { type MqttClient } from 'mqtt';
import { ALL_DEVICE_MESSAGES, SIM_TOPIC_ROOT, TOPIC_ROOT } from '../../platform/contract/topics.ts';
import type { OtaCommand } from '../../platform/patching/engine.ts';
import { encodeOtaCommand } from '../../platform/contract/commands.ts';
import type { InboundCommand } from '../../sim/simulation.ts';
import type { MemoryBus } from '../../sim/edge/memory-bus.ts';
import { disableNagle, sessionOptions, type MqttTransportOptions } from '../../sim/edge/mqtt/session-options.ts';
import type { StepBarrier } from './lockstep.ts';
import type { StepMarker, StepReceiver } from './step-receiver.ts';

const STEP_TOPIC = `${SIM_TOPIC_ROOT}/step`;
const ACK_TOPIC = `${SIM_TOPIC_ROOT}/ack`;
export const CLOCK_TOPIC = `${SIM_TOPIC_ROOT}/clock`;
/** The sim's edge subscribes to every device's commands and hands each to its twin (docs/patching.md). */
export const ALL_COMMANDS = `${TOPIC_ROOT}/+/+/cmd/#`;

/** In-memory barrier: delivery is synchronous, so a step is complete as soon as it is marked. */
export class MemoryBarrier implements StepBarrier {
  readonly #receiver: StepReceiver;
  readonly #platform: ReturnType<MemoryBus['connect']>;
  #commands: InboundCommand[] = [];

  constructor(bus: MemoryBus, receiver: StepReceiver) {
    this.#receiver = receiver;
    this.#platform = bus.connect('msp-platform', { on_message: (m) => receiver.onMessage(m.topic, m.payload, m.retain) });
    this.#platform.subscribe(ALL_DEVICE_MESSAGES);
    const edge = bus.connect('msp-sim', { on_message: (m) => this.#commands.push({ topic: m.topic, payload: m.payload }) });
    edge.subscribe(ALL_COMMANDS);
  }

  /** The platform's commands for the devices, published on the bus (QoS 1). */
  publishCommands(commands: readonly OtaCommand[]): void {
    for (const c of commands) {
      const m = encodeOtaCommand(c);
      this.#platform.publish(m.topic, m.payload, 1, false);
    }
  }

  async complete(step: number, t_ms: number, expected: number): Promise<readonly InboundCommand[]> {
    let done = false;
    this.#receiver.onMarker({ step, t_ms, expected }, () => (done = true));
    if (!done) {
      const p = this.#receiver.pending();
      throw new Error(`LOCKSTEP_COUNT: in-memory step ${step} expected ${expected} messages, the platform received ${p.have}`);
    }
    const out = this.#commands;
    this.#commands = [];
    return out;
  }
}

export interface MqttBarrierOptions {
  readonly transport: MqttTransportOptions;
  /** Wall-clock limit for one step's messages to arrive; a hung broker fails the run, never hangs it. */
  readonly step_timeout_ms?: number;
}

function connected(client: MqttClient, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (err) => reject(new Error(`LOCKSTEP_CONNECT: ${what} could not connect: ${err.message}`)));
  });
}

/**
 * Barrier over real MQTT: the sim's control client publishes a step marker with the number of
 * messages the platform must receive; the platform's client buffers device messages until it has
 * them all, applies them, and publishes an acknowledgement the sim waits for.
 */
export class MqttBarrier implements StepBarrier {
  readonly #platform: MqttClient;
  readonly #control: MqttClient;
  readonly #receiver: StepReceiver;
  readonly #timeout_ms: number;
  #waiting: { step: number; resolve: () => void } | undefined;
  /** Commands the platform published in the open step (the ack tells the sim how many to expect). */
  #published = 0;
  #acked_commands = 0;
  #commands: InboundCommand[] = [];
  #command_waiter: { n: number; resolve: () => void } | undefined;
  /** Real-time mode: commands go straight to this instead of waiting for a step. */
  on_command: ((c: InboundCommand) => void) | undefined;
  #failure: Error | undefined;
  #last_error: string | undefined;

  private constructor(platform: MqttClient, control: MqttClient, receiver: StepReceiver, timeout_ms: number) {
    this.#platform = platform;
    this.#control = control;
    this.#receiver = receiver;
    this.#timeout_ms = timeout_ms;
  }

  static async connect(receiver: StepReceiver, options: MqttBarrierOptions): Promise<MqttBarrier> {
    const t = options.transport;
    // These two reconnect by themselves after a broker outage (quickly: a step waits on them).
    const platform = mqtt.connect(t.url, { ...sessionOptions(t, 'msp-platform', undefined), reconnectPeriod: 200 });
    const control = mqtt.connect(t.url, { ...sessionOptions(t, 'msp-sim', undefined), reconnectPeriod: 200 });
    disableNagle(platform);
    disableNagle(control);
    await Promise.all([connected(platform, 'the platform receiver'), connected(control, 'the sim control client')]);
    const barrier = new MqttBarrier(platform, control, receiver, options.step_timeout_ms ?? 60_000);
    // Errors while the broker is deliberately down (outages) are expected; keep the last one for
    // a clearer time-out message, never let an unhandled 'error' event crash the run.
    platform.on('error', (err) => (barrier.#last_error = err.message));
    control.on('error', (err) => (barrier.#last_error = err.message));
    platform.on('message', (topic, payload, packet) => barrier.#onPlatformMessage(topic, payload.toString(), packet.retain));
    control.on('message', (topic, payload) => {
      if (topic === ACK_TOPIC) barrier.#onAck(topic, payload.toString());
      else barrier.#onCommand({ topic, payload: payload.toString() });
    });
    await Promise.all([
      platform.subscribeAsync([ALL_DEVICE_MESSAGES, STEP_TOPIC], { qos: 1 }),
      control.subscribeAsync([ACK_TOPIC, ALL_COMMANDS], { qos: 1 }),
    ]);
    return barrier;
  }

  /** The platform's commands for the devices, published QoS 1 by the platform's client before its ack. */
  publishCommands(commands: readonly OtaCommand[]): void {
    for (const c of commands) {
      const m = encodeOtaCommand(c);
      this.#platform.publish(m.topic, m.payload, { qos: 1 });
    }
    this.#published += commands.length;
  }

  #onCommand(c: InboundCommand): void {
    if (this.on_command) {
      this.on_command(c);
      return;
    }
    this.#commands.push(c);
    if (this.#command_waiter && this.#commands.length >= this.#command_waiter.n) this.#command_waiter.resolve();
  }

  /** Waits (bounded) until `n` commands of the step have reached the sim's edge, and takes them. */
  async #takeCommands(n: number, step: number): Promise<readonly InboundCommand[]> {
    if (this.#commands.length < n) {
      let timer: NodeJS.Timeout | undefined;
      const arrived = new Promise<'ok'>((resolve) => (this.#command_waiter = { n, resolve: () => resolve('ok') }));
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.#timeout_ms); // wall-clock: a lost command must fail the run, not hang it
      });
      const outcome = await Promise.race([arrived, timeout]);
      clearTimeout(timer);
      this.#command_waiter = undefined;
      if (outcome === 'timeout') throw new Error(`LOCKSTEP_TIMEOUT: step ${step}: the platform sent ${n} commands, the sim received ${this.#commands.length} within ${this.#timeout_ms} ms`);
    }
    if (this.#commands.length > n) throw new Error(`LOCKSTEP_COUNT: step ${step}: the platform sent ${n} commands, the sim received ${this.#commands.length}`);
    const out = this.#commands;
    this.#commands = [];
    return out;
  }

  #onPlatformMessage(topic: string, payload: string, retained: boolean): void {
    try {
      if (topic === STEP_TOPIC) {
        const marker = JSON.parse(payload) as StepMarker;
        this.#receiver.onMarker(marker, (m) => {
          const commands = this.#published;
          this.#published = 0;
          this.#platform.publish(ACK_TOPIC, JSON.stringify({ step: m.step, commands }), { qos: 1 });
        });
      } else {
        this.#receiver.onMessage(topic, payload, retained);
      }
    } catch (err) {
      this.#failure = err instanceof Error ? err : new Error(String(err));
      this.#waiting?.resolve();
    }
  }

  #onAck(_topic: string, payload: string): void {
    const { step, commands } = JSON.parse(payload) as { step: number; commands?: number };
    if (this.#waiting && this.#waiting.step === step) {
      this.#acked_commands = commands ?? 0;
      this.#waiting.resolve();
    }
  }

  async complete(step: number, t_ms: number, expected: number): Promise<readonly InboundCommand[]> {
    if (expected === 0) {
      // Nothing was sent, so nothing can be in flight (every earlier step was acknowledged): the
      // platform only needs to learn that the step ended. That needs no broker — which matters
      // during an outage, when the platform's timers must still run and the broker is gone.
      let done = false;
      this.#receiver.onMarker({ step, t_ms, expected }, () => (done = true));
      if (!done) throw new Error(`LOCKSTEP_COUNT: step ${step} sent nothing but the platform holds ${this.#receiver.pending().have} messages`);
      // Its timers may still have decided commands (a window opened): wait for them to arrive.
      const n = this.#published;
      this.#published = 0;
      return this.#takeCommands(n, step);
    }
    const acked = new Promise<void>((resolve) => (this.#waiting = { step, resolve }));
    this.#control.publish(STEP_TOPIC, JSON.stringify({ step, t_ms, expected }), { qos: 1 });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#timeout_ms); // wall-clock: a hung broker must fail the run, not hang it
    });
    const outcome = await Promise.race([acked, timeout]);
    clearTimeout(timer);
    this.#waiting = undefined;
    if (this.#failure) throw this.#failure;
    if (outcome === 'timeout') {
      const p = this.#receiver.pending();
      throw new Error(`LOCKSTEP_TIMEOUT: step ${step} (t=${t_ms}) expected ${expected} messages, the platform received ${p.have} within ${this.#timeout_ms} ms`);
    }
    return this.#takeCommands(this.#acked_commands, step);
  }

  /**
   * After the broker was stopped: wait until both clients have seen their connections close. The
   * outage steps that follow carry no traffic and run without yielding to I/O, so without this
   * the close events would only arrive after the restart, mid-resubscribe.
   */
  async awaitDisconnected(timeout_ms = 10_000): Promise<void> {
    // wall-clock: bounded wait for socket close events
    const deadline = performance.now() + timeout_ms;
    while (this.#platform.connected || this.#control.connected) {
      if (performance.now() > deadline) throw new Error(`LOCKSTEP_OUTAGE: the platform clients still look connected ${timeout_ms} ms after the broker stopped`);
      await new Promise((resolve) => setTimeout(resolve, 5)); // wall-clock: poll for socket close events
    }
  }

  /** Real-time mode: the sim's clock, retained so a platform that (re)connects learns it at once. */
  publishClock(t_ms: number, speed: number): void {
    this.#control.publish(CLOCK_TOPIC, JSON.stringify({ t_ms, speed }), { qos: 0, retain: true });
  }

  /** Waits (bounded) until the platform side has received `count` messages: the real-time tail. */
  async drain(count: number, timeout_ms: number): Promise<void> {
    const deadline = performance.now() + timeout_ms; // wall-clock: bounded wait for in-flight messages
    while (this.#receiver.received_total < count && performance.now() < deadline) { // wall-clock: as above
      await new Promise((r) => setTimeout(r, 20)); // wall-clock: poll
    }
  }

  /** After a broker restart: wait for both clients to be back and re-subscribed (clean sessions). */
  async reconnect(timeout_ms = 15_000): Promise<void> {
    const back = async (client: MqttClient, what: string): Promise<void> => {
      if (client.connected) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          // MQTT.js is already retrying on its own (reconnectPeriod); a second, manual reconnect
          // would open a parallel connection with the same client id and get one of them taken over.
          client.once('connect', () => resolve());
        }),
        new Promise<void>((_, reject) => {
          // wall-clock: a broker that never comes back must fail the run, not hang it
          timer = setTimeout(() => reject(new Error(`LOCKSTEP_RECONNECT: ${what} did not reconnect within ${timeout_ms} ms (${this.#last_error ?? 'no error'})`)), timeout_ms);
        }),
      ]).finally(() => clearTimeout(timer));
    };
    await Promise.all([back(this.#platform, 'the platform receiver'), back(this.#control, 'the sim control client')]);
    await Promise.all([
      this.#platform.subscribeAsync([ALL_DEVICE_MESSAGES, STEP_TOPIC], { qos: 1 }),
      this.#control.subscribeAsync([ACK_TOPIC, ALL_COMMANDS], { qos: 1 }),
    ]);
  }

  async close(): Promise<void> {
    await Promise.all([this.#platform.endAsync(true), this.#control.endAsync(true)]);
  }
}
