import { Logger } from '@nestjs/common';
import type { AuditEntry } from './audit-entry.js';
import type { ResolvedAuditOptions } from './audit-options.js';

/**
 * Writes audit entries to the sink in small batches, off the bus's hot path: `add` only buffers,
 * one background drain writes batch after batch, and a failed batch is kept and retried after a
 * delay, so a sink outage delays the trail but neither loses entries (up to `maxBuffered`) nor
 * disturbs message handling.
 */
export class AuditBatcher {
  private readonly logger = new Logger('AuditTrail');
  private readonly buffer: AuditEntry[] = [];
  private draining?: Promise<void>;
  private wake?: () => void;
  private stopped = false;
  private overflowing = false;

  constructor(private readonly options: ResolvedAuditOptions) {}

  /** Buffers `entry` for writing; drops it (warning once per overflow) when the buffer is full or closed. */
  add(entry: AuditEntry): void {
    if (this.stopped) return;
    if (this.buffer.length >= this.options.maxBuffered) {
      if (!this.overflowing)
        this.logger.warn(
          `audit buffer full (${this.options.maxBuffered} entries); dropping entries until the sink catches up`,
        );
      this.overflowing = true;
      return;
    }
    this.buffer.push(entry);
    this.draining ??= this.drain();
  }

  /** Resolves once every entry added so far is written. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Writes what it can within `shutdownTimeoutMs`, then stops; reports entries left unwritten. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>(
      (resolve) => (timer = setTimeout(resolve, this.options.shutdownTimeoutMs)),
    );
    await Promise.race([this.flush(), deadline]);
    clearTimeout(timer);
    this.stopped = true;
    this.wake?.();
    await this.flush();
    if (this.buffer.length > 0)
      this.logger.error(`${this.buffer.length} audit entries could not be written before shutdown`);
  }

  private async drain(): Promise<void> {
    // yield first: the bus goes on, and entries recorded meanwhile join this batch
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.buffer.length > 0 && !this.stopped) await this.writeBatch();
    } finally {
      this.draining = undefined;
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.buffer.slice(0, this.options.batchSize);
    try {
      await this.options.sink.append(batch);
      // only add() touches the buffer meanwhile, and it appends: the batch is still at the front
      this.buffer.splice(0, batch.length);
      this.overflowing = false;
    } catch (error) {
      this.logger.error(
        `writing ${batch.length} audit entries failed; retrying in ${this.options.retryDelayMs} ms: ${(error as Error).message}`,
      );
      await this.pause(this.options.retryDelayMs);
    }
  }

  /** Waits `ms`, or less when `close` gives up waiting. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
