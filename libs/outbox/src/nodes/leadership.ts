import type { ControlSession } from '../database/control-session.js';

/** Decides whether this node is the leader, which runs scheduling and recovery. */
export interface Leadership {
  /** Whether this node leads now (trying to become leader when it does not). */
  check(): Promise<boolean>;
}

/** Solo mode and the embedded database: this node is the only one, always the leader. */
export const SOLO_LEADERSHIP: Leadership = { check: async () => true };

/**
 * Leader election with a session-level PostgreSQL advisory lock held on the control session: whoever
 * holds it leads until its session ends. Non-leaders try again every `retryMs`.
 */
export class AdvisoryLockLeadership implements Leadership {
  private nextAttempt = 0;

  constructor(
    private readonly session: ControlSession,
    private readonly lockKey: string,
    private readonly retryMs: number,
  ) {}

  async check(): Promise<boolean> {
    if (!this.session.isLeader && Date.now() < this.nextAttempt) return false;
    const leads = await this.session.tryLead(this.lockKey);
    if (!leads) this.nextAttempt = Date.now() + this.retryMs;
    return leads;
  }
}
