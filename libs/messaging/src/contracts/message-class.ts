/** A message class: any class whose instances are sent through the bus. */
export type MessageClass<T extends object = object> = abstract new (...args: never[]) => T;
