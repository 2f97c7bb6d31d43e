// The PostgreSQL tables, built from the SQLite table definitions in ../schema.ts (the one source of table
// types): same tables, columns, defaults, keys, indexes and foreign keys; nothing here is written by hand
// per table, so the two dialects cannot drift. drizzle-kit generates drizzle-pg/ from this file
// (drizzle.pg.config.ts), as it generates drizzle/ from ../schema.ts.
//
// Type mapping (SQLite has dynamic types, PostgreSQL does not):
// - text → text (enums stay text, as in SQLite)
// - real → double precision (SQLite REAL is an 8-byte float; pg `real` would be 4 bytes)
// - integer primary key autoincrement → bigserial
// - integer key columns (primary keys, foreign keys, `id`, `*_id`, `seq`) → bigint
// - other integer columns → double precision: SQLite keeps a fraction written into an INTEGER column
//   (ms timestamps computed from float wall times), and float8 holds every integer up to 2^53 exactly
import { getTableConfig, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import {
  pgTable,
  pgSequence,
  bigint,
  bigserial,
  doublePrecision,
  text,
  index,
  uniqueIndex,
  primaryKey,
  foreignKey,
  type PgColumnBuilderBase,
  type PgTableWithColumns,
  type IndexBuilder,
  type PrimaryKeyBuilder,
  type ForeignKeyBuilder,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import * as lite from '../schema';

/** The SQLite tables, in the order they may be created (referenced tables first). */
export const LITE_TABLES = {
  runs: lite.runs,
  deletedRuns: lite.deletedRuns,
  runSummaries: lite.runSummaries,
  series: lite.series,
  points: lite.points,
  seriesSummary: lite.seriesSummary,
  validationTables: lite.validationTables,
  gpuSamples: lite.gpuSamples,
  sourceFiles: lite.sourceFiles,
  ingestErrors: lite.ingestErrors,
  changes: lite.changes,
  findings: lite.findings,
} as const;

type ExtraConfig = IndexBuilder | PrimaryKeyBuilder | ForeignKeyBuilder;
type AnyPgTable = PgTableWithColumns<{
  name: string;
  schema: undefined;
  columns: Record<string, AnyPgColumn>;
  dialect: 'pg';
}>;

/** How a SQLite column maps to PostgreSQL (see the header). */
export function pgTypeOf(table: SQLiteTable, col: SQLiteColumn): 'bigserial' | 'bigint' | 'double precision' | 'text' {
  const type = col.getSQLType();
  if (type === 'text' || type.startsWith('text')) return 'text';
  if (type === 'real') return 'double precision';
  if (type !== 'integer') throw new Error(`${getTableConfig(table).name}.${col.name}: no PostgreSQL mapping for ${type}`);
  const cfg = getTableConfig(table);
  if (col.primary && 'autoIncrement' in col && col.autoIncrement) return 'bigserial';
  const isKey =
    col.primary ||
    cfg.primaryKeys.some((pk) => pk.columns.includes(col)) ||
    cfg.foreignKeys.some((fk) => fk.reference().columns.includes(col)) ||
    col.name === 'id' ||
    col.name === 'seq' ||
    col.name.endsWith('_id');
  return isKey ? 'bigint' : 'double precision';
}

function pgColumn(table: SQLiteTable, col: SQLiteColumn): PgColumnBuilderBase {
  const kind = pgTypeOf(table, col);
  let b;
  if (kind === 'bigserial') b = bigserial(col.name, { mode: 'number' });
  else if (kind === 'bigint') b = bigint(col.name, { mode: 'number' });
  else if (kind === 'double precision') b = doublePrecision(col.name);
  else b = text(col.name);
  if (col.primary) b = b.primaryKey();
  else if (col.notNull) b = b.notNull();
  if (col.hasDefault && col.default !== undefined && kind !== 'bigserial') {
    // SQLite booleans are 0/1 integers: so are their PostgreSQL columns
    const d = typeof col.default === 'boolean' ? Number(col.default) : col.default;
    b = b.default(d as never);
  }
  return b;
}

const built = new Map<SQLiteTable, AnyPgTable>();

function toPg(table: SQLiteTable): AnyPgTable {
  const done = built.get(table);
  if (done) return done;
  const cfg = getTableConfig(table);
  const cols: Record<string, PgColumnBuilderBase> = {};
  const byName = new Map<string, string>();
  for (const [key, col] of Object.entries(table) as [string, unknown][]) {
    const c = cfg.columns.find((x) => x === col);
    if (c) {
      cols[key] = pgColumn(table, c);
      byName.set(c.name, key);
    }
  }
  const pick = (t: Record<string, AnyPgColumn>, c: SQLiteColumn): AnyPgColumn => t[byName.get(c.name)!];
  const t = pgTable(cfg.name, cols, (pt) => {
    const cs = pt as unknown as Record<string, AnyPgColumn>;
    const extra: ExtraConfig[] = [];
    for (const pk of cfg.primaryKeys) {
      extra.push(primaryKey({ columns: pk.columns.map((c) => pick(cs, c)) as [AnyPgColumn, ...AnyPgColumn[]] }));
    }
    for (const ix of cfg.indexes) {
      const on = ix.config.columns.map((c) => pick(cs, c as SQLiteColumn)) as [AnyPgColumn, ...AnyPgColumn[]];
      let b = (ix.config.unique ? uniqueIndex(ix.config.name) : index(ix.config.name)).on(...on);
      if (ix.config.where) b = b.where(ix.config.where);
      extra.push(b);
    }
    for (const fk of cfg.foreignKeys) {
      const ref = fk.reference();
      const target = toPg(ref.foreignTable) as unknown as Record<string, AnyPgColumn>;
      const targetCfg = getTableConfig(ref.foreignTable);
      const targetKey = (c: SQLiteColumn) => Object.keys(ref.foreignTable).find((k) => (ref.foreignTable as unknown as Record<string, unknown>)[k] === c)!;
      void targetCfg;
      let b = foreignKey({
        name: fk.getName(),
        columns: ref.columns.map((c) => pick(cs, c)) as [AnyPgColumn, ...AnyPgColumn[]],
        foreignColumns: ref.foreignColumns.map((c) => target[targetKey(c)]) as [AnyPgColumn, ...AnyPgColumn[]],
      });
      if (fk.onDelete) b = b.onDelete(fk.onDelete);
      extra.push(b);
    }
    return extra;
  }) as unknown as AnyPgTable;
  built.set(table, t);
  return t;
}

export const runs = toPg(LITE_TABLES.runs);
export const deletedRuns = toPg(LITE_TABLES.deletedRuns);
export const runSummaries = toPg(LITE_TABLES.runSummaries);
export const series = toPg(LITE_TABLES.series);
export const points = toPg(LITE_TABLES.points);
export const seriesSummary = toPg(LITE_TABLES.seriesSummary);
export const validationTables = toPg(LITE_TABLES.validationTables);
export const gpuSamples = toPg(LITE_TABLES.gpuSamples);
export const sourceFiles = toPg(LITE_TABLES.sourceFiles);
export const ingestErrors = toPg(LITE_TABLES.ingestErrors);
export const changes = toPg(LITE_TABLES.changes);
export const findings = toPg(LITE_TABLES.findings);

/**
 * PostgreSQL only: bumped by every write transaction, what `PRAGMA data_version` is on SQLite (a store's
 * in-memory series state is dropped when another writer committed). See pg/database.ts.
 */
export const writeGeneration = pgSequence('lrscope_write_generation');
