import { describe, expect, it } from 'vitest';
import { Wakeup } from '../../src/shared/wakeup.js';

describe('Wakeup', () => {
  it('cuts a sleep short', async () => {
    const wakeup = new Wakeup();
    const started = Date.now();
    const sleeping = wakeup.sleep(10_000);
    wakeup.signal();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('remembers a signal sent while nobody sleeps, once', async () => {
    const wakeup = new Wakeup();
    wakeup.signal();
    const started = Date.now();
    await wakeup.sleep(10_000);
    expect(Date.now() - started).toBeLessThan(1000);
    await wakeup.sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
