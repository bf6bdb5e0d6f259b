/** A server frame as text mode reads it. */
export type Frame = { type: string; [key: string]: unknown };

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));

/** Control characters other people sent are shown escaped so they cannot drive the reader's terminal. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Text from other people, made safe for a terminal line. */
export function clean(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\n' ? ' / ' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * The line for a server event (not an ack) in text mode, or undefined when a person need not see it.
 * Messages read `[lobby] alice: hello`; notices start with `*`, problems with `!`.
 */
export function renderEvent(frame: Frame): string | undefined {
  switch (frame.type) {
    case 'message':
      return `[${str(frame.room)}] ${clean(str(frame.from))}: ${clean(str(frame.text))}`;
    case 'presence': {
      const nick = clean(str(frame.nick));
      const here = `(${str(frame.members)} here)`;
      if (frame.renamed !== undefined) {
        // A rename arrives as a leave and a join; one line tells it.
        return frame.event === 'leave' ? `* ${nick} is now ${clean(str(frame.renamed))}` : undefined;
      }
      return frame.event === 'join'
        ? `* ${nick} joined ${str(frame.room)} ${here}`
        : `* ${nick} left ${str(frame.room)} ${here}`;
    }
    case 'event':
      return `[${str(frame.room)}] * ${clean(str(frame.from))} ${clean(str(frame.event))} ${clean(JSON.stringify(frame.data) ?? '')}`;
    case 'error':
      return `! ${str(frame.code)}: ${str(frame.message)}`;
    case 'gap':
      return frame.reason === 'epoch'
        ? `! [${str(frame.room)}] the history was reset; earlier messages are gone`
        : `! [${str(frame.room)}] messages ${str(frame.from)} to ${str(frame.to)} are no longer available`;
    case 'bye':
      return `* bye (${str(frame.code)}): ${str(frame.message)}`;
    case 'transport':
    case 'resumed':
      return undefined;
    default:
      return JSON.stringify(frame);
  }
}
