/** `TenancyModule` options are invalid. Raised at startup, naming the option. */
export class TenancyConfigurationError extends Error {
  constructor(
    /** The option path, e.g. `topicAccess.consume[1].tenants[0]`. */
    readonly option: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`TenancyModule option '${option}' ${problem}`, options);
    this.name = 'TenancyConfigurationError';
  }
}
