// Opens a PostgreSQL database (`postgres://user@host:port/db`) behind the same DbHandle as SQLite: the
// synchronous bridge (pg/database.ts), drizzle's migrations from drizzle-pg/ (generated from the same
// table definitions), and drizzle's SQLite query builder over the bridge (its SQL is translated like the
// rest: pg/translate.ts).
import path from 'node:path';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type Database from 'better-sqlite3';
import * as schema from '../schema';
import { packageRoot } from '../../paths';
import type { DbHandle } from '../open';
import { PgDatabase } from './database';

export function isPgUrl(s: string | undefined): s is string {
  return !!s && /^postgres(ql)?:\/\//i.test(s);
}

export function pgMigrationsFolder(): string {
  return path.join(/*turbopackIgnore: true*/ packageRoot(), 'drizzle-pg');
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

export function openPgDb(url: string, opts: { readonly?: boolean } = {}): DbHandle {
  const pg = new PgDatabase(url);
  try {
    // fails here, with the server's message, when the database cannot be reached
    pg.prepare('SELECT 1').get();
    if (!opts.readonly) pg.migrate(pgMigrationsFolder());
  } catch (err) {
    pg.close();
    throw err;
  }
  // drizzle's better-sqlite3 session only calls prepare/run/all/get/raw/transaction, which the bridge has
  const db = drizzle({ client: pg as unknown as Database.Database, schema });
  return { sqlite: pg, db, file: redactUrl(url), dialect: 'pg', close: () => pg.close() };
}

/** Migrations the PostgreSQL database has not had. */
export function pgPendingMigrations(pg: PgDatabase, all: { folderMillis: number }[]): number {
  const has = pg.prepare("SELECT 1 FROM information_schema.tables WHERE table_schema = 'drizzle' AND table_name = '__drizzle_migrations'").get();
  if (!has) return all.length;
  const last = pg.prepare('SELECT MAX(created_at) AS t FROM drizzle.__drizzle_migrations').get() as { t: number | null } | undefined;
  const lastMillis = last?.t != null ? Number(last.t) : -Infinity;
  return all.filter((m) => m.folderMillis > lastMillis).length;
}
