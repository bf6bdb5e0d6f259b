import { type HookRequest, isRefusal, REASON_RE } from '../ports/hooks.js';
import { ProtocolError } from '../protocol/errors.js';
import type { Session } from './session.js';

/** What a hook is shown of a session's request in `room`. */
export function hookRequest(s: Session, room: string): HookRequest {
  return {
    ns: s.ns?.name ?? '/',
    room,
    sender: { session: s.id, nick: s.nick, identity: s.identity, transport: s.transport },
  };
}

/**
 * Asks a hook and applies its verdict. The frames the connection sends meanwhile wait, and `apply` starts
 * its action (an append, a publish) before they run, so a connection's requests keep their order whatever
 * the hook's latency. A hook that throws is the application's failure: reported, answered `internal`
 * (or the ProtocolError it threw, such as `hook_unavailable` from HOOK_URL).
 */
export async function underHook<V>(
  s: Session,
  ask: () => V | Promise<V>,
  apply: (verdict: V) => void | Promise<void>,
): Promise<void> {
  s.hold();
  let verdict: V;
  try {
    verdict = await ask();
  } catch (error) {
    s.release();
    if (error instanceof ProtocolError) throw error;
    s.hub.options.onError?.(error, 'hook');
    throw new ProtocolError('internal', 'The server logic failed while deciding on the request.');
  }
  let applied: void | Promise<void>;
  try {
    if (s.isClosed) return;
    const refusal = refusalOf(verdict);
    if (refusal) {
      s.hub.options.observer?.refused('refused', s.transport);
      throw refusal;
    }
    applied = apply(verdict);
  } finally {
    s.release();
  }
  await applied;
}

/** The error a refusal verdict becomes, or undefined when the verdict is not a refusal. */
function refusalOf(verdict: unknown): ProtocolError | undefined {
  if (!isRefusal(verdict)) return undefined;
  const reason =
    typeof verdict.reason === 'string' && REASON_RE.test(verdict.reason) ? verdict.reason : undefined;
  const message =
    typeof verdict.message === 'string' && verdict.message.length > 0
      ? verdict.message.slice(0, 200)
      : 'The server refused this request.';
  return new ProtocolError('refused', message, reason);
}

/** The replacement a `rewrite` verdict carries under `field`, or undefined for any other verdict. */
export function rewritten(verdict: unknown, field: 'text' | 'data'): { value: unknown } | undefined {
  if (typeof verdict !== 'object' || verdict === null) return undefined;
  const v = verdict as Record<string, unknown>;
  return v.action === 'rewrite' && Object.hasOwn(v, field) ? { value: v[field] } : undefined;
}
