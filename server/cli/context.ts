import fs from 'node:fs';
import path from 'node:path';
import { openDb, pendingMigrations, type DbHandle } from '../db/open';
import { Store } from '../db/store';
import { storageFault } from '../db/faults';
import { resolveDbPath } from '../paths';
import { CliError } from './args';
import { maxOf } from '../lib/reduce';
import { isPgUrl, openPgForCli } from '../db/pg/cli';

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const stdio: CliIO = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

/** The database for a command that writes (ingest, watch, diagnose <path>): created when missing. */
export function openStore(dbFlag: string | undefined): { handle: DbHandle; store: Store } {
  const handle = openForWrite(dbFlag);
  return { handle, store: new Store(handle) };
}

/** Whether the user named the database (--db or $LRSCOPE_DB) rather than taking .lrscope/lrscope.db. */
function named(dbFlag: string | undefined): boolean {
  return dbFlag !== undefined || !!process.env.LRSCOPE_DB;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const NOT_A_DB = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

/** Runs `open`; a file that is not a SQLite database (or a damaged one) becomes one clear line. */
function guarded(file: string, open: () => DbHandle): DbHandle {
  try {
    return open();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_A_DB.has(code)) throw new CliError(`${file} is not an lrscope database (not a SQLite file, or a damaged one): check --db`);
    throw err;
  }
}

/** True when the file holds tables but none of lrscope's: another program's SQLite database. */
function foreign(h: DbHandle): boolean {
  const tables = h.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  return tables.length > 0 && !tables.includes('__drizzle_migrations');
}

/**
 * Opens the database for writing. The default .lrscope/ folder is created; a folder the user named
 * (--db, $LRSCOPE_DB) must exist — a typo never silently makes a new folder and an empty database.
 */
export function openForWrite(dbFlag: string | undefined): DbHandle {
  const file = resolveDbPath(dbFlag);
  if (isPgUrl(file)) return openPgForCli(file, false);
  const dir = path.dirname(file);
  if (isDir(file)) throw new CliError(`${file} is a folder, not a database file: pass --db FOLDER/lrscope.db`);
  if (!fs.existsSync(dir)) {
    if (named(dbFlag)) throw new CliError(`no folder ${dir} for the database ${path.basename(file)}: check the path (lrscope creates the file, not its folder)`);
  } else if (!isDir(dir)) {
    throw new CliError(`${dir} is not a folder: check the database path ${file}`);
  }
  if (fs.existsSync(file) && fs.statSync(file).size > 0) {
    // another program's database is not migrated into: look first, read-only
    const peek = guarded(file, () => openDb(file, { readonly: true }));
    try {
      if (foreign(peek)) throw new CliError(`${file} is a SQLite database, but not lrscope's: pass another --db`);
    } finally {
      peek.close();
    }
  }
  return guarded(file, () => openDb(file));
}

/**
 * Opens the database for a command that only reads (runs, export, errors, diagnose <run>): never creates
 * a file or folder and never writes — a read-only file or mount works. A database from an older lrscope is
 * migrated first when it can be written; when it cannot, that is said in one line.
 */
export function openForRead(dbFlag: string | undefined): DbHandle {
  const file = resolveDbPath(dbFlag);
  // PostgreSQL: migrations are applied on open (a read-only role fails there with the server's message)
  if (isPgUrl(file)) return openPgForCli(file, false);
  const dir = path.dirname(file);
  if (isDir(file)) throw new CliError(`${file} is a folder, not a database file: pass --db FOLDER/lrscope.db`);
  if (!fs.existsSync(file)) {
    if (named(dbFlag) && !isDir(dir)) throw new CliError(`no database at ${file} (there is no folder ${dir}): check --db`);
    const hint = named(dbFlag) ? ` --db ${dbFlag ?? process.env.LRSCOPE_DB}` : '';
    throw new CliError(`no database at ${file}: ingest runs first ('lrscope ingest <folder>${hint}'), or pass --db FILE`);
  }
  const h = guarded(file, () => openDb(file, { readonly: true }));
  let pending: number;
  try {
    if (foreign(h)) throw new CliError(`${file} is a SQLite database, but not lrscope's: check --db`);
    pending = pendingMigrations(h.sqlite);
    if (pending > 0 && !h.sqlite.prepare("SELECT 1 FROM sqlite_master WHERE name = '__drizzle_migrations'").get()) {
      throw new CliError(`${file} is empty: not an lrscope database (ingest runs into it first)`);
    }
  } catch (err) {
    h.close();
    throw err;
  }
  if (pending === 0) return h;
  h.close();
  try {
    return openDb(file); // migrates
  } catch (err) {
    if (storageFault(err)) {
      throw new CliError(
        `${file} was written by an older lrscope and needs ${pending} migration${pending === 1 ? '' : 's'}, which cannot be written here (read-only file or mount): run 'lrscope ingest' on it once with write access`,
      );
    }
    throw err;
  }
}

/** Fixed-width text table for terminal output. */
export function formatTable(headers: string[], rows: (string | number | null)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = headers.map((_, i) => maxOf(cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

export function fmtTime(ms: number | null): string | null {
  if (ms === null) return null;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
