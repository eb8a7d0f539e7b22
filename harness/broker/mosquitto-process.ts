/**
 * A local Mosquitto the harness starts for one run (`--broker mosquitto`) and can stop and start
 * again on the same port, which is how broker outages are played against a real broker that users
 * run. Its configuration is stock — a loopback listener and anonymous access, every limit at
 * Mosquitto's default — so a run against it shows what a default installation carries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransportFailure } from '../run/transport-failure.ts';
import { canConnect, findProgram, freePort } from './local-programs.ts';

const LOOPBACK = '127.0.0.1';

export interface MosquittoProcess {
  readonly url: string;
  readonly port: number;
  /** Ends the process (SIGKILL: like a crash, sockets die without DISCONNECT) and waits for it. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  close(): Promise<void>;
}

export interface MosquittoProcessOptions {
  /** Path of the mosquitto binary (default: found on PATH or in /usr/sbin). */
  readonly bin?: string;
  /** TCP port on 127.0.0.1 (0 = a free one). */
  readonly port?: number;
  /** Wall-clock limit for the broker to accept connections after a start. */
  readonly start_timeout_ms?: number;
}

/** Starts a stock Mosquitto on 127.0.0.1 and resolves once it accepts connections. */
export async function startMosquittoProcess(options: MosquittoProcessOptions = {}): Promise<MosquittoProcess> {
  const bin = options.bin ?? findProgram('mosquitto');
  if (bin === undefined) throw new TransportFailure('TRANSPORT_NO_MOSQUITTO', '--broker mosquitto needs the mosquitto program (Debian/Ubuntu: apt-get install mosquitto), or pass --broker mqtt://HOST:PORT');
  const port = options.port || (await freePort());
  const start_timeout_ms = options.start_timeout_ms ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-mosquitto-'));
  const config = [`listener ${port} ${LOOPBACK}`, 'allow_anonymous true'];
  // Started as root, mosquitto would switch to the user "mosquitto"; nothing it reads needs that.
  if (process.getuid?.() === 0) config.push('user root');
  const config_file = join(dir, 'mosquitto.conf');
  writeFileSync(config_file, config.join('\n') + '\n');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';

  const start = async (): Promise<void> => {
    stderr = '';
    const c = spawn(bin, ['-c', config_file], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr!.setEncoding('utf8');
    c.stderr!.on('data', (chunk: string) => {
      if (stderr.length < 4_000) stderr += chunk;
    });
    let gone = false;
    exited = new Promise((resolve) => c.once('exit', () => ((gone = true), resolve())));
    const deadline = performance.now() + start_timeout_ms; // wall-clock: bounded wait for a real process
    for (;;) {
      if (gone) throw new TransportFailure('TRANSPORT_MOSQUITTO_START', `mosquitto exited while starting on ${LOOPBACK}:${port}: ${stderr.trim().split('\n').slice(-2).join(' ')}`);
      if (await canConnect(port)) return;
      if (performance.now() > deadline) {
        c.kill('SIGKILL');
        throw new TransportFailure('TRANSPORT_MOSQUITTO_START', `mosquitto did not accept connections on ${LOOPBACK}:${port} within ${start_timeout_ms} ms`);
      }
      await new Promise((r) => setTimeout(r, 25)); // wall-clock: poll a starting process
    }
  };
  const stop = async (): Promise<void> => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `mqtt://${LOOPBACK}:${port}`,
    port,
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
