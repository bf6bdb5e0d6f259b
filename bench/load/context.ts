import http from 'node:http';
import type { Scenario } from '../plan.js';
import type { Usage } from '../result.js';
import { BenchClient } from './client.js';
import type { Address } from './wires.js';

/** What the parent sends a load child: the scenario and where its server listens. */
export interface LoadRequest {
  type: 'run';
  scenario: Scenario;
  address: Address;
}

/** Messages between a load child and its parent. */
export type LoadMessage =
  | { type: 'usage'; id: number; gc: boolean; mark?: 'start' | 'stop' }
  | { type: 'progress'; text: string }
  | { type: 'result'; figures: Record<string, number>; error?: string };

/** Answers to `usage`: the server's CPU and memory. */
export interface UsageReply extends Usage {
  type: 'usage';
  id: number;
}

/** Everything a workload needs: the scenario, a way to open clients, the server's usage, progress. */
export class LoadContext {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  private nextId = 1;
  private readonly waiting = new Map<number, (usage: Usage) => void>();

  constructor(
    readonly scenario: Scenario,
    readonly address: Address,
  ) {
    process.on('message', (m: UsageReply) => {
      if (m.type !== 'usage') return;
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    });
  }

  /** A new client of the scenario's target (not yet welcomed). */
  client(nick: string): BenchClient {
    return new BenchClient(
      this.scenario.target,
      {
        ...this.address,
        path: this.scenario.target.path,
        ...(nick === 'sender' && this.address.senderPort !== undefined
          ? { port: this.address.senderPort }
          : {}),
      },
      this.agent,
      nick,
    );
  }

  /**
   * The server process's CPU and memory now; with gc, after two full collections. `mark` starts and
   * stops the server's CPU profile of the measured window (with `--profile`).
   */
  serverUsage(gc = false, mark?: 'start' | 'stop'): Promise<Usage> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      void send({ type: 'usage', id, gc, ...(mark ? { mark } : {}) });
    });
  }

  /** One progress line for the person watching. */
  progress(text: string): void {
    void send({ type: 'progress', text });
  }
}

/** Sends a message to the parent; resolves once it is handed over. */
export function send(message: LoadMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}
