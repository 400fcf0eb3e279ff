import { Injectable } from '@nestjs/common';
import type { ActivityRecord } from './activity-record.js';
import type { ActivitySource } from './activity-source.js';

/** Listener of {@link ActivityTracker}. */
export type ActivityListener = (record: ActivityRecord) => void;

/**
 * The bus's flight recorder: every step of every message is announced here, and every place that
 * holds unfinished work registers as a source. Tracked test sessions and telemetry subscribe to it.
 */
@Injectable()
export class ActivityTracker {
  private readonly listeners = new Set<ActivityListener>();
  private readonly sources = new Set<ActivitySource>();
  private readonly running = new Map<number, string | (() => string)>();
  private nextRunId = 0;

  /** Announces a step to every listener. A listener that throws does not disturb the bus. */
  record(record: Omit<ActivityRecord, 'at'>): void {
    if (this.listeners.size === 0) return;
    const stamped = { ...record, at: new Date() };
    for (const listener of this.listeners) {
      try {
        listener(stamped);
      } catch {
        // observers must not break message handling
      }
    }
  }

  /** Subscribes to every step; returns the unsubscribe function. */
  subscribe(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Registers a holder of unfinished work. */
  registerSource(source: ActivitySource): void {
    this.sources.add(source);
  }

  /**
   * Runs `work`, counting it as in flight (with `description`) until it settles. A description
   * given as a function is built only when {@link inFlight} asks (per-record work stays cheap).
   */
  async track<T>(description: string | (() => string), work: () => Promise<T>): Promise<T> {
    const id = this.nextRunId++;
    this.running.set(id, description);
    try {
      return await work();
    } finally {
      this.running.delete(id);
    }
  }

  /** Descriptions of all unfinished work: running executions and every source's backlog. */
  inFlight(): string[] {
    const running = [...this.running.values()].map((description) =>
      typeof description === 'string' ? description : description(),
    );
    return [...running, ...[...this.sources].flatMap((source) => source.inFlight())];
  }
}
