/**
 * `closed`: consuming. `open`: consumption paused for the cooldown. `half-open`: consuming again on
 * trial; the next outcome closes the circuit (success) or opens it again (failure).
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Thresholds of a {@link CircuitBreaker}. */
export interface CircuitBreakerSettings {
  readonly windowMs: number;
  readonly minimumCalls: number;
  readonly failureRateThreshold: number;
  readonly cooldownMs: number;
}

/** Outcomes counted in one slice of the window. */
interface Bucket {
  readonly start: number;
  calls: number;
  failures: number;
}

/** Slices per window: the window slides in steps of a tenth of its length. */
const BUCKETS_PER_WINDOW = 10;

/**
 * Failure-rate circuit breaker of one listener. It opens when at least `minimumCalls` outcomes in
 * the last `windowMs` include a share of failures reaching `failureRateThreshold`; after `cooldownMs`
 * it turns half-open and the next outcome decides. Outcomes are counted in time buckets, so memory
 * stays constant however many records pass.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private buckets: Bucket[] = [];
  private cooldown: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(state: CircuitState) => void>();
  private readonly bucketMs: number;

  constructor(
    private readonly settings: CircuitBreakerSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketMs = Math.max(1, Math.floor(settings.windowMs / BUCKETS_PER_WINDOW));
  }

  get state(): CircuitState {
    return this.current;
  }

  /** Counts one outcome. While open, outcomes of work that was already running are ignored. */
  record(failed: boolean): void {
    if (this.current === 'open') return;
    if (this.current === 'half-open') {
      this.transition(failed ? 'open' : 'closed');
      return;
    }
    const bucket = this.currentBucket();
    bucket.calls += 1;
    if (failed) bucket.failures += 1;
    if (failed && this.tripped()) this.transition('open');
  }

  /** Calls `listener` on every change of state; returns the unsubscribe function. */
  onStateChange(listener: (state: CircuitState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Cancels a running cooldown; the breaker stays as it is. */
  dispose(): void {
    clearTimeout(this.cooldown);
    this.cooldown = undefined;
  }

  private tripped(): boolean {
    let calls = 0;
    let failures = 0;
    for (const bucket of this.buckets) {
      calls += bucket.calls;
      failures += bucket.failures;
    }
    return calls >= this.settings.minimumCalls && failures / calls >= this.settings.failureRateThreshold;
  }

  private currentBucket(): Bucket {
    const now = this.now();
    const start = now - (now % this.bucketMs);
    this.buckets = this.buckets.filter((bucket) => bucket.start > now - this.settings.windowMs);
    let bucket = this.buckets[this.buckets.length - 1];
    if (!bucket || bucket.start !== start) {
      bucket = { start, calls: 0, failures: 0 };
      this.buckets.push(bucket);
    }
    return bucket;
  }

  private transition(state: CircuitState): void {
    this.current = state;
    this.buckets = [];
    if (state === 'open') {
      this.dispose();
      this.cooldown = setTimeout(() => this.transition('half-open'), this.settings.cooldownMs);
    }
    for (const listener of this.listeners) listener(state);
  }
}
