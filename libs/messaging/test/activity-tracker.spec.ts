// ActivityTracker: what is in flight, with descriptions built only when someone asks for them.
import { describe, expect, it } from '@jest/globals';
import { ActivityTracker } from '@momentum/messaging';

describe('ActivityTracker', () => {
  it('lists tracked work while it runs, building a lazy description only when asked', async () => {
    const tracker = new ActivityTracker();
    let built = 0;
    let finish!: () => void;
    const running = tracker.track(
      () => {
        built++;
        return 'kafka:orders record 3@42';
      },
      () => new Promise<void>((resolve) => (finish = resolve)),
    );
    const eager = tracker.track('invoke PlaceOrder', async () => 'done');

    expect(built).toBe(0);
    expect(tracker.inFlight()).toEqual(['kafka:orders record 3@42', 'invoke PlaceOrder']);
    expect(built).toBe(1);
    await expect(eager).resolves.toBe('done');
    expect(tracker.inFlight()).toEqual(['kafka:orders record 3@42']);
    finish();
    await running;
    expect(tracker.inFlight()).toEqual([]);
  });

  it('stops tracking work that fails, and passes its error on', async () => {
    const tracker = new ActivityTracker();
    await expect(
      tracker.track(
        () => 'failing',
        async () => {
          throw new Error('handler failed');
        },
      ),
    ).rejects.toThrow('handler failed');
    expect(tracker.inFlight()).toEqual([]);
  });
});
