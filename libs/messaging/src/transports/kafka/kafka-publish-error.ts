/** Sending records to Kafka failed for good: retries were used up or the failure cannot be retried. */
export class KafkaPublishError extends Error {
  constructor(
    /** The Kafka topics of the records that were not written. */
    readonly topics: readonly string[],
    /** Sends tried, the first one included. */
    readonly attempts: number,
    cause: Error,
  ) {
    const names = topics.map((topic) => `'${topic}'`).join(', ');
    super(
      `Publishing to Kafka topic${topics.length === 1 ? '' : 's'} ${names} failed after ${attempts} attempt${
        attempts === 1 ? '' : 's'
      }: ${cause.message}`,
      { cause },
    );
    this.name = 'KafkaPublishError';
  }
}
