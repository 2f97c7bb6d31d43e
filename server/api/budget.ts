// How much one HTTP request may ask for. tRPC creates one context per request, shared by every call of
// a batch, so a budget kept there bounds the batch as a whole: each series-returning call spends
// (series it will return) × maxPoints before it reads anything, and a call past the budget is refused
// with BAD_REQUEST and a message that says what to change.
import { TRPCError } from '@trpc/server';

/** Points (series × maxPoints) one request may ask for: 500 series at the UI's 2,000 points. */
export const REQUEST_POINT_BUDGET = 1_000_000;

/** At most this many calls in one batched request. */
export const MAX_BATCH_SIZE = 100;

export class WorkBudget {
  private used = 0;

  constructor(readonly limit = REQUEST_POINT_BUDGET) {}

  get left(): number {
    return this.limit - this.used;
  }

  /** Takes `points` from the budget, or throws BAD_REQUEST (leaving the budget as it was). */
  spend(points: number, what: string): void {
    if (points > this.left) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message:
          `too much data for one request: ${what} would return up to ${points.toLocaleString('en-US')} points (series × maxPoints), ` +
          `and this request has ${this.left.toLocaleString('en-US')} of its ${this.limit.toLocaleString('en-US')}-point budget left. ` +
          'Ask for fewer runs or tags, a lower maxPoints, or split the request.',
      });
    }
    this.used += points;
  }
}

/** Lets other requests in between chunks of a long read (the database driver is synchronous). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
