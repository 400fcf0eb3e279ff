import { LogLevel } from '@nestjs/common';

/** The orders service's configuration, read from environment variables. */
export interface OrdersConfig {
  readonly port: number;
  readonly environment: string;
  readonly logLevels: LogLevel[];
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Reads and validates the environment; throws naming the variable when one is invalid. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  const port = Number(env.ORDERS_PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`ORDERS_PORT must be a port number 0-65535 (got '${env.ORDERS_PORT}')`);
  }
  const level = (env.LOG_LEVEL ?? 'log') as LogLevel;
  if (!LEVELS.includes(level))
    throw new Error(`LOG_LEVEL must be one of ${LEVELS.join(', ')} (got '${env.LOG_LEVEL}')`);
  const environment = env.APP_ENV ?? env.NODE_ENV ?? 'development';
  return { port, environment, logLevels: LEVELS.slice(0, LEVELS.indexOf(level) + 1) };
}
