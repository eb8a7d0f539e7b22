import { serveRpc } from '../../harness/load/rpc.ts';

/** A child for test/integration/rpc-flags.test.ts: answers with the node flags and environment variables it was started with. */
serveRpc({ exec_argv: () => process.execArgv, env: (a: { names: readonly string[] }) => a.names.map((n) => process.env[n] ?? null) });
