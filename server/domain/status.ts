// Run status from facts the store holds; pure so the watcher, `ingest` and the tests agree.
import type { RunStatus } from '../db/schema';

export interface StatusFacts {
  /** status set by the log itself (failed / interrupted) or a previous derivation */
  current: RunStatus;
  /** ms since epoch of the newest data */
  updatedAt: number | null;
  /** median ms between consecutive writes of the run's main series, when known */
  writeIntervalMs: number | null;
  lastStep: number | null;
  maxEpochs: number | null;
  limitTrainBatches: number | null;
  /** highest epoch of a (non-sanity) validation table */
  lastValidatedEpoch: number | null;
  /** the run folder is gone */
  missing: boolean;
}

export const STALL_MIN_MS = 10 * 60 * 1000;

/** running → stalled after max(10 min, 5 × the usual write interval) without data, unless finished. */
export function deriveStatus(f: StatusFacts, now: number): RunStatus {
  if (f.missing) return 'missing';
  if (f.current === 'failed' || f.current === 'interrupted') return f.current;
  if (isFinished(f)) return 'finished';
  if (f.updatedAt === null) return 'unknown';
  const stallAfter = Math.max(STALL_MIN_MS, 5 * (f.writeIntervalMs ?? 0));
  return now - f.updatedAt > stallAfter ? 'stalled' : 'running';
}

function isFinished(f: StatusFacts): boolean {
  if (f.maxEpochs === null) return false;
  if (f.lastValidatedEpoch !== null && f.lastValidatedEpoch >= f.maxEpochs - 1) return true;
  if (f.limitTrainBatches !== null && f.limitTrainBatches > 1 && f.lastStep !== null) {
    return f.lastStep + 1 >= f.maxEpochs * f.limitTrainBatches;
  }
  return false;
}
