// Child process entry: a load generator worker (harness/load/agent-host.ts).
import { serveAgents } from '../agent-host.ts';

serveAgents();
