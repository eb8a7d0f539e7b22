/**
 * Real programs we did not write (Mosquitto, its clients) for integration tests. Locally a missing
 * program skips the test with one line saying how to install it; in CI (CI=true) it fails, because
 * a suite that silently skips its interoperability tests proves nothing.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canConnect, findProgram, freePort } from '../../harness/broker/local-programs.ts';

export { findProgram, freePort };

const execFileAsync = promisify(execFile);

const LOOPBACK = '127.0.0.1';
const START_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * The program's path, or undefined (after one `skipping:` line on stderr) so the caller can
 * `it.skipIf(!bin)`. In CI a missing program throws instead.
 */
export function requireProgram(name: string, debian_package: string): string | undefined {
  const found = findProgram(name);
  if (found !== undefined) return found;
  if (process.env.CI === 'true') throw new Error(`${name} is required in CI: apt-get install -y ${debian_package}`);
  process.stderr.write(`skipping: ${name} not found (apt-get install -y ${debian_package})\n`);
  return undefined;
}

function requireOrThrow(name: string, debian_package: string): string {
  const found = findProgram(name);
  if (found === undefined) throw new Error(`${name} not found: apt-get install -y ${debian_package}`);
  return found;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms)); // wall-clock: polling a real process
}

export interface MosquittoInstance {
  url: string;
  port: number;
  /** mqtts://127.0.0.1:<port> when started with `tls`. */
  tls_url?: string;
  /** SIGTERM, then wait for the process to exit (SIGKILL if it does not within 5 s). */
  stop(): Promise<void>;
  /** SIGKILL, no waiting: a crashed broker. */
  kill(): void;
  /** What the broker has written to stderr so far (its log, at the configured log types). */
  log(): string;
}

/** Starts a throwaway Mosquitto on a free loopback port, with or without a username/password. */
export async function startMosquitto(opts: { username?: string; password?: string; stock?: boolean; extra_config?: readonly string[]; tls?: { cafile: string; certfile: string; keyfile: string; require_certificate?: boolean } } = {}): Promise<MosquittoInstance> {
  const mosquitto = requireOrThrow('mosquitto', 'mosquitto');
  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-mosquitto-'));
  const port = await freePort();
  // `stock`: nothing but a listener and anonymous access — every limit at Mosquitto's default
  // (max_queued_messages 1000, max_inflight_messages 20), as users run it.
  // per_listener_settings false: the auth settings below apply to every listener (plain and TLS).
  const config = opts.stock
    ? [`listener ${port} ${LOOPBACK}`]
    : [`listener ${port} ${LOOPBACK}`, 'persistence false', 'set_tcp_nodelay true', 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice'];
  const tls_port = opts.tls ? await freePort() : undefined;
  if (opts.tls) {
    config.push(`listener ${tls_port} ${LOOPBACK}`, `cafile ${opts.tls.cafile}`, `certfile ${opts.tls.certfile}`, `keyfile ${opts.tls.keyfile}`);
    if (opts.tls.require_certificate) config.push('require_certificate true');
  }
  // Started as root (CI containers), mosquitto drops to user "mosquitto", which cannot read our
  // 0700 temp dir; staying root is harmless for a loopback-only test broker.
  if (process.getuid?.() === 0) config.push('user root');
  if (opts.username !== undefined) {
    const passwd = requireOrThrow('mosquitto_passwd', 'mosquitto');
    const password_file = join(dir, 'passwd');
    writeFileSync(password_file, '', { mode: 0o600 });
    await execFileAsync(passwd, ['-b', password_file, opts.username, opts.password ?? '']);
    config.push('allow_anonymous false', `password_file ${password_file}`);
  } else {
    config.push('allow_anonymous true');
  }
  config.push(...(opts.extra_config ?? []));
  const config_file = join(dir, 'mosquitto.conf');
  writeFileSync(config_file, config.join('\n') + '\n');

  const child = spawn(mosquitto, ['-c', config_file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let has_exited = false;
  void exited.then(() => {
    has_exited = true;
    rmSync(dir, { recursive: true, force: true });
  });

  const deadline_ms = Date.now() + START_TIMEOUT_MS; // wall-clock: bounded wait for a real process
  for (;;) {
    if (has_exited) throw new Error(`mosquitto exited during startup (code ${child.exitCode}): ${stderr.trim()}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline_ms) { // wall-clock: bounded wait for a real process
      child.kill('SIGKILL');
      await exited;
      throw new Error(`mosquitto did not accept connections on ${LOOPBACK}:${port} within ${START_TIMEOUT_MS} ms: ${stderr.trim()}`);
    }
    await sleep(25);
  }

  return {
    url: `mqtt://${LOOPBACK}:${port}`,
    port,
    ...(tls_port !== undefined ? { tls_url: `mqtts://${LOOPBACK}:${tls_port}` } : {}),
    async stop() {
      if (has_exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS); // wall-clock: bound the graceful stop
      await exited;
      clearTimeout(timer);
    },
    kill() {
      if (!has_exited) child.kill('SIGKILL');
    },
    log() {
      return stderr;
    },
  };
}

export interface SubscribedMessage {
  topic: string;
  payload: string;
  retained?: boolean;
}

export interface MosquittoSubOptions {
  /** Exit after this many messages (`-C`). */
  count?: number;
  /** Upper bound on the whole run; rounded up to whole seconds for `-W`. */
  timeout_ms: number;
  /** Echo mosquitto_sub's output and errors to our stderr (debugging a failing test). */
  verbose?: boolean;
  /** Only retained messages; stops at the first live one (`--retained-only`). */
  retained_only?: boolean;
  username?: string;
  password?: string;
}

/**
 * Subscribes with the real `mosquitto_sub` and returns what it printed, bounded by `count` and
 * `timeout_ms` (a timeout is not an error: the caller asserts on what arrived). Uses the JSON
 * output format (`-F %j`), which carries the retain flag and escapes payloads containing newlines.
 */
export async function mosquittoSub(url_port: string | number, topic_filter: string, opts: MosquittoSubOptions): Promise<SubscribedMessage[]> {
  const bin = requireOrThrow('mosquitto_sub', 'mosquitto-clients');
  const { host, port } = parseTarget(url_port);
  const args = ['-h', host, '-p', String(port), '-t', topic_filter, '-F', '%j', '-W', String(Math.max(1, Math.ceil(opts.timeout_ms / 1000)))];
  if (opts.count !== undefined) args.push('-C', String(opts.count));
  if (opts.retained_only === true) args.push('--retained-only');
  if (opts.username !== undefined) args.push('-u', opts.username);
  if (opts.password !== undefined) args.push('-P', opts.password);

  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    if (opts.verbose === true) process.stderr.write(`mosquitto_sub: ${chunk}`);
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    if (opts.verbose === true) process.stderr.write(`mosquitto_sub (stderr): ${chunk}`);
  });
  // -W bounds mosquitto_sub itself; this backstop covers a connect that hangs before -W starts.
  const backstop = setTimeout(() => child.kill('SIGKILL'), opts.timeout_ms + 5_000); // wall-clock: bound a real process
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exit_code) => resolve(exit_code));
  }).finally(() => clearTimeout(backstop));

  const messages = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      const j = JSON.parse(line) as { topic: string; payload?: unknown; retain?: boolean | number };
      const payload = typeof j.payload === 'string' ? j.payload : j.payload === undefined || j.payload === null ? '' : JSON.stringify(j.payload);
      return { topic: j.topic, payload, retained: j.retain === true || j.retain === 1 };
    });
  // 0 = done, 27 = -W timeout (mosquitto_sub's "timed out"); anything else is a real failure.
  if (code !== 0 && code !== 27 && messages.length === 0) {
    throw new Error(`mosquitto_sub ${args.join(' ')} failed (exit ${code}): ${stderr.trim()}`);
  }
  return messages;
}

function parseTarget(url_port: string | number): { host: string; port: number } {
  if (typeof url_port === 'number') return { host: LOOPBACK, port: url_port };
  if (/^\d+$/.test(url_port)) return { host: LOOPBACK, port: Number(url_port) };
  const url = new URL(url_port);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 1883) };
}
