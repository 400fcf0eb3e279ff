import { NonRetryableError } from '@momentum/messaging';

/** Longest part of a rejected tenant id quoted in the error: the value may be attacker-controlled. */
const QUOTED_LENGTH = 64;

/**
 * A tenant id that does not have the configured format. Non-retryable: a message carrying one is
 * dead-lettered at once; an HTTP request carrying one gets a 400.
 */
export class InvalidTenantIdError extends NonRetryableError {
  constructor(
    /** The rejected value. */
    readonly tenantId: unknown,
    /** Where it came from, e.g. `header 'x-tenant-id'` or `message OrderPlaced 42`. */
    readonly origin: string,
    /** What a valid id looks like, e.g. `a UUID`. */
    readonly expected: string,
  ) {
    super(`Invalid tenant id ${quote(tenantId)} from ${origin}: expected ${expected}`);
    this.name = 'InvalidTenantIdError';
  }
}

function quote(value: unknown): string {
  if (typeof value !== 'string') return `(${value === null ? 'null' : typeof value})`;
  const shown = value.length > QUOTED_LENGTH ? `${value.slice(0, QUOTED_LENGTH)}…` : value;
  // JSON quoting escapes control characters, so a hostile value cannot forge log lines
  return JSON.stringify(shown);
}
