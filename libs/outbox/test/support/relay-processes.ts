import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { InMemoryBroker, TransportRecord } from '@momentum/messaging';
import type { OutboxModuleOptions } from '@momentum/outbox';
import type { ChildMessage, ParentMessage } from './ipc-transport.js';

const HOOKS = fileURLToPath(new URL('./ts-hooks.mjs', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./relay-process.ts', import.meta.url));

/** A relay running in a child process, whose records land in the test's broker. */
export interface RelayProcess {
  readonly child: ChildProcess;
  /** Records this process got acknowledged (appended to the broker). */
  readonly received: TransportRecord[];
  /** Resolves once the process is up (its relay started). */
  readonly ready: Promise<void>;
  /** Kills it with SIGKILL: no shutdown code runs; records arriving afterwards are dropped unacknowledged. */
  kill(): void;
  /** Asks it to shut down cleanly and waits for its exit. */
  stop(): Promise<void>;
}

/**
 * Starts `relay-process.ts` for `schema` in a child process. `onRecord` runs before each record is
 * appended and acknowledged; it may kill the process (then the record is dropped).
 */
export function startRelayProcess(
  broker: InMemoryBroker,
  options: {
    readonly schema: string;
    readonly batchSize: number;
    /** Node options of the process (always `balanced`); the module's defaults otherwise. */
    readonly nodes?: OutboxModuleOptions['nodes'];
    readonly onRecord?: (relay: RelayProcess) => void;
  },
): RelayProcess {
  const child = fork(SCRIPT, [], {
    execArgv: ['--import', HOOKS, '--disable-warning=ExperimentalWarning'],
    env: {
      ...process.env,
      OUTBOX_SCHEMA: options.schema,
      RELAY_BATCH_SIZE: String(options.batchSize),
      OUTBOX_NODES: options.nodes ? JSON.stringify(options.nodes) : '',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let killed = false;
  let markReady!: () => void;
  let failReady!: (error: Error) => void;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const relay: RelayProcess = {
    child,
    received: [],
    ready: new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    }),
    kill: () => {
      killed = true;
      child.kill('SIGKILL');
    },
    stop: async () => {
      if (child.exitCode === null && !killed) child.send({ type: 'stop' } satisfies ParentMessage);
      await exited;
    },
  };
  child.once('exit', (code, signal) =>
    failReady(new Error(`relay process exited (${code ?? signal}) before it was ready`)),
  );
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'ready') return markReady();
    if (killed) return;
    options.onRecord?.(relay);
    if (killed) return;
    const record: TransportRecord = {
      topic: message.record.topic,
      key: message.record.key,
      value: message.record.value === null ? null : Buffer.from(message.record.value, 'base64'),
      headers: message.record.headers,
    };
    broker.append([record]);
    relay.received.push(record);
    child.send({ type: 'ack', id: message.id } satisfies ParentMessage);
  });
  return relay;
}
