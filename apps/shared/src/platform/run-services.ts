import { type DynamicModule, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { ServiceConfig } from '../config/service-config.js';
import { startTracing } from '../telemetry/tracing.js';
import { closeService } from './close-service.js';

/** One service to start: its root module and HTTP port. */
export interface ServiceApp {
  readonly name: string;
  readonly module: DynamicModule;
  readonly port: number;
}

const EXAMPLE_TENANT = '8f2b2c9e-6d1a-4c3b-9a7e-1f0e5d4c3b2a';
const EXAMPLE_CUSTOMER = '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';

/**
 * Starts the services of this process, prints their URLs and a `curl` to try, and closes them on
 * SIGINT/SIGTERM (each drains its handlers and relays what it committed before its database closes).
 */
export async function runServices(
  processName: string,
  config: ServiceConfig,
  services: readonly ServiceApp[],
): Promise<void> {
  const logger = new Logger(processName);
  const tracing = startTracing(processName, config.tracing);
  const apps: INestApplication[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      logger.log(`${signal}: shutting down`);
      for (const app of apps.reverse()) await closeService(app);
      await tracing.shutdown();
      process.exit(0);
    })();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  const urls = new Map<string, string>();
  for (const service of services) {
    const app = await NestFactory.create(service.module, { logger: config.logLevels });
    apps.push(app);
    await app.listen(service.port, config.host);
    urls.set(service.name, (await app.getUrl()).replace('[::1]', '127.0.0.1'));
    logger.log(`${service.name} listening on ${urls.get(service.name)}`);
  }
  logger.log(
    `on ${config.broker.kind === 'kafka' ? `Kafka ${config.broker.brokers.join(',')}` : 'the in-memory broker'}, ` +
      `${config.database.kind === 'postgres' ? 'PostgreSQL' : 'embedded PGlite (in memory)'}`,
  );
  if (config.broker.kind === 'in-memory' && services.length === 1) {
    logger.warn(
      `${services[0]!.name} runs alone on the in-memory broker: it reaches no other process. ` +
        'Set KAFKA_BROKERS, or run both services in one process with npm start',
    );
  }
  const url = urls.get('orders');
  if (url) {
    logger.log(
      `try: curl -s -X POST ${url}/orders -H 'content-type: application/json' -H 'x-tenant-id: ${EXAMPLE_TENANT}' ` +
        `-d '{"customerId":"${EXAMPLE_CUSTOMER}","items":[{"sku":"A-1","quantity":2,"unitPrice":12.5}]}'`,
    );
    logger.log(`then: curl -s ${url}/orders/<orderId> -H 'x-tenant-id: ${EXAMPLE_TENANT}'`);
  }
}
