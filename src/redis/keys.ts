/**
 * Key and channel names. Every key of one room shares the hash tag `{ns|room}` (neither name may hold `|`,
 * `{` or `}`), so a room's script touches one slot and the layout works on Redis Cluster too.
 */
export interface RoomKeys {
  /** Hash: `epoch` (made once), `seq` (the last number given). */
  meta: string;
  /** Stream of the room's messages; entry id `SEQ-0`, field `m` the message JSON without seq. */
  log: string;
  /** Sorted set: `session\0cid` scored by seq, for the messages still in the history window. */
  cids: string;
}

/** The default prefix of every key and channel. */
export const DEFAULT_PREFIX = 'sb:';

/** The keys of one room. */
export function roomKeys(prefix: string, ns: string, room: string): RoomKeys {
  const tag = `${prefix}{${ns}|${room}}`;
  return { meta: `${tag}:meta`, log: `${tag}:log`, cids: `${tag}:cids` };
}

/** The channel every node's message feed listens on. */
export function messageChannel(prefix: string): string {
  return `${prefix}messages`;
}

/** The channel of the Bus (presence, kicks, custom events). */
export function busChannel(prefix: string): string {
  return `${prefix}bus`;
}
