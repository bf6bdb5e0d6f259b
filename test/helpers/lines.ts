import type { Readable } from 'node:stream';

const WAIT_MS = 5000;

/**
 * Collects the lines of a text stream (a TCP socket, a child's stdout) and lets a test wait for a line by
 * pattern, without sleeping.
 */
export class LineCollector {
  readonly lines: string[] = [];
  ended = false;
  private partial = '';
  private waiters: (() => void)[] = [];

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)));
      this.wake();
    });
    stream.on('close', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  /** Resolves with the first line at or after `from` that matches; rejects after a timeout with what came. */
  waitFor(pattern: RegExp | string, from = 0, timeoutMs = WAIT_MS): Promise<string> {
    const matches = (l: string) => (typeof pattern === 'string' ? l === pattern : pattern.test(l));
    return this.until(() => this.lines.slice(from).find(matches), `${pattern}`, timeoutMs);
  }

  /** Resolves once the stream has ended. */
  waitEnded(timeoutMs = WAIT_MS): Promise<void> {
    return this.until(() => (this.ended ? true : undefined), 'end', timeoutMs).then(() => undefined);
  }

  private until<T>(found: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value === undefined) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(value);
        return true;
      };
      const waiter = () => void check();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(`timed out waiting for ${what}; last lines: ${JSON.stringify(this.lines.slice(-8))}`),
        );
      }, timeoutMs);
      if (check()) return;
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
