/**
 * The text/event-stream side of the SSE transport: pure encoding of events and parsing of the cursor a
 * reconnecting stream names. No sockets here.
 */

/** How long a browser's EventSource waits before reconnecting by itself, ms (sent as `retry:`). */
export const RETRY_MS = 1000;

/** The first bytes of every stream: the reconnect delay, then the `session` event naming the stream. */
export function openingEvent(stream: string, heartbeatMs: number): string {
  return `retry: ${RETRY_MS}\nevent: session\ndata: ${JSON.stringify({ stream, heartbeatMs })}\n\n`;
}

/**
 * One protocol frame as an event whose `id:` is the cursor `STREAM:N` (the frame's number on this stream),
 * so a browser that reconnects sends it back as `Last-Event-ID`. An encoded frame is one JSON text with no
 * raw line breaks, so it is always one `data:` line.
 */
export function frameEvent(stream: string, n: number, frame: string): string {
  return `${idField(stream, n)}${dataField(frame)}`;
}

/** The `id:` line of frame `n`'s event: the part of the event that is this stream's own. */
export function idField(stream: string, n: number): string {
  return `id: ${stream}:${n}\n`;
}

/** The `data:` line and blank line of a frame's event: the same for every stream the frame goes to. */
export function dataField(frame: string): string {
  return `data: ${frame}\n\n`;
}

/** The `id: ` and `:` around the stream id, `\n`, then `data: `, and the `\n\n` closing the event. */
const EVENT_OVERHEAD = 'id: :\ndata: \n\n'.length;

/** `frameEvent(stream, n, frame).length`, without building the event. */
export function eventLength(stream: string, n: number, frame: string): number {
  return EVENT_OVERHEAD + stream.length + String(n).length + frame.length;
}

/** A heartbeat: an SSE comment, which keeps proxies from timing the stream out and is never dispatched. */
export const HEARTBEAT = ':\n\n';

/** A cursor taken apart: which stream, and the number of the last frame the client has. */
export interface Cursor {
  stream: string;
  n: number;
}

/** Parses `STREAM:N` from `Last-Event-ID` (or the `lastEventId` query parameter); undefined when malformed. */
export function parseCursor(value: string | undefined): Cursor | undefined {
  if (value === undefined) return undefined;
  const match = /^([A-Za-z0-9_-]{1,64}):(\d{1,15})$/.exec(value.trim());
  if (!match) return undefined;
  return { stream: match[1] as string, n: Number(match[2]) };
}

/** Splits a POST body into frames: one per line (LF or CRLF); empty lines are skipped. */
export function splitFrames(body: string): string[] {
  const frames: string[] = [];
  for (const line of body.split('\n')) {
    const frame = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (frame.length > 0) frames.push(frame);
  }
  return frames;
}
