/** What the last liveness check found. */
export interface LivenessCheck {
  /** What asked for it: `visible`, `online`, `pageshow`, `resume`, `heartbeat`. */
  why: string;
  at: number;
  result: 'alive' | 'dead';
  rttMs?: number;
}

/** Settings of the liveness checker. */
export interface LivenessOptions {
  /** How long an application ping may take before the link counts as dead, ms (of running time). */
  deadlineMs: number;
  /** How often the link is checked while the page is visible, ms. */
  intervalMs: number;
  /** Sends an application ping; resolves with the round trip, ms. */
  ping: () => Promise<number>;
  /** The link did not answer in time. */
  dead: (why: string) => void;
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
}

function pageHidden(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}

/**
 * Checks that an open link still carries traffic: at once when asked (a page back from the background),
 * and every `intervalMs` while the page is visible. Timers in background or frozen pages fire late, so a
 * deadline that fires far later than set first gets a fresh deadline of running time, any frame heard
 * after the ping counts as an answer, and no check runs while the page is hidden: a sleeping tab is
 * never dropped for its own throttled timers.
 */
export class Liveness {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private checking = false;
  private lastHeard = 0;
  private last: LivenessCheck | undefined;
  private checks = 0;
  private readonly now: () => number;

  constructor(private readonly options: LivenessOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts the periodic checks for a newly open link. */
  start(): void {
    this.stop();
    this.schedule();
  }

  /** Stops checking (the link is gone). */
  stop(): void {
    this.generation++;
    this.checking = false;
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
  }

  /** A frame arrived on the link. */
  heard(): void {
    this.lastHeard = this.now();
  }

  /** Checks the link now with an application ping (does nothing while a check is running). */
  check(why: string): void {
    if (this.checking) return;
    this.checking = true;
    this.checks++;
    const generation = ++this.generation;
    clearTimeout(this.timer);
    const sentAt = this.now();
    const alive = (rttMs?: number) => {
      if (generation !== this.generation) return;
      clearTimeout(this.deadline);
      this.checking = false;
      this.last = { why, at: this.now(), result: 'alive', ...(rttMs === undefined ? {} : { rttMs }) };
      this.schedule();
    };
    this.options.ping().then(alive, () => undefined);
    let armedAt = sentAt;
    let relaxed = false;
    const fire = () => {
      if (generation !== this.generation) return;
      if (!relaxed && this.now() - armedAt > 2 * this.options.deadlineMs) {
        // This timer ran far later than set (throttled or frozen): the answer may be queued behind it.
        relaxed = true;
        armedAt = this.now();
        this.deadline = setTimeout(fire, this.options.deadlineMs);
        return;
      }
      if (this.lastHeard > sentAt) {
        alive();
        return;
      }
      this.generation++;
      this.checking = false;
      this.last = { why, at: this.now(), result: 'dead' };
      this.options.dead(why);
    };
    this.deadline = setTimeout(fire, this.options.deadlineMs);
  }

  /** What the checks found, for diagnostics. */
  report(): { checks: number; last: LivenessCheck | undefined; deadlineMs: number; intervalMs: number } {
    return {
      checks: this.checks,
      last: this.last ? { ...this.last } : undefined,
      deadlineMs: this.options.deadlineMs,
      intervalMs: this.options.intervalMs,
    };
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const generation = this.generation;
    this.timer = setTimeout(() => {
      if (generation !== this.generation) return;
      if (pageHidden()) this.schedule();
      else this.check('heartbeat');
    }, this.options.intervalMs);
  }
}
