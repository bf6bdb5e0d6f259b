import { encodeBatch } from '../protocol/encode.js';

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

  /** Empties the box and returns what to write, packed as batches when `batch` is set. */
  drain(batch: boolean, maxBatchBytes: number): string[] {
    const frames = this.frames;
    this.frames = [];
    this.size = 0;
    if (!batch || frames.length < 2) return frames;
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
    return out;
  }
}
