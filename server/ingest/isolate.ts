// One file's ingest, isolated: whatever goes wrong reading one file becomes an ingest error of that file,
// and the other files and runs are still read. Only storage faults (server/db/faults.ts) propagate:
// they concern every file alike, and the caller decides (the watcher pauses and retries, `ingest` stops).
import fs from 'node:fs';
import type { SourceFile } from '../db/schema';
import type { Store } from '../db/store';
import { storageFault } from '../db/faults';
import { ingestFile, type FileResult } from './ingestFile';

export interface IsolatedResult extends FileResult {
  /** why this file could not be read this time (recorded as an ingest error); null when it was read */
  failed: string | null;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const line = msg.split('\n')[0];
  return line.length > 300 ? line.slice(0, 300) + '…' : line;
}

export function ingestFileIsolated(store: Store, file: SourceFile): IsolatedResult {
  // A file that exists but cannot be opened (permissions, a folder by that name…): ingestFile records the
  // problem; the caller also learns it failed, so it can try again later.
  let unreadable: string | null = null;
  try {
    fs.closeSync(fs.openSync(file.path, 'r'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') unreadable = `cannot open: ${firstLine(err)}`;
  }
  try {
    const r = ingestFile(store, file);
    return { ...r, failed: unreadable };
  } catch (err) {
    if (storageFault(err)) throw err;
    const reason = `read failed: ${firstLine(err)}`;
    const issues = store.recordIssues(file.runId, file.path, [{ reason }]);
    return { path: file.path, points: 0, bytes: 0, replaced: false, missing: false, issues, failed: reason };
  }
}
