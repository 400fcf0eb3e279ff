/**
 * A consumed message another node is handling right now (batched inbox): the delivery is not
 * finished, so the transport delivers it again later, when it is either handled (and discarded as
 * a duplicate) or free to take over.
 */
export class MessageBusyError extends Error {
  override readonly name = 'MessageBusyError';

  constructor(id: string, consumer: string) {
    super(`message ${id} is being handled by another node for ${consumer}; delivering it again later`);
  }
}
