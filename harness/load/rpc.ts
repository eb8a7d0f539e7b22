import { fork, type ChildProcess } from 'node:child_process';
import { MspError } from '../../common/errors.ts';

/**
 * Request/response over a forked child's IPC channel, for the processes of a load run (generator
 * workers, broker nodes, the HTTP load). The child modules are TypeScript, so they are forked with
 * tsx's loader, resolved from this file so the working directory does not matter. Every call has
 * a deadline; a child that dies fails its pending calls at once instead of hanging the run.
 */
export type RpcHandlers = Record<string, (args: never) => Promise<unknown> | unknown>;

interface Request {
  readonly rpc: 'req';
  readonly id: number;
  readonly op: string;
  readonly args: unknown;
}

interface Response {
  readonly rpc: 'res';
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

interface Notice {
  readonly rpc: 'note';
  readonly value: unknown;
}

/** Whose children these are: a load run's processes, or a sharded run's simulators (its own error codes). */
export type RpcFamily = 'LOAD_CHILD' | 'RUN_SHARD';

export class RpcError extends MspError {
  declare readonly code: `${RpcFamily}_${'FAILED' | 'TIMEOUT' | 'EXITED'}`;
  constructor(code: RpcError['code'], message: string) {
    super(code, message);
    this.name = 'RpcError';
  }
}

/** Resolved when a TypeScript child is forked: a bundled child (child-bundle.ts) may run where tsx is not installed. */
const tsxLoader = (): string => import.meta.resolve('tsx');

export class ChildRpc {
  readonly label: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  #exit_reason: string | undefined;
  #stderr_tail = '';
  readonly #family: RpcFamily;

  /**
   * `module_url`: the child's entry, TypeScript (forked under tsx's loader) or a JavaScript bundle
   * (harness/load/child-bundle.ts, forked as it is). `node_flags`: V8/node flags for the child (a
   * shard's larger nursery), after the loader if there is one. `env`: variables added to this
   * process's environment for the child (a shard's allocator settings).
   */
  constructor(label: string, module_url: URL, on_notice: (value: unknown) => void = () => {}, family: RpcFamily = 'LOAD_CHILD', node_flags: readonly string[] = [], env: Readonly<Record<string, string>> = {}) {
    this.label = label;
    this.#family = family;
    const loader = module_url.pathname.endsWith('.ts') ? ['--import', tsxLoader()] : [];
    const child_env = Object.keys(env).length > 0 ? { ...process.env, ...env } : undefined;
    this.child = fork(module_url, [], { execArgv: [...loader, ...node_flags], stdio: ['ignore', 'inherit', 'pipe', 'ipc'], serialization: 'advanced', ...(child_env ? { env: child_env } : {}) });
    this.child.stderr?.setEncoding('utf8');
    // Kept for the error message only; the child's own output goes nowhere else.
    this.child.stderr?.on('data', (s: string) => (this.#stderr_tail = (this.#stderr_tail + s).slice(-2_000)));
    this.child.on('message', (m: Response | Notice) => {
      if (m.rpc === 'note') return on_notice(m.value);
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new RpcError(`${this.#family}_FAILED`, `${this.label}: ${m.error ?? 'failed'}`));
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#exit_reason = `${this.label} exited (${signal ?? code})${this.#stderr_tail ? `: ${this.#stderr_tail.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
        for (const p of this.#pending.values()) {
          clearTimeout(p.timer);
          p.reject(new RpcError(`${this.#family}_EXITED`, this.#exit_reason));
        }
        this.#pending.clear();
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  call<T>(op: string, args: unknown, timeout_ms: number): Promise<T> {
    if (this.#exit_reason !== undefined) return Promise.reject(new RpcError(`${this.#family}_EXITED`, this.#exit_reason));
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      // wall-clock: a child that never answers must not hang the run
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RpcError(`${this.#family}_TIMEOUT`, `${this.label}: no answer to ${op} within ${timeout_ms} ms`));
      }, timeout_ms);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.send({ rpc: 'req', id, op, args } satisfies Request);
    });
  }

  /** Asks nicely (`stop`), then SIGKILL after `grace_ms`. */
  async stop(grace_ms = 5_000): Promise<void> {
    if (this.#exit_reason === undefined && this.child.connected) {
      await this.call('stop', {}, grace_ms).catch(() => {});
    }
    if (this.#exit_reason === undefined) {
      // wall-clock: bounded shutdown
      const timer = setTimeout(() => this.child.kill('SIGKILL'), grace_ms);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

/**
 * The child side: answers requests with `handlers`; `stop` answers then exits. The child also
 * exits when its parent goes away (IPC channel closed), so a crashed coordinator leaves no
 * orphaned broker or worker holding thousands of sockets.
 */
export function serveRpc(handlers: RpcHandlers, on_stop: () => Promise<void> = async () => {}): { notify(value: unknown): void } {
  const send = (m: Response | Notice): void => {
    if (process.connected) process.send!(m);
  };
  let stopping: Promise<void> | undefined;
  const stopOnce = (): Promise<void> => (stopping ??= on_stop().catch(() => {}));
  process.on('message', (m: Request) => {
    if (m?.rpc !== 'req') return;
    if (m.op === 'stop') {
      void stopOnce().then(() => {
        send({ rpc: 'res', id: m.id, ok: true });
        // Let the answer leave before the channel closes.
        setImmediate(() => process.exit(0));
      });
      return;
    }
    const handler = handlers[m.op];
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown op ${m.op}`);
        send({ rpc: 'res', id: m.id, ok: true, value: await handler(m.args as never) });
      } catch (err) {
        send({ rpc: 'res', id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  process.on('disconnect', () => {
    void stopOnce().then(() => process.exit(0));
  });
  return { notify: (value) => send({ rpc: 'note', value }) };
}
