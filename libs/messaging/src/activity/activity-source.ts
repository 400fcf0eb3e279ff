/** Something that holds work in flight: a queue, a transport, a scheduler. */
export interface ActivitySource {
  /** A short description of each piece of unfinished work; empty when idle. */
  inFlight(): string[];
}
