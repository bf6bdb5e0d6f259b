import type { HookRequest, Hooks } from '../ports/hooks.js';
import { ProtocolError } from '../protocol/errors.js';

/** The hooks `switchboard serve` can send to HOOK_URL. */
export const HOOK_NAMES = ['join', 'say', 'emit'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** Settings of the HTTP hooks. */
export interface HttpHooksOptions {
  /** Where each hook is POSTed (HOOK_URL). */
  url: string;
  /** Which of join, say, emit are asked (HOOK_ON). */
  on: readonly HookName[];
  /** Custom events the backend answers with a reply instead of a relay (HOOK_EVENTS). */
  events: readonly string[];
  /** How long the backend may take, ms (HOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** Sent as `Authorization: Bearer …` so the backend knows the caller (HOOK_TOKEN). */
  token?: string | undefined;
  /** Told when the backend fails (down, timeout, bad answer); the request gets `hook_unavailable`. */
  onError?: (error: unknown) => void;
}

/** Largest answer read from the backend. */
const MAX_ANSWER_BYTES = 256 * 1024;

/**
 * The Hooks port as HTTP calls: each hook POSTs `{hook, ns, room, sender, …}` as JSON to HOOK_URL and the
 * JSON answer is the verdict (`{"action":"allow"}`, `{"action":"refuse","reason":…}`, `{"action":"rewrite",…}`;
 * for an event handler, `{"reply":…}`). A backend that is down, slow or answers anything else fails closed:
 * the request is answered `hook_unavailable`.
 */
export function createHttpHooks(options: HttpHooksOptions): Hooks {
  const call = (hook: string, body: Record<string, unknown>) => post(options, hook, body);
  const hooks: Hooks = {};
  if (options.on.includes('join'))
    hooks.join = (r) => call('join', wire(r)) as ReturnType<NonNullable<Hooks['join']>>;
  if (options.on.includes('say'))
    hooks.say = (r) => call('say', { ...wire(r), text: r.text }) as ReturnType<NonNullable<Hooks['say']>>;
  if (options.on.includes('emit'))
    hooks.emit = (r) =>
      call('emit', { ...wire(r), event: r.event, data: r.data }) as ReturnType<NonNullable<Hooks['emit']>>;
  if (options.events.length > 0) {
    const handlers: Record<string, NonNullable<Hooks['events']>[string]> = {};
    for (const event of options.events) {
      handlers[event] = async (r) => {
        const answer = await call('event', { ...wire(r), event: r.event, data: r.data });
        // A refusal passes as it is; anything else must carry the reply.
        if ((answer as { action?: unknown }).action === 'refuse') return answer;
        return (answer as { reply?: unknown }).reply ?? null;
      };
    }
    hooks.events = handlers;
  }
  return hooks;
}

/** What the backend is told of a request: no token, only the identity's subject and claims it needs. */
function wire(request: HookRequest): Record<string, unknown> {
  const { sender } = request;
  return {
    ns: request.ns,
    room: request.room,
    sender: {
      session: sender.session,
      nick: sender.nick,
      transport: sender.transport,
      ...(sender.identity ? { subject: sender.identity.subject } : {}),
    },
  };
}

async function post(options: HttpHooksOptions, hook: string, body: Record<string, unknown>): Promise<object> {
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-switchboard-hook': hook,
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: JSON.stringify({ hook, ...body }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw unavailable(
      options,
      error,
      timedOut(error) ? `did not answer in ${options.timeoutMs} ms` : 'could not be reached',
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw unavailable(
      options,
      new Error(`HOOK_URL answered ${response.status}`),
      `answered HTTP ${response.status}`,
    );
  }
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_ANSWER_BYTES) {
    await response.body?.cancel();
    throw unavailable(options, new Error(`HOOK_URL answer of ${length} bytes`), 'answered too much');
  }
  let answer: unknown;
  try {
    answer = await response.json();
  } catch (error) {
    throw unavailable(options, error, 'did not answer JSON');
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw unavailable(options, new Error('HOOK_URL answered a non-object'), 'did not answer a JSON object');
  }
  return answer;
}

function timedOut(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function unavailable(options: HttpHooksOptions, error: unknown, what: string): ProtocolError {
  options.onError?.(error);
  return new ProtocolError(
    'hook_unavailable',
    `The server logic (HOOK_URL) ${what}; the request was not carried out.`,
  );
}
