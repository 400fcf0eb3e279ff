import { validate, type ValidationError } from 'class-validator';
import { getMetadataStorage } from 'class-validator';
import { Result } from '../contracts/result.js';
import { MessageValidationError, type FieldError } from '../errors/messaging-errors.js';
import type { MessageExecution, MessageMiddleware } from './message-middleware.js';

/**
 * Validates the message with `class-validator` before the handler runs. An invoked command or
 * query gets a failed `Result` with one `validation` error per field; anything else fails with a
 * non-retryable {@link MessageValidationError}, which dead-letters the message at once.
 */
export class ValidationMiddleware implements MessageMiddleware {
  private readonly declaresRules = new WeakMap<object, boolean>();

  async handle(execution: MessageExecution, next: () => Promise<unknown>): Promise<unknown> {
    const message = execution.envelope.message;
    if (!this.hasRules(message.constructor)) return next();
    const fieldErrors = flatten(await validate(message, { forbidUnknownValues: false }));
    if (fieldErrors.length === 0) return next();
    if (execution.mode === 'invoke') {
      const [first, ...rest] = fieldErrors.flatMap((error) =>
        error.messages.map((message) => ({ code: 'validation', field: error.field, message })),
      );
      return Result.fail(first!, ...rest);
    }
    throw new MessageValidationError(execution.envelope.type, fieldErrors);
  }

  private hasRules(target: object): boolean {
    let known = this.declaresRules.get(target);
    if (known === undefined) {
      known = getMetadataStorage().getTargetValidationMetadatas(target as never, '', false, false).length > 0;
      this.declaresRules.set(target, known);
    }
    return known;
  }
}

function flatten(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
