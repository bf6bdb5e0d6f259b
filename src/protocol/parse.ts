import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { ProtocolError } from './errors.js';
import { CLIENT_FRAMES, type ClientFrame } from './schemas.js';

const CHECKS: Record<string, TypeCheck<TSchema>> = Object.fromEntries(
  Object.entries(CLIENT_FRAMES).map(([type, schema]) => [type, TypeCompiler.Compile(schema as TSchema)]),
);

/** The outcome of parsing one inbound frame: the frame, or an error to answer with (and the id to answer). */
export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; error: ProtocolError; id?: number };

/** Parses and validates one inbound text frame against the v1 schemas. */
export function parseFrame(text: string, maxFrameBytes: number): ParseResult {
  if (
    text.length > maxFrameBytes ||
    (text.length * 3 > maxFrameBytes && Buffer.byteLength(text) > maxFrameBytes)
  ) {
    const error = new ProtocolError('frame_too_large', `Frames are limited to ${maxFrameBytes} bytes.`);
    return { ok: false, error, id: text.length <= maxFrameBytes * 4 ? idOf(text) : undefined };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: new ProtocolError('bad_frame', 'The frame is not valid JSON.') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: new ProtocolError('bad_frame', 'A frame must be a JSON object.') };
  }
  const record = value as Record<string, unknown>;
  const id = validId(record.id);
  const type = record.type;
  if (typeof type !== 'string') {
    return { ok: false, error: new ProtocolError('bad_frame', 'A frame needs a string field "type".'), id };
  }
  if (!Object.hasOwn(CHECKS, type)) {
    return {
      ok: false,
      error: new ProtocolError('unknown_type', `Unknown frame type "${type.slice(0, 64)}".`),
      id,
    };
  }
  const check = CHECKS[type] as TypeCheck<TSchema>;
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    const where = first?.path ? `${first.path}: ` : '';
    const message = `Bad "${type}" frame: ${where}${first?.message ?? 'invalid'}.`;
    return { ok: false, error: new ProtocolError('bad_frame', message), id };
  }
  return { ok: true, frame: value as ClientFrame };
}

function validId(id: unknown): number | undefined {
  return Number.isSafeInteger(id) && (id as number) > 0 ? (id as number) : undefined;
}

/** The request id of a frame too large to handle, so that its error can still name it. */
function idOf(text: string): number | undefined {
  try {
    return validId((JSON.parse(text) as { id?: unknown } | null)?.id);
  } catch {
    return undefined;
  }
}
