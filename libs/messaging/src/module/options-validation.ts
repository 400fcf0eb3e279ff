import { MessagingConfigurationError } from '../errors/messaging-errors.js';
import type { FailureAction } from '../errors/error-policy.js';
import type { MessagingModuleOptions } from './messaging-options.js';

const NAME = /^[a-zA-Z0-9._-]+$/;

/** Checks options at startup; throws a {@link MessagingConfigurationError} naming the first bad option. */
export function validateMessagingOptions(options: MessagingModuleOptions): void {
  if (options === null || typeof options !== 'object')
    throw new MessagingConfigurationError('(root)', 'must be an object');
  requireName('serviceName', options.serviceName);
  if (options.domain !== undefined) requireName('domain', options.domain);
  if (options.environment !== undefined) requireName('environment', options.environment);
  if (options.consumerGroup !== undefined) requireName('consumerGroup', options.consumerGroup);
  validateTransports(options);
  for (const [name, queue] of Object.entries(options.queues ?? {})) {
    if (!NAME.test(name))
      throw new MessagingConfigurationError(`queues.${name}`, 'is not a valid queue name ([a-zA-Z0-9._-])');
    if (queue.mode !== undefined && !['inline', 'buffered', 'durable'].includes(queue.mode)) {
      throw new MessagingConfigurationError(
        `queues.${name}.mode`,
        `must be 'inline', 'buffered' or 'durable' (got '${queue.mode}')`,
      );
    }
    positiveInteger(`queues.${name}.parallelism`, queue.parallelism);
    positiveInteger(`queues.${name}.capacity`, queue.capacity);
    positiveInteger(`queues.${name}.maxConcurrentPerTenant`, queue.maxConcurrentPerTenant);
    if (queue.mode === 'durable' && !options.durableQueueStore) {
      throw new MessagingConfigurationError(
        `queues.${name}.mode`,
        "is 'durable' but no durableQueueStore is configured (import the outbox module)",
      );
    }
  }
  (options.errorPolicies ?? []).forEach((policy, index) =>
    validateAction(`errorPolicies[${index}].action`, policy?.action),
  );
  if (options.defaultFailureAction !== undefined)
    validateAction('defaultFailureAction', options.defaultFailureAction);
  validateSigning(options);
  nonNegativeNumber('slowHandlerThresholdMs', options.slowHandlerThresholdMs);
  nonNegativeNumber('shutdownTimeoutMs', options.shutdownTimeoutMs);
}

function validateTransports(options: MessagingModuleOptions): void {
  const names = new Set<string>();
  (options.transports ?? []).forEach((transport, index) => {
    if (!transport || typeof transport.publish !== 'function' || typeof transport.subscribe !== 'function') {
      throw new MessagingConfigurationError(`transports[${index}]`, 'is not a MessageTransport');
    }
    if (names.has(transport.name))
      throw new MessagingConfigurationError(`transports[${index}]`, `repeats the name '${transport.name}'`);
    names.add(transport.name);
  });
  if (options.transports && names.size === 0 && options.defaultTransport) {
    throw new MessagingConfigurationError('defaultTransport', 'is set but transports is empty');
  }
  if (options.defaultTransport !== undefined && options.transports && !names.has(options.defaultTransport)) {
    throw new MessagingConfigurationError(
      'defaultTransport',
      `names '${options.defaultTransport}', which is not among transports (${[...names].join(', ')})`,
    );
  }
  (options.routes ?? []).forEach((route, index) => {
    const known = options.transports ? names : new Set(['in-memory']);
    if (!known.has(route.transport)) {
      throw new MessagingConfigurationError(
        `routes[${index}].transport`,
        `names '${route.transport}', which is not a configured transport (${[...known].join(', ')})`,
      );
    }
    if (!route.messages?.length)
      throw new MessagingConfigurationError(`routes[${index}].messages`, 'must list at least one message');
  });
}

function validateSigning(options: MessagingModuleOptions): void {
  const keys = [
    ...(options.signing?.signWith ? [['signing.signWith', options.signing.signWith] as const] : []),
    ...(options.signing?.acceptKeys ?? []).map(
      (key, index) => [`signing.acceptKeys[${index}]`, key] as const,
    ),
  ];
  for (const [option, key] of keys) {
    if (typeof key?.id !== 'string' || !key.id)
      throw new MessagingConfigurationError(`${option}.id`, 'must be a non-empty string');
    if (Buffer.byteLength(key.secret ?? '') < 32)
      throw new MessagingConfigurationError(`${option}.secret`, 'must be at least 32 bytes');
  }
}

function validateAction(option: string, action: FailureAction | undefined): void {
  switch (action?.kind) {
    case 'retry':
      positiveInteger(`${option}.attempts`, action.attempts);
      nonNegativeNumber(`${option}.initialDelayMs`, action.initialDelayMs);
      nonNegativeNumber(`${option}.maxDelayMs`, action.maxDelayMs);
      if (!(action.factor >= 1))
        throw new MessagingConfigurationError(`${option}.factor`, 'must be at least 1');
      if (!(action.jitter >= 0 && action.jitter <= 1))
        throw new MessagingConfigurationError(`${option}.jitter`, 'must be between 0 and 1');
      return;
    case 'cooldown':
      action.delaysMs.forEach((delay, index) => nonNegativeNumber(`${option}.delaysMs[${index}]`, delay));
      return;
    case 'requeue':
      positiveInteger(`${option}.maxAttempts`, action.maxAttempts);
      return;
    case 'discard':
    case 'dead-letter':
      return;
    default:
      throw new MessagingConfigurationError(
        option,
        'must be a FailureAction (use FailureActions.retry(), .cooldown(), .requeue(), .discard() or .deadLetter())',
      );
  }
}

function requireName(option: string, value: unknown): void {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new MessagingConfigurationError(
      option,
      `must be a non-empty string of [a-zA-Z0-9._-] (got ${JSON.stringify(value)})`,
    );
  }
}

function positiveInteger(option: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new MessagingConfigurationError(option, `must be a positive integer (got ${value})`);
  }
}

function nonNegativeNumber(option: string, value: number | undefined): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new MessagingConfigurationError(option, `must be a non-negative number (got ${value})`);
  }
}
