import { describe, expect, it } from 'vitest';
import { currentAfter, HELP_LINES, readLine } from '../../src/lineui/commands.js';
import { renderEvent, replyLines } from '../../src/lineui/render.js';

// How `switchboard chat` and TCP text mode read what a person types: one reading for both.

describe('readLine', () => {
  it('says a plain line in the current room, as typed, and refuses it outside any room', () => {
    expect(readLine('  hello there ', 'lobby', ['lobby'])).toEqual({
      kind: 'request',
      request: { type: 'say', room: 'lobby', text: '  hello there ' },
    });
    expect(readLine('hello', undefined, [])).toEqual({
      kind: 'print',
      lines: ['! You are in no room: /join ROOM first.'],
    });
    expect(readLine('   ', 'lobby', ['lobby'])).toEqual({ kind: 'nothing' });
  });

  it('turns commands into requests, defaulting /leave and /who to the current room', () => {
    const request = (line: string) => readLine(line, 'lobby', ['lobby', 'dev']);
    expect(request('/JOIN dev')).toEqual({ kind: 'request', request: { type: 'join', room: 'dev' } });
    expect(request('/nick  ada ')).toEqual({ kind: 'request', request: { type: 'nick', nick: 'ada' } });
    expect(request('/leave')).toEqual({ kind: 'request', request: { type: 'leave', room: 'lobby' } });
    expect(request('/who dev')).toEqual({ kind: 'request', request: { type: 'who', room: 'dev' } });
    expect(request('/quit')).toEqual({ kind: 'quit' });
    expect(request('/help')).toEqual({ kind: 'print', lines: HELP_LINES });
    expect(request('/rooms')).toEqual({ kind: 'print', lines: ['* Your rooms: lobby (current), dev.'] });
  });

  it('answers a command it cannot run with one line', () => {
    expect(readLine('/join', 'lobby', ['lobby'])).toEqual({ kind: 'print', lines: ['! Usage: /join ROOM'] });
    expect(readLine('/nick', 'lobby', ['lobby'])).toEqual({ kind: 'print', lines: ['! Usage: /nick NAME'] });
    expect(readLine('/who', undefined, [])).toEqual({ kind: 'print', lines: ['! Usage: /who ROOM'] });
    expect(readLine('/warp\u001b', 'lobby', ['lobby'])).toEqual({
      kind: 'print',
      lines: ['! Unknown command /warp\\u001b; /help lists them.'],
    });
  });
});

describe('currentAfter and replyLines', () => {
  const ack = { type: 'ack', id: 1 };
  const error = { type: 'error', id: 1, code: 'invalid_room', message: 'no' };

  it('makes a joined room current, and falls back to the last room when the current one is left', () => {
    expect(currentAfter({ type: 'join', room: 'dev' }, ack, 'lobby', ['lobby', 'dev'])).toBe('dev');
    expect(currentAfter({ type: 'leave', room: 'dev' }, ack, 'dev', ['lobby'])).toBe('lobby');
    expect(currentAfter({ type: 'leave', room: 'dev' }, ack, 'lobby', ['lobby'])).toBe('lobby');
    expect(currentAfter({ type: 'leave', room: 'lobby' }, ack, 'lobby', [])).toBeUndefined();
    expect(currentAfter({ type: 'who', room: 'dev' }, ack, 'lobby', ['lobby'])).toBe('lobby');
  });

  it('gives up a room made current in advance when its join fails, and nothing else', () => {
    expect(currentAfter({ type: 'join', room: 'bad room' }, error, 'bad room', [])).toBeUndefined();
    expect(currentAfter({ type: 'join', room: 'bad room' }, error, 'lobby', ['lobby'])).toBe('lobby');
    expect(currentAfter({ type: 'say', room: 'lobby' }, error, 'lobby', ['lobby'])).toBe('lobby');
  });

  it('tells the person what each answer means', () => {
    const joined = { ...ack, members: ['ann', 'bob'], history: [{ room: 'dev', from: 'ann', text: 'hi' }] };
    expect(replyLines({ type: 'join', room: 'dev' }, joined, 'dev')).toEqual([
      '* You joined dev (2 here: ann, bob).',
      '[dev] ann: hi',
    ]);
    expect(replyLines({ type: 'leave', room: 'dev' }, ack, 'lobby')).toEqual([
      '* You left dev; now talking in lobby.',
    ]);
    expect(replyLines({ type: 'leave', room: 'dev' }, ack, undefined)).toEqual([
      '* You left dev; /join ROOM to talk again.',
    ]);
    expect(replyLines({ type: 'who', room: 'dev' }, { ...ack, members: ['ann'] }, 'dev')).toEqual([
      '* In dev: ann.',
    ]);
    expect(replyLines({ type: 'nick', nick: 'x' }, { ...ack, nick: 'x-2' }, 'dev')).toEqual([
      '* You are now x-2.',
    ]);
    expect(replyLines({ type: 'say', room: 'dev', text: 't' }, ack, 'dev')).toEqual([]);
  });
});

describe('renderEvent', () => {
  it('marks a message posted over the HTTP API as a bot', () => {
    const message = { type: 'message', room: 'lobby', seq: 1, msgId: 'm', from: 'carol', text: 'hi', ts: 0 };
    expect(renderEvent(message)).toBe('[lobby] carol: hi');
    expect(renderEvent({ ...message, bot: true })).toBe('[lobby] carol (bot): hi');
  });
});
