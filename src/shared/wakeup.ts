/**
 * A sleep that can be cut short. A signal sent while nobody sleeps is remembered, so a wake-up that
 * races with the end of a batch is not lost: the next sleep returns at once.
 */
export class Wakeup {
  private pending = false;
  private release: (() => void) | null = null;

  signal(): void {
    if (this.release) this.release();
    else this.pending = true;
  }

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.release = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.release = done;
    });
  }
}
