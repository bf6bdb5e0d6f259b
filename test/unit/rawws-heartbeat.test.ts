import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from '../../transports/rawws/heartbeat.js';

/** A socket that records the heartbeat's pings and terminations; it answers pings only when told to. */
class FakeSocket {
  pings = 0;
  terminated = false;
  constructor(private readonly heartbeat: Heartbeat) {}
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
    this.heartbeat.forget(this);
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
    const early = new FakeSocket(heartbeat);
    const late = new FakeSocket(heartbeat);
    heartbeat.watch(early);
    vi.advanceTimersByTime(500);
    heartbeat.watch(late);
    vi.advanceTimersByTime(560);
    expect(early.pings).toBe(1);
    expect(late.pings).toBe(0);
    vi.advanceTimersByTime(500);
    expect(late.pings).toBe(1);
    heartbeat.stop();
  });

  it('keeps a socket that answers and terminates one that does not, one interval after the unanswered ping', () => {
    const heartbeat = new Heartbeat(1000);
    const answering = new FakeSocket(heartbeat);
    const silent = new FakeSocket(heartbeat);
    heartbeat.watch(answering);
    heartbeat.watch(silent);
    for (let beat = 0; beat < 3; beat++) {
      vi.advanceTimersByTime(1100);
      heartbeat.answered(answering);
    }
    expect(answering.pings).toBe(3);
    expect(answering.terminated).toBe(false);
    expect(silent.pings).toBe(1);
    expect(silent.terminated).toBe(true);
    heartbeat.stop();
  });

  it('forgets a closed socket: no ping after its close', () => {
    const heartbeat = new Heartbeat(1000);
    const gone = new FakeSocket(heartbeat);
    heartbeat.watch(gone);
    heartbeat.forget(gone);
    vi.advanceTimersByTime(5000);
    expect(gone.pings).toBe(0);
    heartbeat.stop();
  });
});
