import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import {
  SERVICE_PLATFORM_OPTIONS,
  type ServicePlatformOptions,
} from '../platform/service-platform-options.js';

/** `broker`: Kafka answers a metadata request (always up on the embedded in-memory broker). */
@Injectable()
export class BrokerIndicator implements OnApplicationShutdown {
  private admin: Promise<Admin> | undefined;

  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(SERVICE_PLATFORM_OPTIONS) private readonly options: ServicePlatformOptions,
  ) {}

  async check() {
    const session = this.indicators.check('broker');
    const broker = this.options.config.broker;
    if (broker.kind === 'in-memory') return session.up({ kind: 'in-memory' });
    try {
      const cluster = await (await this.connect(broker.brokers)).describeCluster();
      return session.up({ kind: 'kafka', brokers: cluster.brokers.length });
    } catch (error) {
      this.admin = undefined;
      return session.down({ kind: 'kafka', message: (error as Error).message });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await (await this.admin?.catch(() => undefined))?.disconnect();
  }

  private connect(brokers: string[]): Promise<Admin> {
    this.admin ??= (async () => {
      const kafka = new Kafka({
        clientId: `${this.options.serviceName}-health`,
        brokers,
        logLevel: logLevel.NOTHING,
        connectionTimeout: 2_000,
        requestTimeout: 2_000,
        retry: { retries: 0 },
      });
      const admin = kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin;
  }
}
