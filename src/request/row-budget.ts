import { AppError } from '../shared/errors.js';

export class RowBudgetExceededError extends AppError {
  override name = 'RowBudgetExceededError';
  readonly code = 'BAD_USER_INPUT' as const;
}

/**
 * How many rows one request may load. The cost estimate refuses what could be too big before
 * execution; this bounds what actually is, whatever the estimate assumed about the data.
 */
export class RowBudget {
  private spent = 0;

  constructor(private readonly limit: number) {}

  /** Rows still allowed: a statement may ask for one more and spend what it got, to fail without loading the rest. */
  get remaining(): number {
    return Math.max(0, this.limit - this.spent);
  }

  spend(rows: number): void {
    this.spent += rows;
    if (this.spent > this.limit) {
      throw new RowBudgetExceededError(`This request would load more than ${this.limit} rows: ask for smaller pages (first) or fewer levels.`, {
        reason: 'MAX_ROWS_EXCEEDED',
        extensions: { limit: this.limit },
      });
    }
  }
}
