import { encodeBatch } from '../protocol/encode.js';

/**
 * The last packing of one flush. Members of a room that were sent the same frames in a turn (the
 * usual case for a broadcast) get the very same packed list back, so a batch is built once per
 * broadcast, not once per member, and transports see the same strings again (and can reuse their
 * encodings).
 */
export class PackMemo {
  frames: readonly string[] = [];
  packed: string[] = [];
  maxBatchBytes = 0;

  /** Whether `frames` are the frames last packed, string for string. */
  matches(frames: readonly string[], maxBatchBytes: number): boolean {
    const last = this.frames;
    if (last.length !== frames.length || this.maxBatchBytes !== maxBatchBytes) return false;
    for (let i = 0; i < frames.length; i++) if (frames[i] !== last[i]) return false;
    return true;
  }
}

/**
 * Frames waiting for one connection until the end of the event-loop turn. It is bounded in bytes by the
 * caller and drained once per turn: as `batch` frames (each at most `maxBatchBytes`) where the client
 * was granted `batch`, otherwise as the list of frames for one transport write.
 */
export class Outbox {
  private frames: string[] = [];
  private size = 0;

  /** Bytes (UTF-16 units, a cheap upper-bound proxy) waiting. */
  get bytes(): number {
    return this.size;
  }

  get length(): number {
    return this.frames.length;
  }

  push(frame: string): void {
    this.frames.push(frame);
    this.size += frame.length;
  }

  /**
   * Empties the box and returns what to write, packed as batches when `batch` is set. With a memo, a
   * packing equal to the memo's last one is returned as that same (shared, read-only) list.
   */
  drain(batch: boolean, maxBatchBytes: number, memo?: PackMemo): readonly string[] {
    const frames = this.frames;
    this.frames = [];
    this.size = 0;
    if (!batch || frames.length < 2) return frames;
    if (memo?.matches(frames, maxBatchBytes)) return memo.packed;
    const out: string[] = [];
    let group: string[] = [];
    let groupBytes = 0;
    for (const frame of frames) {
      if (group.length > 0 && groupBytes + frame.length + 1 > maxBatchBytes) {
        out.push(group.length === 1 ? (group[0] as string) : encodeBatch(group));
        group = [];
        groupBytes = 0;
      }
      group.push(frame);
      groupBytes += frame.length + 1;
    }
    out.push(group.length === 1 ? (group[0] as string) : encodeBatch(group));
    if (memo) {
      memo.frames = frames;
      memo.packed = out;
      memo.maxBatchBytes = maxBatchBytes;
    }
    return out;
  }
}
