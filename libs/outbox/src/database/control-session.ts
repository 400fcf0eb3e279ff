import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { DataSource } from 'typeorm';

/** Delay before reconnecting a lost control session. */
const RECONNECT_DELAY_MS = 1_000;
/** Least time between two `NOTIFY`s of one node: commits in between share the next one. */
const NOTIFY_INTERVAL_MS = 10;

/**
 * One dedicated connection per node, outside the pool: it `LISTEN`s for the outbox channel, sends
 * this node's `NOTIFY`s, and holds the leader's session-level advisory lock. When it drops,
 * leadership is lost with it (PostgreSQL releases the lock), and it reconnects by itself.
 */
export class ControlSession {
  private readonly logger = new Logger('Outbox');
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client | undefined> | undefined;
  private leader = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private notifying = false;
  private notifyAgain = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly channel: string,
    private readonly onNotification: () => void,
  ) {}

  /** Connects and listens; failures are retried in the background. */
  async open(): Promise<void> {
    await this.connect();
  }

  /** Whether this node holds the leader lock right now. */
  get isLeader(): boolean {
    return this.leader && this.client !== undefined;
  }

  /** Tries to take the leader lock `key` (session-level, released when the session ends); returns whether this node leads. */
  async tryLead(key: string): Promise<boolean> {
    const client = this.client ?? (await this.connect());
    if (!client) return false;
    try {
      if (this.leader) {
        await client.query('SELECT 1');
      } else {
        const result = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
          [key],
        );
        this.leader = result.rows[0]?.locked === true;
      }
    } catch (error) {
      this.lost(client, error as Error);
    }
    return this.isLeader;
  }

  /**
   * Tells relays in other processes that outbox rows were committed: one `NOTIFY` on this session,
   * after the commit and outside the committing transaction (a `NOTIFY` inside it would serialize
   * commits). Calls while one is on its way, or within {@link NOTIFY_INTERVAL_MS} of it, fold into a
   * single further one. Best effort: relays poll as well.
   */
  notify(): void {
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    void this.sendNotify();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.leader = false;
    await client?.end().catch(() => undefined);
  }

  private async sendNotify(): Promise<void> {
    do {
      this.notifyAgain = false;
      await this.client?.query('SELECT pg_notify($1, $2)', [this.channel, '']).catch(() => undefined);
      await sleep(NOTIFY_INTERVAL_MS);
    } while (this.notifyAgain && !this.closed);
    this.notifying = false;
  }

  private connect(): Promise<pg.Client | undefined> {
    this.connecting ??= this.createClient().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async createClient(): Promise<pg.Client | undefined> {
    if (this.closed) return undefined;
    const client = new pg.Client(poolOptionsOf(this.dataSource));
    client.on('error', (error) => this.lost(client, error));
    client.on('notification', () => this.onNotification());
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      this.lost(client, error as Error);
      return undefined;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return undefined;
    }
    this.client = client;
    this.onNotification();
    return client;
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client === client || this.client === undefined) {
      if (this.leader) this.logger.warn(`leadership lost with the control session: ${error.message}`);
      this.client = undefined;
      this.leader = false;
    }
    client.end().catch(() => undefined);
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }
}

/** The connection settings TypeORM gave its `pg` pool, to open one more connection like them. */
function poolOptionsOf(dataSource: DataSource): pg.ClientConfig {
  const pool = (dataSource.driver as unknown as { master?: { options?: pg.ClientConfig } }).master;
  if (!pool?.options)
    throw new Error('Outbox: the DataSource has no pg pool (is it initialized and of type postgres?)');
  return pool.options;
}
