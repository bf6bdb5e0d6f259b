import { describe, expect, it } from 'vitest';
import { parseChatArgs, UsageError } from '../../src/cli/chat-args.js';
import { DialError, dialer } from '../../src/client/dial.js';

describe('switchboard chat arguments', () => {
  it('reads the URL and options, with defaults', () => {
    expect(parseChatArgs(['tcp://127.0.0.1:7000'])).toEqual({
      url: 'tcp://127.0.0.1:7000',
      nick: undefined,
      room: 'lobby',
      transport: 'websocket',
      retryMs: 500,
    });
    expect(
      parseChatArgs(['--nick', 'al', 'http://h:3000', '--transport=polling', '--room', 'dev']),
    ).toMatchObject({
      url: 'http://h:3000',
      nick: 'al',
      room: 'dev',
      transport: 'polling',
    });
  });

  it('refuses what it cannot use with one line', () => {
    expect(() => parseChatArgs([])).toThrow(UsageError);
    expect(() => parseChatArgs(['x', '--transport', 'carrier-pigeon'])).toThrow(/websocket or polling/);
    expect(() => parseChatArgs(['x', '--bogus', '1'])).toThrow(/Unknown option --bogus/);
    expect(() => parseChatArgs(['x', '--nick'])).toThrow(/needs a value/);
    expect(() => dialer('not a url')).toThrow(DialError);
    expect(() => dialer('ftp://h/')).toThrow(/Unsupported URL scheme ftp:/);
    expect(typeof dialer('tcp://[::1]:7000')).toBe('function');
  });
});
