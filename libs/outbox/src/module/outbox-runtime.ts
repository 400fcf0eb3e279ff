import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TransportRegistry } from '@momentum/messaging';
import { OutboxConfigurationError } from '../config/outbox-configuration-error.js';
import type { ResolvedOutboxOptions } from '../config/resolved-options.js';
import { ControlSession } from '../database/control-session.js';
import type { StoreDatabase } from '../database/owned-data-source.js';
import { DurableInbox } from '../incoming/durable-inbox.js';
import { PostgresDurableQueueStore } from '../incoming/postgres-durable-queue-store.js';
import { DurabilityAgent } from '../nodes/durability-agent.js';
import { AdvisoryLockLeadership, SOLO_LEADERSHIP, type Leadership } from '../nodes/leadership.js';
import { NodeIdentity } from '../nodes/node-identity.js';
import { NodeRegistry } from '../nodes/node-registry.js';
import { OutboxRelay } from '../outgoing/outbox-relay.js';
import type { OutboxBacklog } from '../outgoing/outgoing-store.js';
import { MessageStore } from '../schema/message-store.js';
import { PostgresScheduler } from '../scheduling/postgres-scheduler.js';
import { TransactionHostLookup } from '../transactions/transaction-host-lookup.js';
import type { TransactionScope } from '../transactions/transaction-scope.js';
import { TransactionScopes } from '../transactions/transaction-scopes.js';
import { RESOLVED_OUTBOX_OPTIONS } from './outbox-tokens.js';
import { STORE_DATABASE } from './store-database.provider.js';

/**
 * Runs the outbox's background parts on Nest's lifecycle: registers the node at init; at bootstrap
 * opens the control session (LISTEN, leader lock), starts the relay and the durability agent. At
 * shutdown the bus first, in `beforeApplicationShutdown`, lets consumers and local queues finish
 * (the database is still open for their handlers) and drains the relay (see {@link drainRelay});
 * then `onApplicationShutdown` stops the relay and the agent, unregisters the node and closes the
 * database the module opened.
 */
@Injectable()
export class OutboxRuntime implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Outbox');
  private readonly registry: NodeRegistry;
  private control: ControlSession | undefined;
  private relayInstance: OutboxRelay | undefined;
  private agentInstance: DurabilityAgent | undefined;

  constructor(
    @Inject(MessageStore) private readonly store: MessageStore,
    @Inject(STORE_DATABASE) private readonly database: StoreDatabase,
    @Inject(RESOLVED_OUTBOX_OPTIONS) private readonly options: ResolvedOutboxOptions,
    @Inject(NodeIdentity) readonly node: NodeIdentity,
    @Inject(PostgresScheduler) private readonly scheduler: PostgresScheduler,
    @Inject(PostgresDurableQueueStore) private readonly queues: PostgresDurableQueueStore,
    @Inject(DurableInbox) private readonly inbox: DurableInbox,
    @Inject(TransactionScopes) private readonly scopes: TransactionScopes,
    @Inject(TransactionHostLookup) private readonly transactionHost: TransactionHostLookup,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {
    this.registry = new NodeRegistry(store, node, options.nodes);
  }

  /** The relay of this process (undefined with `relay.enabled: false`, or before bootstrap). */
  get relay(): OutboxRelay | undefined {
    return this.relayInstance;
  }

  /** Messages committed but not yet sent, and the age of the oldest (for health checks). */
  backlog(): Promise<OutboxBacklog> {
    return this.store.outgoing.backlog(this.store.dataSource.manager);
  }

  /** The durability agent of this process (after bootstrap). */
  get agent(): DurabilityAgent | undefined {
    return this.agentInstance;
  }

  async onModuleInit(): Promise<void> {
    await this.registry.register();
  }

  async onApplicationBootstrap(): Promise<void> {
    const transports = this.options.relay.enabled ? this.transportRegistry() : undefined;
    if (this.options.useTransactionHost) await this.transactionHost.resolve(this.moduleRef);
    if (!this.store.embedded) {
      this.control = new ControlSession(this.store.dataSource, this.store.tables.channel, () =>
        this.relayInstance?.wake(),
      );
      await this.control.open();
    }
    this.agentInstance = new DurabilityAgent(
      this.store,
      this.scheduler,
      this.leadership(),
      this.queues,
      this.options,
    );
    this.agentInstance.start();
    if (transports) this.startRelay(transports);
    this.scopes.onCommit((scope) => this.committed(scope));
    this.logger.log(
      `node ${this.node.id} (${this.node.name}) on schema '${this.options.schema}'` +
        `${this.store.embedded ? ' (embedded PGlite)' : ''}, relay ${this.relayInstance ? 'on' : 'off'}`,
    );
  }

  /**
   * Sends what committed and stops the relay; called by the bus at shutdown (through the outbox
   * sink) once its consumers and local queues finished, before it closes its transports.
   */
  async drainRelay(): Promise<void> {
    await this.relayInstance?.drain();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relayInstance?.stop();
    await this.agentInstance?.stop();
    await this.inbox.flush();
    await this.registry
      .unregister()
      .catch((error: Error) => this.logger.warn(`unregistering node: ${error.message}`));
    await this.control?.close();
    await this.database.close();
  }

  /** After a commit that wrote outbox rows: wake the local relay, or, without one, relays elsewhere. */
  private committed(scope: TransactionScope): void {
    if (!scope.wroteOutgoing) return;
    if (this.relayInstance) this.relayInstance.wake();
    else if (this.options.notify) this.control?.notify();
  }

  private leadership(): Leadership {
    if (this.store.embedded || this.options.nodes.mode === 'solo' || !this.control) return SOLO_LEADERSHIP;
    return new AdvisoryLockLeadership(
      this.control,
      this.store.tables.leaderLock,
      this.options.nodes.leaderPollIntervalMs,
    );
  }

  private transportRegistry(): TransportRegistry {
    try {
      return this.moduleRef.get(TransportRegistry, { strict: false });
    } catch {
      throw new OutboxConfigurationError(
        'relay.enabled',
        'needs MessagingModule in the application (the relay sends through its transports); set it to false to run without a relay',
      );
    }
  }

  private startRelay(transports: TransportRegistry): void {
    this.relayInstance = new OutboxRelay(this.store, (name) => transports.get(name), this.options.relay);
    this.relayInstance.start();
  }
}
