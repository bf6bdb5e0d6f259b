import type { EngineMode } from '../client/wires/engine.js';

/** The options of `switchboard chat`. */
export interface ChatArgs {
  url: string;
  nick: string | undefined;
  room: string;
  transport: EngineMode;
  /** First reconnect delay, ms. */
  retryMs: number;
  /** Namespace. */
  ns: string | undefined;
  /** Connection attempts in a row that may fail before giving up; undefined tries for ever. */
  tries: number | undefined;
}

/** Attempts in a row before `chat` gives up when its input is not a terminal (a script must not hang). */
export const PIPED_TRIES = 5;

/** A command line `switchboard chat` cannot use, with a one-line reason. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const CHAT_USAGE = `Usage: switchboard chat URL [options]
  URL is tcp://HOST:7000 (TCP lines), ws://HOST:3000/ws (raw WebSocket) or http://HOST:3000 (engine.io).
  --nick NAME    the nick to ask for (default: the server picks a free one)
  --room ROOM    the room to join and talk in first (default lobby)
  --ns NS        the namespace (default /)
  --transport T  for http:// URLs: websocket (default) or polling (HTTP long-polling)
  --retry-ms N   first reconnect delay in ms (doubles up to 15 s, with jitter; default 500)
  --tries N      connection attempts in a row that may fail before giving up (default: for ever from
                 a terminal, ${PIPED_TRIES} when input is piped)
Lines you type are said in the current room; /help lists the commands.
`;

const FLAGS = new Set(['--nick', '--room', '--transport', '--retry-ms', '--ns', '--tries']);

/** Parses `switchboard chat` arguments (`piped`: input is not a terminal); throws UsageError. */
export function parseChatArgs(argv: readonly string[], piped = false): ChatArgs {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (!FLAGS.has(flag)) throw new UsageError(`Unknown option ${flag}.`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`Option ${flag} needs a value.`);
    values.set(flag, value);
  }
  const [url, ...extra] = positional;
  if (url === undefined) throw new UsageError('Give the URL to connect to.');
  if (extra.length > 0) throw new UsageError(`Unexpected argument ${extra[0]}.`);
  const transport = values.get('--transport') ?? 'websocket';
  if (transport !== 'websocket' && transport !== 'polling') {
    throw new UsageError(`--transport must be websocket or polling, not ${transport}.`);
  }
  const retryMs = Number(values.get('--retry-ms') ?? 500);
  if (!Number.isInteger(retryMs) || retryMs < 1)
    throw new UsageError('--retry-ms must be a positive integer.');
  const triesRaw = values.get('--tries');
  const tries = triesRaw === undefined ? (piped ? PIPED_TRIES : undefined) : Number(triesRaw);
  if (tries !== undefined && (!Number.isInteger(tries) || tries < 1))
    throw new UsageError('--tries must be a positive integer.');
  return {
    url,
    nick: values.get('--nick'),
    room: values.get('--room') ?? 'lobby',
    transport,
    retryMs,
    ns: values.get('--ns'),
    tries,
  };
}
