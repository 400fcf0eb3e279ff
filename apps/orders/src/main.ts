import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const app = await NestFactory.create(AppModule, { logger: config.logLevels });
app.enableShutdownHooks();
await app.listen(config.port, '127.0.0.1');
const url = await app.getUrl();
const logger = new Logger('Orders');
logger.log(`orders service listening on ${url}`);
logger.log(
  `try: curl -s -X POST ${url}/orders -H 'content-type: application/json' ` +
    `-H 'x-tenant-id: 8f2b2c9e-6d1a-4c3b-9a7e-1f0e5d4c3b2a' ` +
    `-d '{"customerId":"0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d","items":[{"sku":"A-1","quantity":2,"unitPrice":12.5}]}'`,
);
