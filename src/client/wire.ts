/** The wire under a client: text frames out and in, and a close. One implementation per transport. */
export interface Wire {
  send(text: string): void;
  close(): void;
  /** Registers the one handler of inbound frames; frames that arrived before it are handed over first. */
  onText(handler: (text: string) => void): void;
  /** Registers the one close handler; called at once when the wire is already closed. */
  onClose(handler: () => void): void;
  /** The transport name as the client sees it. */
  transport(): string;
}

/** What a concrete wire provides; `makeWire` adds the early-frame buffering every wire needs. */
export interface WireParts {
  send(text: string): void;
  close(): void;
  transport(): string;
}

/** The sink a transport feeds with what it receives. */
export interface WireSink {
  text(text: string): void;
  closed(): void;
}

/**
 * Builds a Wire from its parts. Frames can arrive in the same read as the handshake, before anyone
 * listens: they are held until `onText` is called, so a client never misses its first frames.
 */
export function makeWire(parts: WireParts): { wire: Wire; sink: WireSink } {
  const early: string[] = [];
  let onText: ((text: string) => void) | undefined;
  let onClose: (() => void) | undefined;
  let closed = false;
  const sink: WireSink = {
    text: (text) => (onText ? onText(text) : early.push(text)),
    closed: () => {
      if (closed) return;
      closed = true;
      onClose?.();
    },
  };
  const wire: Wire = {
    send: (text) => parts.send(text),
    close: () => parts.close(),
    transport: () => parts.transport(),
    onText: (handler) => {
      onText = handler;
      for (const text of early.splice(0)) handler(text);
    },
    onClose: (handler) => {
      onClose = handler;
      if (closed) handler();
    },
  };
  return { wire, sink };
}

/** A handshake the server refused before any session (docs/protocol.md, "Handshake refusals"). */
export class HandshakeRefused extends Error {
  override name = 'HandshakeRefused';
  constructor(
    readonly status: number,
    readonly code: string,
    /** The server's own message, without the prefix. */
    readonly detail: string,
  ) {
    super(`refused at the handshake: ${status} ${code}: ${detail}`);
  }

  /** The refusal an HTTP answer carries (`{ code, message }`), or undefined when it is not one. */
  static from(status: number, body: string): HandshakeRefused | undefined {
    if (status < 400) return undefined;
    try {
      const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
      return typeof parsed.code === 'string'
        ? new HandshakeRefused(status, parsed.code, String(parsed.message ?? ''))
        : undefined;
    } catch {
      return undefined;
    }
  }
}
