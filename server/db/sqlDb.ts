// The database as the DB layer uses it: the synchronous prepare/run/get/all/transaction subset of
// better-sqlite3's API. better-sqlite3's Database is one implementation (SQLite, the default); PgDatabase
// (pg/database.ts) is the other: the same calls on PostgreSQL, SQL translated from the SQLite dialect.
export type SqlDialect = 'sqlite' | 'pg';

export interface SqlRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface SqlStatement {
  run(...params: unknown[]): SqlRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** rows as their first column's value */
  pluck(toggle?: boolean): this;
  /** rows as arrays in column order */
  raw(toggle?: boolean): this;
}

// the same shapes as better-sqlite3's typings (so its Database is an SqlDb)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type VariableArgFunction = (...params: any[]) => unknown;
type ArgumentTypes<F extends VariableArgFunction> = F extends (...args: infer A) => unknown ? A : never;

export interface SqlTransaction<F extends VariableArgFunction> {
  (...params: ArgumentTypes<F>): ReturnType<F>;
  default(...params: ArgumentTypes<F>): ReturnType<F>;
  deferred(...params: ArgumentTypes<F>): ReturnType<F>;
  immediate(...params: ArgumentTypes<F>): ReturnType<F>;
  exclusive(...params: ArgumentTypes<F>): ReturnType<F>;
}

export interface SqlDb {
  prepare(sql: string): SqlStatement;
  transaction<F extends VariableArgFunction>(fn: F): SqlTransaction<F>;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(sql: string): unknown;
  close(): unknown;
  readonly inTransaction: boolean;
}
