// Orchestration above the database and the pure analysis: load a stored run, diagnose it, store the
// findings. Shared by `lrscope ingest`, `lrscope diagnose` and the watcher.
import type { Store } from '../db/store';
import { loadRunData } from '../db/runData';
import { diagnoseRun } from '../analysis/diagnose';
import type { Finding } from '../analysis/types';

/** Diagnoses a stored run and saves the result; logs a `findings` change when the set changed. */
export function refreshFindings(store: Store, runId: number, now = Date.now()): Finding[] {
  const data = loadRunData(store.handle.sqlite, runId);
  if (!data) return [];
  const found = diagnoseRun(data);
  store.saveFindings(runId, found, now);
  return found;
}
