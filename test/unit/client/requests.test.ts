import { describe, expect, it } from 'vitest';
import { type Request, Requests } from '../../../src/client/core/requests.js';

function request(type: string, retry: boolean, log: string[]): Request<string, string> {
  return {
    frame: { type },
    retry,
    resolve: (answer) => log.push(`${type} ok ${answer}`),
    reject: (error) => log.push(`${type} failed ${error}`),
  };
}

describe('Requests', () => {
  it('numbers requests and finds each by the id of its answer, once', () => {
    const requests = new Requests<string, string>();
    const log: string[] = [];
    const a = requests.start(request('join', true, log));
    const b = requests.start(request('who', false, log));
    expect([a, b]).toEqual([
      { type: 'join', id: 1 },
      { type: 'who', id: 2 },
    ]);
    expect(requests.newId()).toBe(3);
    requests.answer(2)?.resolve('x');
    expect(requests.answer(2)).toBeUndefined();
    expect(log).toEqual(['who ok x']);
  });

  it('after a drop, retryable requests wait again ahead of newer ones; the others fail', () => {
    const requests = new Requests<string, string>();
    const log: string[] = [];
    requests.start(request('join', true, log));
    requests.start(request('emit', false, log));
    requests.start(request('nick', true, log));
    requests.wait(request('leave', true, log));
    requests.dropped('disconnected');
    expect(log).toEqual(['emit failed disconnected']);
    expect(requests.takeWaiting().map((r) => r.frame.type)).toEqual(['join', 'nick', 'leave']);
    expect(requests.takeWaiting()).toEqual([]);
    expect(requests.answer(1)).toBeUndefined();
  });

  it('fails everything on close', () => {
    const requests = new Requests<string, string>();
    const log: string[] = [];
    requests.start(request('join', true, log));
    requests.wait(request('who', true, log));
    requests.failAll('closed');
    expect(log.sort()).toEqual(['join failed closed', 'who failed closed']);
    expect(requests.takeWaiting()).toEqual([]);
  });
});
