import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import * as schema from './schema';
import { packageRoot } from '../paths';
import { refreshStaleSummaries } from './runSummary';
import type { SqlDb, SqlDialect } from './sqlDb';
import { isPgUrl, openPgDb, pgMigrationsFolder, pgPendingMigrations } from './pg/open';
import { PgDatabase } from './pg/database';

export type Db = BetterSQLite3Database<typeof schema>;
export interface DbHandle {
  /** the database (better-sqlite3's, or PostgreSQL through the same synchronous API: pg/database.ts) */
  sqlite: SqlDb;
  db: Db;
  /** the file, or the PostgreSQL URL (password hidden) */
  file: string;
  dialect?: SqlDialect;
  close(): void;
}

function migrationsFolder(): string {
  return path.join(/*turbopackIgnore: true*/ packageRoot(), 'drizzle');
}

/**
 * How many of lrscope's migrations the database has not had (all of them for a database lrscope never
 * wrote). Reads only: what read-only openers check instead of migrating.
 */
export function pendingMigrations(sqlite: SqlDb): number {
  if (sqlite instanceof PgDatabase) return pgPendingMigrations(sqlite, readMigrationFiles({ migrationsFolder: pgMigrationsFolder() }));
  const all = readMigrationFiles({ migrationsFolder: migrationsFolder() });
  const hasTable = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  if (!hasTable) return all.length;
  const last = sqlite.prepare('SELECT created_at AS t FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1').get() as { t: number | string } | undefined;
  const lastMillis = last ? Number(last.t) : -Infinity;
  return all.filter((m) => m.folderMillis > lastMillis).length;
}

/** Opens (creating when missing) the database, applies pending migrations, and sets pragmas. */
export function openDb(file: string, opts: { readonly?: boolean } = {}): DbHandle {
  if (isPgUrl(file)) {
    const h = openPgDb(file, opts);
    if (!opts.readonly) refreshStaleSummaries(h.sqlite);
    return h;
  }
  if (file !== ':memory:' && !opts.readonly) fs.mkdirSync(/*turbopackIgnore: true*/ path.dirname(file), { recursive: true });
  const sqlite = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  // WAL: the watcher writes while the dashboard reads; NORMAL is durable across process crashes in WAL mode.
  if (!opts.readonly) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
  const db = drizzle({ client: sqlite, schema });
  if (!opts.readonly) {
    migrate(db, { migrationsFolder: migrationsFolder() });
    // runs from before run_summaries existed, or summarised by an older version, are summarised now
    refreshStaleSummaries(sqlite);
  }
  return { sqlite, db, file, dialect: 'sqlite', close: () => sqlite.close() };
}
