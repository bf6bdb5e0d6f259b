import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MIN_SECRET_BYTES } from '../auth/claims.js';
import { HOOK_NAMES } from './http-hooks.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every setting of the gateway, with its default and its `description` (which `switchboard serve --help`
 * prints). Each key is read from the environment variable of the
 * same name in UPPER_SNAKE case (`maxFrameBytes` → `MAX_FRAME_BYTES`) and from the `switchboard serve`
 * flag in kebab case (`--max-frame-bytes`); a flag wins over the environment.
 */
export const ConfigSchema = Type.Object({
  port: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 3000,
    description: 'HTTP port for the page, the REST API, engine.io and raw WebSocket; 0 picks a free one.',
  }),
  host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address to listen on.' }),
  historyLimit: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 1000,
    description: 'Messages kept per room.',
  }),
  maxFrameBytes: Type.Integer({
    minimum: 1024,
    maximum: 16 * 1024 * 1024,
    default: 65536,
    description: 'Largest inbound frame in bytes.',
  }),
  ratePerSec: Type.Number({
    minimum: 0,
    default: 20,
    description: 'Sustained inbound frames per second per connection; 0 turns rate limiting off.',
  }),
  rateBurst: Type.Integer({
    minimum: 0,
    default: 40,
    description: 'Frames a connection may send at once before the rate applies.',
  }),
  maxBufferBytes: Type.Integer({
    minimum: 65536,
    default: 4 * 1024 * 1024,
    description: 'Bytes queued for one connection before it is dropped as a slow consumer.',
  }),
  // Structure limits (docs/configuration.md says why each default): what one client can make the process hold.
  maxRoomsPerSession: Type.Integer({
    minimum: 1,
    default: 100,
    description:
      'Rooms one session may be in; a join past it gets `too_many_rooms`, a resume keeps the first ones.',
  }),
  maxMembersPerRoom: Type.Integer({
    minimum: 1,
    default: 10000,
    description: 'Members one room may have over every node; a join past it gets `room_full`.',
  }),
  maxRooms: Type.Integer({
    minimum: 1,
    default: 100000,
    description:
      'Rooms this process holds (with members, or idle with their history); past it the longest-idle room is freed, or with none idle a join gets `server_full`.',
  }),
  maxNamespaces: Type.Integer({
    minimum: 1,
    default: 1000,
    description:
      'Namespaces with sessions on this process; a hello into a new one past it gets `server_full`.',
  }),
  presenceGraceMs: Type.Integer({
    minimum: 0,
    default: 10000,
    description:
      'How long a session whose connection dropped stays present (rooms, nick) for a resume, ms; a `quit` leaves at once; 0 leaves at once on any close.',
  }),
  roomIdleTtlMs: Type.Integer({
    minimum: 0,
    default: 600000,
    description:
      'How long a room without members keeps its state and in-memory history, ms; 0 keeps it until MAX_ROOMS needs the space.',
  }),
  replayPage: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 100,
    description:
      'Messages a resume replays per room at once to a client with cap `pages`; it pulls the rest.',
  }),
  apiToken: Type.Optional(
    Type.String({
      minLength: 8,
      description: 'Bearer token that enables POST /api/rooms/:room/messages; unset disables it.',
    }),
  ),
  authSecret: Type.Optional(
    Type.String({
      description:
        'HMAC key (at least 32 bytes) of the built-in token verifier: set, every hello needs a valid HS256 JWT (docs/security.md); unset, no authentication unless a plugin passes its own.',
    }),
  ),
  logLevel: Type.Union(
    LOG_LEVELS.map((l) => Type.Literal(l)),
    { default: 'info', description: 'Log level.' },
  ),
  transports: Type.Array(Type.String({ minLength: 1 }), {
    default: ['engineio', 'rawws', 'sse'],
    description: 'Transports to start, comma-separated: engineio, rawws, sse, tcp.',
  }),
  tcpPort: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 7000,
    description: 'TCP lines port; setting it also enables the tcp transport.',
  }),
  tcpLineTimeoutMs: Type.Integer({
    minimum: 1,
    default: 30000,
    description:
      'TCP: how long a line may take from its first byte to its end before the peer is dropped, ms.',
  }),
  allowedOrigins: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      "Origins allowed to connect, comma-separated; empty allows the server's own origin (its Host) and localhost/127.0.0.1 on any port. A handshake without Origin (not a browser) is admitted.",
  }),
  // Admission at the handshake (docs/security.md): checked before a session exists, on every transport.
  maxConnectionsPerIp: Type.Integer({
    minimum: 0,
    default: 100,
    description:
      'Open connections one client address may hold (429 `too_many_connections` past it); 0 is no cap.',
  }),
  maxConnections: Type.Integer({
    minimum: 0,
    default: 10000,
    description: 'Open connections the process may hold (503 `server_full` past it); 0 is no cap.',
  }),
  handshakesPerIpPerSec: Type.Number({
    minimum: 0,
    default: 20,
    description:
      'Sustained handshakes per second per client address (429 `rate_limited` past it); 0 is no limit.',
  }),
  handshakeBurst: Type.Integer({
    minimum: 1,
    default: 40,
    description: 'Handshakes one client address may make at once before HANDSHAKES_PER_IP_PER_SEC applies.',
  }),
  trustProxy: Type.Boolean({
    default: false,
    description:
      "Take the client address from the first X-Forwarded-For hop (behind a proxy you run); false uses the socket's.",
  }),
  helloTimeoutMs: Type.Integer({
    minimum: 0,
    default: 10000,
    description:
      'A connection that sends no hello within this long gets `bye hello_timeout` and is closed, ms; 0 is off.',
  }),
  websocket: Type.Boolean({
    default: true,
    description:
      'Accept WebSocket connections and upgrades; `false` refuses them (for proxies that break them).',
  }),
  pingIntervalMs: Type.Integer({
    minimum: 5,
    default: 25000,
    description:
      'Heartbeat interval, ms: engine.io pings, and raw WebSocket pings (a peer silent for two is dropped).',
  }),
  pingTimeoutMs: Type.Integer({
    minimum: 5,
    default: 20000,
    description: 'engine.io heartbeat timeout, ms.',
  }),
  redisUrl: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description:
        'Redis for scale-out (history, message log, bus, presence); unset runs the single-process default.',
    }),
  ),
  nodeId: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9-]{1,32}$',
      description:
        "This node's id in the cluster (in engine.io session ids and presence records); unset picks a random one.",
    }),
  ),
  workers: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 1,
    description:
      'Processes on the same ports (node:cluster); more than 1 needs REDIS_URL. Each worker is a node of its own.',
  }),
  advertiseUrl: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description:
        'The URL other nodes reach this one at, for forwarded polling requests; unset means http://HOST:PORT.',
    }),
  ),
  // Server logic over HTTP (docs/server-api.md).
  hookUrl: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description:
        'Backend that decides on join, say and emit and answers custom events: each is POSTed here as JSON (docs/server-api.md).',
    }),
  ),
  hookOn: Type.Array(Type.Union(HOOK_NAMES.map((h) => Type.Literal(h))), {
    default: [...HOOK_NAMES],
    description: 'Which requests HOOK_URL is asked about, comma-separated: join, say, emit.',
  }),
  hookEvents: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
    default: [],
    description:
      "Custom events HOOK_URL answers (the reply goes in the sender's ack) instead of their relay to the room, comma-separated.",
  }),
  hookTimeoutMs: Type.Integer({
    minimum: 1,
    default: 2000,
    description: 'How long HOOK_URL may take to answer, ms; past it the request gets `hook_unavailable`.',
  }),
  hookToken: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'Sent to HOOK_URL as `Authorization: Bearer …`, so the backend knows the gateway called.',
    }),
  ),
  // HTTP bounds (docs/security.md): what a socket of the HTTP port may hold and for how long.
  connectionTimeoutMs: Type.Integer({
    minimum: 0,
    default: 60000,
    description:
      'HTTP: a socket with no bytes moving either way for this long is destroyed, ms; above PING_INTERVAL_MS.',
  }),
  requestTimeoutMs: Type.Integer({
    minimum: 0,
    default: 30000,
    description:
      'HTTP: a request (headers and body) must have arrived within this long of its first byte, ms.',
  }),
  keepAliveTimeoutMs: Type.Integer({
    minimum: 1,
    default: 10000,
    description: 'HTTP: an idle keep-alive socket is closed after this long between requests, ms.',
  }),
  // Unlimited by default: every long-poll is a request, so a cap recycles each polling client's socket every N
  // polls, and the members of one busy room reach it together (a reconnect storm in their latency).
  maxRequestsPerSocket: Type.Integer({
    minimum: 0,
    default: 0,
    description:
      'HTTP: requests served on one socket before it is closed (the last answer says `Connection: close`); 0 is unlimited.',
  }),
  maxPipelinedRequests: Type.Integer({
    minimum: 1,
    default: 8,
    description:
      'HTTP: requests of one socket in flight at once (pipelined, not yet answered) before it is destroyed.',
  }),
  responseWriteTimeoutMs: Type.Integer({
    minimum: 1,
    default: 30000,
    description:
      'HTTP: a response must be taken by the peer within this long of being sent, or its socket is destroyed, ms.',
  }),
  metrics: Type.Boolean({
    default: true,
    description:
      'Serve GET /metrics (Prometheus text: connections, frames, errors, refusals, latencies; no message text).',
  }),
  metricsToken: Type.Optional(
    Type.String({
      minLength: 8,
      description:
        'Bearer token GET /metrics requires (401 `unauthorized` without it); unset leaves it open.',
    }),
  ),
  historyBytesPerSec: Type.Integer({
    minimum: 1024,
    default: 1024 * 1024,
    description:
      'Bytes of history served per second per client address over REST (429 `rate_limited` past it).',
  }),
});

/** The gateway's configuration. */
export type Config = Static<typeof ConfigSchema>;
type Key = keyof Config;

/** A configuration error: one line naming the bad value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const KEYS = Object.keys(ConfigSchema.properties) as Key[];
const LIST_KEYS = new Set<Key>(['transports', 'allowedOrigins', 'hookOn', 'hookEvents']);

/** `maxFrameBytes` → `MAX_FRAME_BYTES`. */
export function envName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/** `maxFrameBytes` → `--max-frame-bytes`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Parses `--flag value` and `--flag=value` pairs; unknown flags are an error. */
function parseFlags(argv: readonly string[]): Map<Key, { raw: string; from: string }> {
  const byFlag = new Map(KEYS.map((k) => [flagName(k), k]));
  const out = new Map<Key, { raw: string; from: string }>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const key = byFlag.get(flag);
    if (!key) throw new ConfigError(`Unknown option ${flag} (see switchboard serve --help).`);
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new ConfigError(`Option ${flag} needs a value.`);
    out.set(key, { raw, from: flag });
  }
  return out;
}

function convert(key: Key, raw: string): unknown {
  if (LIST_KEYS.has(key)) {
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }
  if (ConfigSchema.properties[key].type === 'boolean') {
    if (/^(1|true|on|yes)$/i.test(raw)) return true;
    if (/^(0|false|off|no)$/i.test(raw)) return false;
    return raw;
  }
  const schema = ConfigSchema.properties[key];
  if (schema.type === 'integer' || schema.type === 'number') return raw.trim() === '' ? raw : Number(raw);
  return raw;
}

/** Builds the configuration from environment variables, then flags, then overrides; throws ConfigError. */
export function loadConfig(
  env: Record<string, string | undefined> = {},
  argv: readonly string[] = [],
  overrides: Partial<Config> = {},
): Config {
  const flags = parseFlags(argv);
  const config: Record<string, unknown> = {};
  const source = new Map<string, string>();
  for (const key of KEYS) {
    const name = envName(key);
    const fromEnv = env[name];
    const flag = flags.get(key);
    if (flag) {
      config[key] = convert(key, flag.raw);
      source.set(key, `${flag.from}=${flag.raw}`);
    } else if (fromEnv !== undefined && fromEnv !== '') {
      config[key] = convert(key, fromEnv);
      source.set(key, `${name}=${fromEnv}`);
    }
  }
  Object.assign(config, overrides);
  if ((env.TCP_PORT || flags.has('tcpPort')) && !overrides.transports) {
    const list = (config.transports as string[] | undefined) ?? ['engineio', 'rawws', 'sse'];
    if (!list.includes('tcp')) config.transports = [...list, 'tcp'];
  }
  const withDefaults = Value.Default(ConfigSchema, config);
  const first = Value.Errors(ConfigSchema, withDefaults).First();
  if (first) {
    const key = first.path.split('/')[1] ?? '';
    const given = source.get(key) ?? `${key}=${JSON.stringify(config[key])}`;
    const allowed = allowedValues(ConfigSchema.properties[key as Key]);
    const why = allowed ? `expected one of ${allowed.join(', ')}` : first.message.toLowerCase();
    throw new ConfigError(`Invalid configuration ${given}: ${why}.`);
  }
  const result = withDefaults as Config;
  // Checked here, not by the schema, so that the one-line error never prints the secret itself.
  if (result.authSecret !== undefined) {
    const bytes = Buffer.byteLength(result.authSecret, 'utf8');
    if (bytes < MIN_SECRET_BYTES) {
      throw new ConfigError(
        `Invalid configuration AUTH_SECRET: it must be at least ${MIN_SECRET_BYTES} bytes for HS256, got ${bytes}.`,
      );
    }
  }
  // An idle long-poll moves no bytes until the next ping: a shorter idle timeout would cut every one.
  if (result.connectionTimeoutMs !== 0 && result.connectionTimeoutMs <= result.pingIntervalMs) {
    throw new ConfigError(
      `Invalid configuration CONNECTION_TIMEOUT_MS=${result.connectionTimeoutMs}: it must be 0 or longer than PING_INTERVAL_MS (${result.pingIntervalMs}), which an idle long-poll waits.`,
    );
  }
  return result;
}

/** Every setting for --help: its flag, its variable and its default, then what it does. */
export function describeConfig(): string[] {
  return KEYS.flatMap((key) => {
    const schema = ConfigSchema.properties[key] as { default?: unknown; description?: string };
    const def = schema.default === undefined ? 'unset' : formatDefault(schema.default);
    return [`  ${flagName(key)} (${envName(key)}, default ${def})`, `      ${schema.description ?? ''}`];
  });
}

function formatDefault(value: unknown): string {
  return Array.isArray(value) ? value.join(',') || 'empty' : String(value);
}

/** The literals a union of literals allows, for an error that lists them; undefined for other schemas. */
function allowedValues(schema: unknown): string[] | undefined {
  const anyOf = (schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (!anyOf?.every((s) => s.const !== undefined)) return undefined;
  return anyOf.map((s) => String(s.const));
}
