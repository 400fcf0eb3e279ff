import type { OutboxModuleOptions } from '@momentum/outbox';
import { OrderPlaced } from './test-messages.js';

/** Node intervals short enough that election, release and failover take fractions of a second. */
export const FAST_NODES = {
  schedulePollIntervalMs: 50,
  leaderPollIntervalMs: 100,
  heartbeatIntervalMs: 100,
  staleAfterMs: 1_000,
} as const;

/** Options of a node that takes part in leader election on `schema`, with {@link FAST_NODES}. */
export function balancedNodeOptions(url: string, schema: string): OutboxModuleOptions {
  return {
    url,
    schema,
    autoCreate: true,
    messageClasses: [OrderPlaced],
    relay: { pollIntervalMs: 100 },
    nodes: { mode: 'balanced', ...FAST_NODES },
  };
}
