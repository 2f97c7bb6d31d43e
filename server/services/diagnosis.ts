// Orchestration above the database and the pure analysis: load a stored run, diagnose it, store the
// findings. Shared by `lrscope ingest`, `lrscope diagnose` and the watcher.
import type Database from 'better-sqlite3';
import { loadRunData } from '../db/runData';
import { saveFindings } from '../db/findings';
import { diagnoseRun } from '../analysis/diagnose';
import type { Finding } from '../analysis/types';

/** Diagnoses a stored run and saves the result; logs a `findings` change when the set changed. */
export function refreshFindings(sqlite: Database.Database, runId: number, now = Date.now()): Finding[] {
  const data = loadRunData(sqlite, runId);
  if (!data) return [];
  const found = diagnoseRun(data);
  saveFindings(sqlite, runId, found, now);
  return found;
}
