import type { LivenessCheck } from '../../src/client/core/liveness.js';
import { describe, type LinkFailure } from './demotion.js';
import type { SkipReason, TransportName } from './negotiate.js';
import type { NegotiationInfo } from './types.js';

/** One transport attempt as a person would read it in a bug report. */
export interface AttemptRecord {
  transport: TransportName;
  /**
   * `trying` (under way), `ok` (welcomed), `failed` (before its welcome), `skipped` (not tried),
   * `lost` (dropped after working), `dead` (a liveness check found it silent and cut it).
   */
  result: 'trying' | 'ok' | 'failed' | 'skipped' | 'lost' | 'dead';
  /** The failure code (`refused`, `timeout`, `silent`, `closed-early`) or the skip reason (`forced`, `unavailable`, `demoted`). */
  code?: LinkFailure | SkipReason | string;
  /** The same in words. */
  reason?: string;
  /** When it started (or was skipped), ms since the epoch. */
  at: number;
  /** How long it took to succeed or fail, ms. */
  ms?: number;
}

/** Everything `client.diagnostics()` reports; plain JSON, for the /diagnostics page and bug reports. */
export interface Diagnostics {
  at: string;
  url: string;
  userAgent: string | undefined;
  state: string;
  transport: TransportName | undefined;
  session: string | undefined;
  nick: string | undefined;
  /** Capabilities the server granted. */
  caps: string[];
  limits: unknown;
  negotiation: NegotiationInfo;
  abilities: { websocket: boolean; eventSource: boolean };
  /** The latest attempts, oldest first. */
  attempts: AttemptRecord[];
  /** The last application round trip measured on each transport that worked, ms. */
  rttMs: Partial<Record<TransportName, number>>;
  /** Each room's epoch and last seq handled: what a resume would send. */
  cursors: Record<string, { epoch: string; seq: number }>;
  liveness: { checks: number; last: LivenessCheck | undefined; deadlineMs: number; intervalMs: number };
}

const KEEP = 30;

const SKIPS: Record<SkipReason, string> = {
  forced: 'not tried: another transport is forced (?transport=)',
  unavailable: 'not tried: this browser does not have it',
  demoted: 'not tried: demoted after failing here recently',
};

/** The log of transport attempts and the round trips measured on each transport. */
export class Attempts {
  private readonly records: AttemptRecord[] = [];
  private readonly rtts: Partial<Record<TransportName, number>> = {};

  constructor(private readonly now: () => number) {}

  /** An attempt on `transport` starts; `forced` notes that it was the only one allowed. */
  start(transport: TransportName, note?: 'forced'): void {
    this.push({
      transport,
      result: 'trying',
      at: this.now(),
      ...(note ? { code: note, reason: 'forced (?transport=)' } : {}),
    });
  }

  /** A transport left out of the plan. */
  skip(transport: TransportName, reason: SkipReason): void {
    this.push({ transport, result: 'skipped', code: reason, reason: SKIPS[reason], at: this.now() });
  }

  /** The current attempt on `transport` failed before its welcome. */
  failed(transport: TransportName, failure: LinkFailure): void {
    this.finish(transport, 'failed', failure, describe(failure));
  }

  /** The current attempt on `transport` got its welcome. */
  welcomed(transport: TransportName): void {
    const open = this.open(transport);
    if (!open) return;
    open.result = 'ok';
    open.ms = this.now() - open.at;
  }

  /** A working link on `transport` dropped. */
  lost(transport: TransportName): void {
    this.after(transport, 'lost', 'the connection dropped; reconnecting and resuming');
  }

  /** A working link on `transport` failed a liveness check (`why` asked for it). */
  dead(transport: TransportName, why: string): void {
    this.after(transport, 'dead', `no answer to a ping after ${why}; cut and resumed`);
  }

  /** Records a round trip measured on `transport`. */
  rttOf(transport: TransportName, ms: number): void {
    this.rtts[transport] = ms;
  }

  list(): AttemptRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  rtt(): Partial<Record<TransportName, number>> {
    return { ...this.rtts };
  }

  private open(transport: TransportName): AttemptRecord | undefined {
    const last = this.records.at(-1);
    return last?.transport === transport && last.result === 'trying' ? last : undefined;
  }

  private finish(transport: TransportName, result: 'failed', code: string, reason: string): void {
    const open = this.open(transport);
    if (!open) return;
    open.result = result;
    open.code = code;
    open.reason = reason;
    open.ms = this.now() - open.at;
  }

  private after(transport: TransportName, result: 'lost' | 'dead', reason: string): void {
    this.push({ transport, result, reason, at: this.now() });
  }

  private push(record: AttemptRecord): void {
    this.records.push(record);
    if (this.records.length > KEEP) this.records.shift();
  }
}
