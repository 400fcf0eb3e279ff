import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { CircuitBreaker, type CircuitState } from '../../src/transports/kafka/circuit-breaker.js';

describe('CircuitBreaker', () => {
  const settings = { windowMs: 10_000, minimumCalls: 4, failureRateThreshold: 0.5, cooldownMs: 5_000 };
  let states: CircuitState[];

  beforeEach(() => {
    jest.useFakeTimers();
    states = [];
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  function breaker(): CircuitBreaker {
    const created = new CircuitBreaker(settings);
    created.onStateChange((state) => states.push(state));
    return created;
  }

  it('stays closed until the minimum number of calls, then opens at the failure-rate threshold', () => {
    const circuit = breaker();
    circuit.record(true);
    circuit.record(true);
    circuit.record(true);
    expect(circuit.state).toBe('closed');
    circuit.record(false);
    expect(circuit.state).toBe('closed');

    const other = breaker();
    [false, false, true, true].forEach((failed) => other.record(failed));
    expect(other.state).toBe('open');
    expect(states).toEqual(['open']);
  });

  it('stays closed while failures stay below the threshold', () => {
    const circuit = breaker();
    for (let i = 0; i < 30; i++) circuit.record(i % 3 === 2); // one failure in three
    expect(circuit.state).toBe('closed');
  });

  it('forgets outcomes older than the window', () => {
    const circuit = breaker();
    [true, true, true].forEach((failed) => circuit.record(failed));
    jest.advanceTimersByTime(settings.windowMs + 1_000);
    circuit.record(true);
    expect(circuit.state).toBe('closed');
  });

  it('turns half-open after the cooldown; a success closes it, a failure opens it again at once', () => {
    const circuit = breaker();
    [true, true, true, true].forEach((failed) => circuit.record(failed));
    expect(circuit.state).toBe('open');
    circuit.record(false); // work that was already running when it opened does not count
    jest.advanceTimersByTime(settings.cooldownMs - 1);
    expect(circuit.state).toBe('open');
    jest.advanceTimersByTime(1);
    expect(circuit.state).toBe('half-open');
    circuit.record(true);
    expect(circuit.state).toBe('open');
    jest.advanceTimersByTime(settings.cooldownMs);
    circuit.record(false);
    expect(circuit.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('dispose stops a running cooldown', () => {
    const circuit = breaker();
    [true, true, true, true].forEach((failed) => circuit.record(failed));
    circuit.dispose();
    jest.advanceTimersByTime(settings.cooldownMs * 2);
    expect(circuit.state).toBe('open');
  });
});
