// Which machine a store's file paths belong to (source_files.host; a file is (host, path)).
// $LRSCOPE_SOURCE_HOST names it (watchers that see one NFS folder give it the same name, so they share
// its offsets); else '' on SQLite (a local database: this machine) and the host name on PostgreSQL
// (a team database: paths of different machines are different files).
import os from 'node:os';
import type { DbHandle } from '../open';

export function fileHost(handle: Pick<DbHandle, 'dialect'>): string {
  const named = process.env.LRSCOPE_SOURCE_HOST;
  if (named !== undefined) return named;
  return handle.dialect === 'pg' ? os.hostname() : '';
}
