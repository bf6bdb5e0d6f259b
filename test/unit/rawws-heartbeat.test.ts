import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from '../../transports/rawws/heartbeat.js';

/** A socket that records the heartbeat's pings and terminations; it answers pings only when told to. */
class FakeSocket extends EventEmitter {
  pings = 0;
  terminated = false;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
    this.emit('close');
  }
}

describe('raw WebSocket heartbeat', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pings each socket an interval after its own start, not all sockets in one beat', () => {
    const heartbeat = new Heartbeat(1000);
    const early = new FakeSocket();
    const late = new FakeSocket();
    heartbeat.watch(early as never);
    vi.advanceTimersByTime(500);
    heartbeat.watch(late as never);
    vi.advanceTimersByTime(560);
    expect(early.pings).toBe(1);
    expect(late.pings).toBe(0);
    vi.advanceTimersByTime(500);
    expect(late.pings).toBe(1);
    heartbeat.stop();
  });

  it('keeps a socket that answers and terminates one that does not, one interval after the unanswered ping', () => {
    const heartbeat = new Heartbeat(1000);
    const answering = new FakeSocket();
    const silent = new FakeSocket();
    heartbeat.watch(answering as never);
    heartbeat.watch(silent as never);
    for (let beat = 0; beat < 3; beat++) {
      vi.advanceTimersByTime(1100);
      answering.emit('pong');
    }
    expect(answering.pings).toBe(3);
    expect(answering.terminated).toBe(false);
    expect(silent.pings).toBe(1);
    expect(silent.terminated).toBe(true);
    heartbeat.stop();
  });

  it('forgets a closed socket: no ping after its close', () => {
    const heartbeat = new Heartbeat(1000);
    const gone = new FakeSocket();
    heartbeat.watch(gone as never);
    gone.emit('close');
    vi.advanceTimersByTime(5000);
    expect(gone.pings).toBe(0);
    heartbeat.stop();
  });
});
