/** An invalid `OutboxModule` option, reported at startup with the option's name. */
export class OutboxConfigurationError extends Error {
  override readonly name = 'OutboxConfigurationError';

  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`OutboxModule option '${option}' ${problem}`);
  }
}
