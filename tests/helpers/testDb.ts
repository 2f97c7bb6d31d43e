// The one switch that runs the ingest/API/diagnosis suite on either dialect (issue 12):
// LRSCOPE_TEST_DB=pg makes testDbUrl() a fresh PostgreSQL database (CREATE DATABASE on the throw-away
// cluster tests/globalSetup.ts starts once per test run), otherwise a SQLite file in the test's folder.
// Tests that are about SQLite itself (file corruption, WAL, PRAGMA, read-only files, its busy locking)
// keep their file path and say so.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SqlDb } from '../../server/db/sqlDb';

/** The dialect the suite runs on: LRSCOPE_TEST_DB=pg (or postgres) → PostgreSQL, else SQLite. */
export function testDialect(): 'sqlite' | 'pg' {
  const v = (process.env.LRSCOPE_TEST_DB ?? '').toLowerCase();
  return v === 'pg' || v === 'postgres' || v === 'postgresql' ? 'pg' : 'sqlite';
}

export const onPg = (): boolean => testDialect() === 'pg';

let n = 0;

/**
 * A new database for a test: `<dir>/<name>.sqlite` on SQLite; on PostgreSQL a new empty database on the
 * run's cluster (its URL), named after `name`, this process and a counter so every call is fresh.
 */
export function testDbUrl(dir: string, name = 'db'): string {
  if (!onPg()) return path.join(dir, name.includes('.') ? name : `${name}.sqlite`);
  const admin = process.env.LRSCOPE_TEST_PG_URL;
  const psql = process.env.LRSCOPE_TEST_PG_PSQL;
  if (!admin || !psql) throw new Error('LRSCOPE_TEST_DB=pg but no test cluster: run through vitest (tests/globalSetup.ts starts it)');
  const db = `t_${name.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${process.pid}_${++n}`;
  execFileSync(psql, ['-d', admin, '-qAtc', `CREATE DATABASE "${db}"`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return admin.replace(/\/[^/]*$/, `/${db}`);
}

/** Whether the test database exists yet (a file on SQLite; a database URL always exists). */
export function testDbExists(db: string): boolean {
  return onPg() ? true : fs.existsSync(db);
}

/**
 * The query plan of `sql`, one line per step joined by ' | ': SQLite's EXPLAIN QUERY PLAN details, or
 * PostgreSQL's EXPLAIN with sequential and bitmap scans disabled (on a test's small tables the planner would
 * scan and sort anyway: this asks whether an index serves the query in order, as SQLite's planner answers for
 * any size). PostgreSQL's plan shows the parameters' values.
 */
export function queryPlan(sqlite: SqlDb, sql: string, ...args: unknown[]): string {
  if (!onPg()) return (sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join(' | ');
  sqlite.exec('SET enable_seqscan = off; SET enable_bitmapscan = off');
  try {
    return (sqlite.prepare(`EXPLAIN ${sql}`).raw(true).all(...args) as string[][]).map((r) => r[0].trim()).join(' | ');
  } finally {
    sqlite.exec('RESET enable_seqscan; RESET enable_bitmapscan');
  }
}
