import { afterAll, beforeAll } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A sample service running as its own process from the build (`dist/apps/<name>/src/main.js`). */
export interface ServiceProcess {
  readonly name: 'orders' | 'billing';
  readonly url: string;
  readonly child: ChildProcess;
  /** What the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends `SIGKILL` and waits for the exit. */
  kill(): Promise<void>;
  /** Sends `SIGTERM` and waits for a graceful exit. */
  stop(): Promise<void>;
}

/** Where and how a test runs its services: one schema per service, topics of its own. */
export interface ServiceEnvironment {
  readonly kafkaBrokers: string;
  readonly databaseUrl: string;
  readonly topicPrefix: string;
  /** Consumer groups are `<service>.<environment>`. */
  readonly environment: string;
  readonly schemas: { readonly orders: string; readonly billing: string };
  readonly extra?: NodeJS.ProcessEnv;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `name` as a process on `port` and resolves once `GET /health` answers 200. Fails with the
 * process's output when it exits first or is not healthy within `timeoutMs`.
 */
export async function startService(
  name: 'orders' | 'billing',
  environment: ServiceEnvironment,
  port: number,
  timeoutMs = 60_000,
): Promise<ServiceProcess> {
  const main = `${ROOT}dist/apps/${name}/src/main.js`;
  if (!existsSync(main))
    throw new Error(`${main} is missing: run 'npm run build' first (scripts/test.sh does)`);
  const variable = name.toUpperCase();
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: {
      ...process.env,
      KAFKA_BROKERS: environment.kafkaBrokers,
      DATABASE_URL: environment.databaseUrl,
      KAFKA_TOPIC_PREFIX: environment.topicPrefix,
      APP_ENV: environment.environment,
      [`${variable}_PORT`]: String(port),
      [`${variable}_DB_SCHEMA`]: environment.schemas[name],
      LOG_LEVEL: 'log',
      ...environment.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    name,
    url,
    child,
    output: () => output,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    if (await healthy(url)) return service;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await service.kill();
  throw new Error(`${name} was not healthy within ${timeoutMs} ms:\n${output}`);
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })).status === 200;
  } catch {
    return false;
  }
}

/** Both sample services, each its own process. */
export interface SampleServices {
  readonly orders: ServiceProcess;
  readonly billing: ServiceProcess;
  /** Stops both gracefully. */
  stop(): Promise<void>;
}

/** Starts billing and orders side by side on free ports. */
export async function startSample(environment: ServiceEnvironment): Promise<SampleServices> {
  const [billing, orders] = await Promise.all([
    startService('billing', environment, await freePort()),
    startService('orders', environment, await freePort()),
  ]);
  return { orders, billing, stop: async () => void (await Promise.all([orders.stop(), billing.stop()])) };
}

/**
 * Registers `beforeAll`/`afterAll` hooks that start both services in an environment of their own
 * (`sampleEnvironment`) and stop and dispose of it afterwards; read the services once started.
 */
export function useSample(environment: ServiceEnvironment & { dispose(): Promise<void> }): SampleServices {
  let sample: SampleServices | undefined;
  beforeAll(async () => {
    sample = await startSample(environment);
  }, 120_000);
  afterAll(async () => {
    await sample?.stop();
    await environment.dispose();
  }, 60_000);
  const started = () => {
    if (!sample) throw new Error('the sample services are not started (use them inside tests)');
    return sample;
  };
  return {
    get orders() {
      return started().orders;
    },
    get billing() {
      return started().billing;
    },
    stop: () => started().stop(),
  };
}
