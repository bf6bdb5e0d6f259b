/** A request frame without its id. */
export type RequestFrame = { type: string; [field: string]: unknown };

/** A request waiting for its answer. */
export interface Request<Answer, Failure> {
  frame: RequestFrame;
  resolve: (answer: Answer) => void;
  reject: (error: Failure) => void;
  /** Sent again after a reconnect when its answer was lost; otherwise failed. */
  retry: boolean;
}

/**
 * Request bookkeeping: ids, the requests in flight by id, and those waiting for a connection. When a
 * connection drops, the requests in flight that may be retried wait again, ahead of newer ones and in
 * their order; the others fail.
 */
export class Requests<Answer, Failure> {
  private nextId = 1;
  private readonly inFlight = new Map<number, Request<Answer, Failure>>();
  private waiting: Request<Answer, Failure>[] = [];

  /** A fresh id, for requests and for frames tracked elsewhere (hello, say). */
  newId(): number {
    return this.nextId++;
  }

  /** Tracks a request sent now; returns its frame with its new id. */
  start(request: Request<Answer, Failure>): RequestFrame & { id: number } {
    const id = this.newId();
    this.inFlight.set(id, request);
    return { ...request.frame, id };
  }

  /** Keeps a request until there is a connection. */
  wait(request: Request<Answer, Failure>): void {
    this.waiting.push(request);
  }

  /** Removes and returns the requests waiting, in order. */
  takeWaiting(): Request<Answer, Failure>[] {
    const waiting = this.waiting;
    this.waiting = [];
    return waiting;
  }

  /** Removes and returns the request in flight with that id. */
  answer(id: number): Request<Answer, Failure> | undefined {
    const request = this.inFlight.get(id);
    this.inFlight.delete(id);
    return request;
  }

  /** The connection dropped: retryable requests wait again, the others fail with `error`. */
  dropped(error: Failure): void {
    const again: Request<Answer, Failure>[] = [];
    for (const request of this.inFlight.values()) {
      if (request.retry) again.push(request);
      else request.reject(error);
    }
    this.inFlight.clear();
    this.waiting = [...again, ...this.waiting];
  }

  /** Fails every request, waiting or in flight. */
  failAll(error: Failure): void {
    for (const request of [...this.waiting, ...this.inFlight.values()]) request.reject(error);
    this.waiting = [];
    this.inFlight.clear();
  }
}
