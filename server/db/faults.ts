// Storage faults: errors that say the database cannot be written *now* (disk full, read-only, locked by
// another program, an I/O error), as opposed to a bug or bad input. Nothing of a failed write is kept
// (every Store write is one transaction), so the same write can simply be tried again once the cause is
// gone: the watcher pauses and retries with back-off, one-shot commands stop with one clear line.

export type StorageFaultCode = 'disk-full' | 'read-only' | 'locked' | 'cannot-open' | 'io';

export interface StorageFault {
  code: StorageFaultCode;
  /** SQLite's or the OS's code, e.g. SQLITE_FULL, SQLITE_READONLY_DBMOVED, ENOSPC */
  cause: string;
  /** one line for the user: what happened and what to do */
  message: string;
}

const MESSAGES: Record<StorageFaultCode, string> = {
  'disk-full': 'the disk holding the database is full: free some space',
  'read-only': 'the database cannot be written (read-only file, folder or mount): check its permissions and the mount',
  locked: 'the database is locked by another program (an open sqlite3 shell or a backup?): close it',
  'cannot-open': 'the database file cannot be opened for writing (no such folder, no permission, or a read-only mount): check its path',
  io: 'the disk reported an I/O error while writing the database: check the disk',
};

function codeOf(cause: string): StorageFaultCode | null {
  if (cause === 'SQLITE_FULL' || cause === 'ENOSPC' || cause === 'EDQUOT') return 'disk-full';
  if (cause.startsWith('SQLITE_READONLY') || cause === 'EROFS' || cause === 'EACCES' || cause === 'EPERM') return 'read-only';
  if (cause.startsWith('SQLITE_BUSY') || cause.startsWith('SQLITE_LOCKED')) return 'locked';
  if (cause.startsWith('SQLITE_CANTOPEN')) return 'cannot-open';
  if (cause.startsWith('SQLITE_IOERR') || cause === 'EIO') return 'io';
  return null;
}

/**
 * The storage fault an error stands for, or null (a bug, bad input: not something waiting fixes).
 * `EACCES`/`EPERM` count only from SQLite or the database path (the caller passes those errors);
 * a data file that cannot be read is an ingest error of that file, not a storage fault.
 */
export function storageFault(err: unknown): StorageFault | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: unknown; name?: unknown };
  if (typeof e.code !== 'string') return null;
  const fromSqlite = e.name === 'SqliteError' || e.code.startsWith('SQLITE_');
  if (!fromSqlite && (e.code === 'EACCES' || e.code === 'EPERM')) return null;
  const code = codeOf(e.code);
  return code ? { code, cause: e.code, message: `${MESSAGES[code]} (${e.code})` } : null;
}
