// The DB layer's SQL is written for SQLite; PostgreSQL gets it through this translation, done once per
// statement text (cached). What differs and how it is translated:
// - `?` parameters → `$1…$n`
// - `x IS ?` / `x IS NOT ?` (null-safe comparison) → `IS NOT DISTINCT FROM` / `IS DISTINCT FROM`
// - `LIKE` → `ILIKE` (SQLite's LIKE ignores ASCII case)
// - `INDEXED BY name` → dropped (the planner picks the partial index from the repeated WHERE)
// - `INSERT OR IGNORE` → `ON CONFLICT DO NOTHING`; `INSERT OR REPLACE` → `ON CONFLICT (primary key) DO
//   UPDATE` every other column
// - `AS camelCase` aliases → quoted (PostgreSQL folds unquoted names to lower case)
// - an INSERT into a table with an autoincrement key → `RETURNING` it (better-sqlite3's lastInsertRowid)
// - `json_group_array(x)` → `json_agg(x)::text` (SQLite returns the JSON text; so does this)
// - `sqlite_master` lookups → information_schema
// Statements are only rewritten outside string literals and quoted identifiers.
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { LITE_TABLES, pgTypeOf } from './schema';

type PgType = ReturnType<typeof pgTypeOf>;

interface TableInfo {
  pk: string[];
  columns: string[];
  /** each column's PostgreSQL type */
  types: Map<string, PgType>;
  /** the autoincrement key, returned by INSERTs */
  serial: string | null;
}

let tables: Map<string, TableInfo> | null = null;
function tableInfo(name: string): TableInfo | undefined {
  if (!tables) {
    tables = new Map();
    for (const t of Object.values(LITE_TABLES)) {
      const cfg = getTableConfig(t);
      const pk = cfg.primaryKeys.length ? cfg.primaryKeys[0].columns.map((c) => c.name) : cfg.columns.filter((c) => c.primary).map((c) => c.name);
      const serial = cfg.columns.find((c) => c.primary && 'autoIncrement' in c && c.autoIncrement)?.name ?? null;
      tables.set(cfg.name, { pk, columns: cfg.columns.map((c) => c.name), types: new Map(cfg.columns.map((c) => [c.name, pgTypeOf(t, c)])), serial });
    }
  }
  return tables.get(name);
}

/** A table whose single-row INSERTs the bridge may buffer (no autoincrement key to return): its key columns and column types. */
export function coalescible(table: string): { pk: string[]; types: Map<string, PgType> } | null {
  const info = tableInfo(table);
  return info && !info.serial ? { pk: info.pk, types: info.types } : null;
}

/** Splits SQL into code and literal parts ('…' strings, "…" identifiers), literals kept verbatim. */
function split(sql: string): { code: boolean; text: string }[] {
  const parts: { code: boolean; text: string }[] = [];
  let i = 0;
  let start = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      if (i > start) parts.push({ code: true, text: sql.slice(start, i) });
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) break;
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      parts.push({ code: false, text: sql.slice(i, j + 1) });
      i = j + 1;
      start = i;
    } else i++;
  }
  if (start < sql.length) parts.push({ code: true, text: sql.slice(start) });
  return parts;
}

export interface PgSql {
  text: string;
  /** named parameters (@name, :name, $name) in the order of $1…$n, when the statement uses them */
  names: string[] | null;
}

const cache = new Map<string, PgSql>();

export function toPgSql(sqlite: string): PgSql {
  let out = cache.get(sqlite);
  if (out === undefined) {
    out = translate(sqlite);
    if (cache.size > 5000) cache.clear();
    cache.set(sqlite, out);
  }
  return out;
}

function translate(src: string): PgSql {
  if (/sqlite_master/i.test(src)) return { text: translateMaster(src), names: null };
  let n = 0;
  let names: string[] | null = null;
  let orIgnore = false;
  let orReplace = false;
  const parts = split(src).map((p) => {
    if (!p.code) return p.text;
    let t = p.text;
    t = t.replace(/\bINDEXED\s+BY\s+\w+/gi, '');
    // the column `offset` (a reserved word in PostgreSQL; the keyword is OFFSET ? / offset ?)
    t = t.replace(/(?<![."\w])offset\b(?!\s*(\?|\d))/g, '"offset"');
    t = t.replace(/\bIS\s+NOT\s+(\?|-?\d+(?:\.\d+)?\b)/gi, 'IS DISTINCT FROM $1');
    t = t.replace(/\bIS\s+(\?|-?\d+(?:\.\d+)?\b)/gi, 'IS NOT DISTINCT FROM $1');
    t = t.replace(/\bNOT\s+LIKE\b/gi, 'NOT ILIKE').replace(/(?<!NOT\s)\bLIKE\b/gi, 'ILIKE');
    t = t.replace(/\bINSERT\s+OR\s+IGNORE\s+INTO\b/gi, () => ((orIgnore = true), 'INSERT INTO'));
    t = t.replace(/\bINSERT\s+OR\s+REPLACE\s+INTO\b/gi, () => ((orReplace = true), 'INSERT INTO'));
    t = t.replace(/\bjson_group_array\s*\(([^()]*)\)/gi, 'json_agg($1)::text');
    t = t.replace(/\bAS\s+([A-Za-z_][A-Za-z0-9_]*)\b/g, (m, name: string) => (/[A-Z]/.test(name) && !/^[A-Z_]+$/.test(name) ? `AS "${name}"` : m));
    // SQLite's way of writing ±Infinity (9e999) overflows PostgreSQL's float8
    t = t.replace(/(?<![\w.])\d+(?:\.\d+)?e\+?(\d+)\b/gi, (m, e: string) => (Number(e) > 308 ? "'Infinity'::float8" : m));
    t = t.replace(/\?(\d*)/g, (_m, num: string) => (num ? `$${num}` : `$${++n}`));
    t = t.replace(/(?<![:\w$])[@:$]([A-Za-z_]\w*)/g, (_m, name: string) => {
      names ??= [];
      let i = names.indexOf(name);
      if (i < 0) i = names.push(name) - 1;
      return `$${i + 1}`;
    });
    return t;
  });
  let sql = parts.join('');
  const ins = /^\s*INSERT\s+INTO\s+"?(\w+)"?\s*\(([^)]*)\)/i.exec(sql);
  if (ins) {
    const info = tableInfo(ins[1]);
    const returning = /\bRETURNING\b/i.test(sql);
    const trailing = sql.replace(/;\s*$/, '');
    let tail = '';
    if (orIgnore) tail += ' ON CONFLICT DO NOTHING';
    if (orReplace) {
      if (!info) throw new Error(`INSERT OR REPLACE into an unknown table: ${ins[1]}`);
      const cols = ins[2].split(',').map((c) => c.trim().replace(/"/g, ''));
      const set = cols.filter((c) => !info.pk.includes(c)).map((c) => `"${c}" = excluded."${c}"`);
      tail += ` ON CONFLICT (${info.pk.map((c) => `"${c}"`).join(', ')}) DO ${set.length ? `UPDATE SET ${set.join(', ')}` : 'NOTHING'}`;
    }
    if (!returning && info?.serial) tail += ` RETURNING "${info.serial}"`;
    sql = trailing + tail;
  }
  return { text: sql, names };
}

function translateMaster(src: string): string {
  // the only uses: "is there a table named X" and "which tables are there"
  const named = /name\s*=\s*'([^']+)'/i.exec(src);
  if (named) {
    const table = named[1] === '__drizzle_migrations' ? "table_schema = 'drizzle' AND table_name = '__drizzle_migrations'" : `table_schema = 'public' AND table_name = '${named[1]}'`;
    return `SELECT 1 AS one FROM information_schema.tables WHERE ${table}`;
  }
  return "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name";
}
