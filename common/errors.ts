/**
 * One error model for the whole tool, after fastify's lib/errors.js: every error msp-twin raises
 * has a stable code (users search for it, scripts branch on it), a message a person can act on,
 * and an exit class that decides the process's exit code. The table below is the single list of
 * codes; docs/errors.md is generated from it (`npm run docs:errors`) and a test keeps both, and
 * every code thrown in the source, in step.
 */

/** What kind of failure ended the command; each maps to one exit code (README "Exit codes"). */
export type ExitClass = 'expectation' | 'bad_input' | 'internal' | 'transport';

export const EXIT_CODE_OF: Readonly<Record<ExitClass, number>> = {
  /** The run completed but a scenario expectation failed. */
  expectation: 1,
  /** The user's input: a flag, a file, a scenario, a port already in use. */
  bad_input: 2,
  /** A bug in msp-twin or a safety bound hit inside it. */
  internal: 3,
  /** The broker or the network failed the run: refused, unreachable, dropped or withheld messages. */
  transport: 4,
};

interface CodeInfo {
  readonly exit: ExitClass;
  readonly meaning: string;
}

const bad = (meaning: string): CodeInfo => ({ exit: 'bad_input', meaning });
const bug = (meaning: string): CodeInfo => ({ exit: 'internal', meaning });
const net = (meaning: string): CodeInfo => ({ exit: 'transport', meaning });

/** Every stable error code, its exit class and what it means. Keep sorted by code. */
export const ERROR_CODES = {
  API_BAD_BODY: bad('HTTP API: the request body is not what the endpoint takes (400)'),
  API_BAD_JSON: bad('HTTP API: the request body is not JSON (400)'),
  API_BAD_PATH: bad('HTTP API: the path has malformed percent-encoding (400)'),
  API_BAD_QUERY: bad('HTTP API: a query parameter is malformed or out of range (400)'),
  API_BODY_TOO_LARGE: bad('HTTP API: the request body exceeds 64 KiB (413)'),
  API_DEVICE_CONFLICT: bad('HTTP API: a device added to provisioning contradicts the provisioned or registered device of that id (409)'),
  API_HOST_REFUSED: bad('HTTP API: the Host header names no host this API answers to: DNS rebinding, or --api-allowed-host is missing (421)'),
  API_METHOD_NOT_ALLOWED: bad('HTTP API: the path exists but not for this method (405)'),
  API_NOT_FOUND: bad('HTTP API: no such device, alert, incident or rollout (404)'),
  API_NO_ROUTE: bad('HTTP API: no such endpoint (404)'),
  API_ORIGIN_REFUSED: bad('HTTP API: a browser request from an origin that is not allowed (403; --api-allowed-origin)'),
  API_PROVISIONING_FULL: bad('HTTP API: provisioning holds its limit of devices (507; --max-devices)'),
  API_TOKEN_REQUIRED: bad('HTTP API: binding beyond loopback needs a configured token (--api-token or MSP_TWIN_API_TOKEN)'),
  API_TOKEN_WEAK: bad('HTTP API: the configured token is shorter than 16 characters'),
  API_UNAUTHORIZED: bad('HTTP API: a write without the right "Authorization: Bearer <token>" (401)'),
  API_UNSUPPORTED_MEDIA_TYPE: bad('HTTP API: a write whose Content-Type is not application/json (415)'),
  BENCH_MONTH: bad('msp-twin bench: --month-days is not a number of simulated days from 0 to 31'),
  BENCH_RUN_FAILED: bug('msp-twin bench: a run it started as a process of its own (1 shard against 2, the month) failed or printed no summary'),
  BENCH_SCALE: bad('msp-twin bench: --scale-devices is not a whole number from 1 to 1,000,000, or --scale-hours is not a number from 0 to 720'),
  BENCH_SHARD_PAIRS: bad('msp-twin bench: --shard-pairs is not a whole number from 1 to 9'),
  BROKER_CLOSED: bug('the embedded broker was used after its final close'),
  BROKER_INSECURE_BIND: bad('msp-twin broker: --open or the public development secret on a non-loopback interface (needs --insecure-public-bind)'),
  BROKER_LISTEN_FAILED: net('the embedded broker could not listen on its address'),
  BROKER_NOT_AUTHENTICATED: net('the broker refused a client its credentials'),
  BROKER_PORT_IN_USE: bad('the port asked for the embedded broker is already in use'),
  BROKER_PUBLISH_REFUSED: net('the broker refused a publish (access policy)'),
  BROKER_STOPPING: net('the embedded broker is stopping (a broker outage)'),
  BROKER_TLS_FILE: bad('msp-twin broker: a --tls-cert/--tls-key/--tls-ca file cannot be read, or --tls-cert and --tls-key were not given together'),
  BUS_NOT_CONNECTED: bug('the in-memory bus was used by a client that is not connected'),
  BUS_RETAINED_NOT_KEPT: bug('a subscription was made on an in-memory bus that keeps no retained messages, after one was published (a shard bus: every subscription must come first)'),
  DIFF_FROM_LINE: bad('msp-twin diff: --from-line is not a line number'),
  DIFF_IGNORE: bad('msp-twin diff: --ignore names something other than the header'),
  DIFF_NOT_FOUND: bad('msp-twin diff: a trace file or run directory does not exist'),
  DURATION_INVALID: bad('a duration is malformed, negative, has no unit, or is not a whole number of milliseconds'),
  FAULT_NO_EFFECT: bug('a fault was applied to a device it cannot affect'),
  FAULT_UNKNOWN_DEVICE: bug('a fault names a device the simulation does not have'),
  INGEST_BAD_OPTION: bad('the ingest stage was configured with an invalid option'),
  INSPECT_NO_ZONE: bad('msp-twin inspect: --device names a gateway, which sits on a floor, not in a zone'),
  INSPECT_RUN_DIR: bad('msp-twin inspect: the run directory, or its trace.jsonl or world.json, is missing'),
  INSPECT_TARGET: bad('msp-twin inspect: give exactly one of --zone or --device'),
  INSPECT_UNKNOWN_DEVICE: bad('msp-twin inspect: no device of that id in the run (the message suggests the nearest)'),
  INSPECT_UNKNOWN_ZONE: bad('msp-twin inspect: no zone of that id in the run (the message suggests the nearest)'),
  INSPECT_WORLD: bad('msp-twin inspect: world.json is unreadable or not a world document'),
  LOAD_BAD_BASELINE: bad('msp-twin load: the baseline file is unreadable or malformed'),
  LOAD_BAD_OPTION: bad('msp-twin load: an option is out of range or inconsistent'),
  LOAD_BAD_SHARD: bad('msp-twin load: --shard is not i/n with 0 ≤ i < n'),
  LOAD_BAD_TOLERANCE: bad('msp-twin load: --max-regression is not a percentage'),
  LOAD_CHILD_EXITED: bug('msp-twin load: a worker or broker-node process exited early'),
  LOAD_CHILD_FAILED: bug('msp-twin load: a worker or broker-node process reported an error'),
  LOAD_CHILD_TIMEOUT: bug('msp-twin load: a worker or broker-node process did not answer in time'),
  LOAD_DEADLINE: bug('msp-twin load: the run passed its own deadline'),
  LOAD_EMPTY_SHARD: bad('msp-twin load: this shard has no devices'),
  LOAD_NO_CONNECTIONS: net('msp-twin load: not one device connection could be opened'),
  LOAD_TLS_FILE: bad('msp-twin load: a --ca/--cert/--key file cannot be read'),
  LOAD_TOO_MANY_CONNECTIONS: bad('msp-twin load: more connections than this process may open'),
  LOCKSTEP_COUNT: net('a lockstep step delivered a different number of messages than were sent'),
  LOCKSTEP_OUTAGE: bug('a broker outage was asked of a transport that cannot stop its broker'),
  LOCKSTEP_PROTOCOL: net('a lockstep marker or acknowledgement arrived out of protocol'),
  LOCKSTEP_RECONNECT: net('after a broker outage the harness\'s own clients did not reconnect in time'),
  LOCKSTEP_TIMEOUT: net('a lockstep step did not complete in time: messages were lost or withheld by the broker'),
  MQTT_CLIENT_ERROR: net('an MQTT client reported an error from the broker or the network'),
  MQTT_NO_GATEWAY: bug('gateway mode found a device whose gateway has no connection'),
  MQTT_SESSION_ENDED: net('an MQTT session ended while the run still needed it'),
  PATCH_BAD_TRANSITION: bad('rollout: the action is not allowed in the rollout\'s state (409)'),
  PATCH_BAD_WINDOW: bad('rollout: a maintenance window is malformed'),
  PATCH_DUPLICATE_ID: bad('rollout: a rollout with this id already exists (409)'),
  PATCH_INCOMPATIBLE_MODEL: bad('rollout: the firmware does not fit the targeted model'),
  PATCH_INVALID_PLAN: bad('rollout: the plan is malformed'),
  PATCH_NOT_APPROVED: bad('rollout: the firmware is not approved'),
  PATCH_UNKNOWN_FIRMWARE: bad('rollout: the firmware is not in the catalog'),
  PATCH_UNKNOWN_ROLLOUT: bad('rollout: no rollout with this id (404)'),
  PLATFORM_CATALOG: bad('msp-twin platform: the --catalog file cannot be read or is invalid'),
  PLATFORM_ARGS: bad('msp-twin platform: a required option is missing (--broker to serve, --data to verify)'),
  PLATFORM_CONNECT: net('msp-twin platform: the broker refused or did not answer the connection'),
  PLATFORM_FLEET: bad('msp-twin platform: the --fleet provisioning file cannot be read or is invalid'),
  PLATFORM_NO_FLEET: bad('msp-twin platform: neither --fleet nor --allow-unprovisioned was given'),
  PLATFORM_TLS_FILE: bad('msp-twin platform: a --ca/--cert/--key file cannot be read'),
  REALTIME_SPEED: bad('real-time mode: the speed is not a positive number'),
  REGISTRY_BAD_OPTION: bad('the device registry was configured with an invalid option'),
  RUN_CONFIG: bad('msp-twin run: the options do not fit together or are out of range'),
  RUN_DATA_NOT_EMPTY: bad('msp-twin run: --data names a directory that already holds a platform store (a run starts from nothing)'),
  RUN_DURATION: bad('msp-twin run: --duration is 0 or longer than the 400-day limit'),
  RUN_FLOW_WINDOW: bad('msp-twin run: --flow-window is not a positive whole number'),
  RUN_MQTT5_EMBEDDED: bad('msp-twin run: MQTT 5 needs --broker (the embedded broker speaks 3.1.1)'),
  RUN_NO_ROLLOUT_CONTROL: bad('msp-twin run: the timeline starts, pauses, resumes or cancels a rollout, but the run has no platform in the loop to carry it out'),
  RUN_OUTAGE_EXTERNAL: bad('msp-twin run: --broker-outage needs a broker the harness controls'),
  RUN_OUTAGE_REALTIME: bad('msp-twin run: --broker-outage needs lockstep mode'),
  RUN_SHARD_EXITED: bug('msp-twin run --shards: a shard process exited before the run ended (its last stderr lines are in the message)'),
  RUN_SHARD_FAILED: bug('msp-twin run --shards: a shard process reported an error'),
  RUN_SHARD_PROTOCOL: bug('msp-twin run --shards: a shard wrote outside a step or answered out of turn (a bug)'),
  RUN_SHARD_TIMEOUT: bug('msp-twin run --shards: a shard process did not answer a step in time (hung)'),
  RUN_SHARDS: bad('msp-twin run --shards: the run asks for something a sharded run cannot do yet (docs/scale-out.md names what)'),
  RUN_SPEED: bad('msp-twin run: --speed is not a positive number'),
  RUN_STEP_TIMEOUT: bad('msp-twin run: --step-timeout is not a positive duration'),
  RUN_TLS_FILE: bad('msp-twin run: a --ca/--cert/--key file cannot be read'),
  RUN_VIEW_BROKER: bad('msp-twin run: --view needs the embedded broker or a ws:// broker'),
  RUN_VIEW_MEMORY: bad('msp-twin run: --view needs an MQTT transport'),
  SCENARIO_MISSING_KEY: bad('scenario file: a required key is missing'),
  SCENARIO_READ: bad('scenario file: it cannot be read'),
  SCENARIO_TYPE: bad('scenario file: a value has the wrong type'),
  SCENARIO_UNKNOWN_KEY: bad('scenario file: a key is not known (with a did-you-mean)'),
  SCENARIO_VALUE: bad('scenario file: a value is out of range or inconsistent'),
  SCENARIO_YAML: bad('scenario file: it is not valid YAML'),
  SIM_BOUND_EXCEEDED: bug('a loop or queue hit its limit: a bug or a runaway scenario'),
  SIM_INVALID_ARGUMENT: bug('the simulator was called with an invalid argument'),
  SIM_INVALID_TOPOLOGY: bad('the fleet description does not make a valid topology'),
  SIM_TIME_TRAVEL: bug('an event was scheduled in the past'),
  SIM_UNKNOWN_MODEL: bad('a device model is not in the catalog'),
  STATE_NOT_DATA: bug('platform state: something that is not plain data was put in a snapshot'),
  STATE_RESTORE_NOT_FRESH: bug('platform state: a snapshot was restored into a platform that had already run, or mid-input'),
  STORE_CORRUPT: bad('platform store: the database file is damaged (SQLite integrity check); verify, then --repair'),
  STORE_IO: bad('platform store: the --data directory or its database cannot be read or written'),
  STORE_JOURNAL_GAP: bad('platform store: a journal record after the newest snapshot is missing; --repair drops the tail from the gap'),
  STORE_LOCKED: bad('platform store: the --data directory is held by another running platform'),
  STORE_NEWER_SCHEMA: bad('platform store: written by a newer msp-twin (store schema version above this one)'),
  STORE_OLDER_SCHEMA: bad('platform store: written in an older store schema; a start migrates it (verify reads only the current schema)'),
  STORE_NOT_A_STORE: bad('platform store: the database file is not a platform store'),
  STORE_RECORD_CORRUPT: bad('platform store: a journal record fails its checksum or cannot be read; --repair drops it and the tail after it'),
  STORE_REPLAY_DIVERGED: bug('platform store: replaying the journal decided something other than what it holds (store and platform version disagree)'),
  STORE_SNAPSHOT_CORRUPT: bad('platform store: the newest snapshot fails its checksum or cannot be read; --repair falls back to the previous one'),
  TRANSPORT_CONNECT: net('the harness could not connect to the broker (refused, unreachable or no answer within 8 s)'),
  TRANSPORT_MOSQUITTO_START: net('--broker mosquitto: the Mosquitto process did not start or accept connections'),
  TRANSPORT_NO_MOSQUITTO: bad('--broker mosquitto: the mosquitto program is not installed'),
  TRANSPORT_SESSION: net('the broker did not keep the platform\'s persistent session (clean: false) across a platform restart'),
  TRANSPORT_SUBSCRIBE: net('the broker refused the platform\'s or the sim\'s subscription (ACL)'),
  TRANSPORT_SYNC: net('the platform\'s subscription did not deliver the sim\'s probe in time'),
  VIEWER_BENCH_PAGE: bug('viewer bench: the page reported an error'),
  VIEWER_BENCH_STATIC: bug('viewer bench: the static server could not start'),
  VIEW_API_URL: bad('msp-twin view: --api is not an http(s) origin'),
  VIEW_BROKER_REQUIRED: bad('msp-twin view --live needs --broker'),
  VIEW_BROKER_WS: bad('msp-twin view --live needs a ws:// or wss:// broker'),
  VIEW_BUILD_FAILED: bug('msp-twin view: the viewer bundle failed to build'),
  VIEW_BUILD_LOCKED: bug('msp-twin view: another process holds the viewer build lock'),
  VIEW_MODE: bad('msp-twin view: give exactly one of --trace or --live'),
  VIEW_NOT_BUILT: bad('msp-twin view: the viewer bundle is missing and cannot be built here'),
  VIEW_PORT_IN_USE: bad('msp-twin view: the port is already in use'),
  VIEW_TOPOLOGY: bad('msp-twin view: the run directory has no usable topology.json'),
  VIEW_TRACE_MISSING: bad('msp-twin view: the run directory has no trace'),
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function exitClassOf(code: string): ExitClass {
  return (ERROR_CODES as Record<string, CodeInfo>)[code]?.exit ?? 'internal';
}

/**
 * The base of every error msp-twin raises on purpose. `message` is one line a person can act on;
 * the code follows it in parentheses so a log line is searchable.
 */
export class MspError extends Error {
  readonly code: string;
  readonly exit: ExitClass;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exit?: ExitClass; code_in_message?: boolean }) {
    const text = options?.code_in_message === false ? message : `${message} (${code})`;
    super(text, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'MspError';
    this.code = code;
    this.exit = options?.exit ?? exitClassOf(code);
  }
}
