/** Field limits from PROTOCOL.md; the single place these numbers live. */
export const LIMITS = {
  roomMax: 64,
  nickMax: 32,
  textMax: 4000,
  cidMax: 64,
  eventMax: 64,
  historyMax: 200,
  historyDefault: 50,
  joinHistory: 50,
} as const;
