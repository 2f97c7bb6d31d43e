// Retrying without a busy loop and reporting without a flood: the watcher's two tools for faults.

/** minMs, 2·minMs, 4·minMs … for attempts 1, 2, 3 …, never more than maxMs. */
export function backoffMs(attempt: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, minMs * 2 ** Math.max(0, Math.min(30, attempt - 1)));
}

/**
 * One clear line per problem: the first time it happens, then at most every `everyMs` while it goes on
 * (saying how many repeats were held back). `clear` forgets a problem that went away, so that the next
 * occurrence is reported at once.
 */
export class LogLimiter {
  private readonly last = new Map<string, { at: number; held: number }>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs `line` unless the same problem was reported less than everyMs ago; true when logged. */
  say(key: string, line: string): boolean {
    const t = this.now();
    const prev = this.last.get(key);
    if (prev && t - prev.at < this.everyMs) {
      prev.held++;
      return false;
    }
    this.log(prev && prev.held > 0 ? `${line} (${prev.held} more like it since the last report)` : line);
    this.last.set(key, { at: t, held: 0 });
    return true;
  }

  /** Whether the problem was reported (and not cleared since). */
  has(key: string): boolean {
    return this.last.has(key);
  }

  clear(key: string): void {
    this.last.delete(key);
  }
}
