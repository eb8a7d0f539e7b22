import { serveRpc } from '../../harness/load/rpc.ts';

/** A child for test/integration/rpc-flags.test.ts: answers with the node flags it was started with. */
serveRpc({ exec_argv: () => process.execArgv });
