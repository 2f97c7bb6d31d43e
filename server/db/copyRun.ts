// `lrscope export-db`: copies runs, with every row they own, from one database to another (a local SQLite
// history into a team's PostgreSQL database, and back). Generic over the schema (the column lists come
// from the table definitions, so a new column is copied without a change here); row ids are new in the
// destination and the references to them (run_id, series_id, file_id) are renumbered.
//
// Identity across databases: a run is its key, a file its (host, path). The source's own host (SQLite:
// '' unless $LRSCOPE_SOURCE_HOST; PostgreSQL: this machine's name) becomes the destination's own host,
// so `lrscope watch` on this machine continues from the copied offsets after the copy; rows of other
// hosts keep their host. A run already in the destination is left alone when it holds the same data
// (idempotent: a second copy changes nothing), else replaced by the source's rows in one transaction.
import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { SqlDb } from './sqlDb';
import type { Store } from './store';
import { LITE_TABLES } from './pg/schema';

type Row = Record<string, unknown>;

interface TableCols {
  name: string;
  /** every column but the autoincrement key */
  cols: string[];
  serial: string | null;
}

function colsOf(t: SQLiteTable): TableCols {
  const cfg = getTableConfig(t);
  const serial = cfg.columns.find((c) => c.primary && 'autoIncrement' in c && c.autoIncrement)?.name ?? null;
  return { name: cfg.name, cols: cfg.columns.map((c) => c.name).filter((c) => c !== serial), serial };
}

const T = {
  runs: colsOf(LITE_TABLES.runs),
  runSummaries: colsOf(LITE_TABLES.runSummaries),
  series: colsOf(LITE_TABLES.series),
  points: colsOf(LITE_TABLES.points),
  seriesSummary: colsOf(LITE_TABLES.seriesSummary),
  validationTables: colsOf(LITE_TABLES.validationTables),
  gpuSamples: colsOf(LITE_TABLES.gpuSamples),
  sourceFiles: colsOf(LITE_TABLES.sourceFiles),
  ingestErrors: colsOf(LITE_TABLES.ingestErrors),
  findings: colsOf(LITE_TABLES.findings),
};

const q = (c: string) => `"${c}"`;
const list = (cols: string[]) => cols.map(q).join(', ');
const insertSql = (t: TableCols) => `INSERT INTO ${t.name} (${list(t.cols)}) VALUES (${t.cols.map(() => '?').join(',')})`;

/** How keys and file hosts of the source read in the destination. */
export interface HostMap {
  /** the source database's own host (its store's host) */
  from: string;
  /** the destination's */
  to: string;
}

export function mapHost(h: string, m: HostMap): string {
  return h === m.from ? m.to : h;
}

/** A source run key in the destination: the source host's suffix replaced by the destination's. */
export function mapKey(key: string, m: HostMap): string {
  let base = key;
  if (m.from) {
    if (!key.endsWith(`@${m.from}`)) return key; // another host's run: its key stays
    base = key.slice(0, -(m.from.length + 1));
  }
  return m.to ? `${base}@${m.to}` : base;
}

const PAGE = 50_000;

/** What a run holds, comparable across databases (no row ids): equal means a copy would change nothing. */
function signature(db: SqlDb, runId: number, hostOf: (h: string) => string): string {
  const run = db.prepare(`SELECT ${list(T.runs.cols.filter((c) => c !== 'key' && c !== 'host'))} FROM runs WHERE id = ?`).raw().get(runId);
  const files = (db.prepare('SELECT host, path, kind, "offset", size, state FROM source_files WHERE run_id = ? ORDER BY path, host').raw().all(runId) as unknown[][]).map(
    ([h, ...rest]) => [hostOf(h as string), ...rest],
  );
  const series = db.prepare('SELECT tag, n_points, last_step, generation FROM series WHERE run_id = ? ORDER BY tag').raw().all(runId);
  const counts = ['findings', 'validation_tables', 'gpu_samples'].map((t) => db.prepare(`SELECT COUNT(*) FROM ${t} WHERE run_id = ?`).pluck().get(runId));
  return JSON.stringify([run, files, series, counts]);
}

export interface CopyResult {
  runs: number;
  copied: number;
  unchanged: number;
  points: number;
}

/**
 * Copies every run of `src` into the destination store (its writes go through Store.replaceRun: one
 * transaction per run, under the store's write lock).
 */
export function copyRuns(src: SqlDb, dst: Store, hosts: HostMap, log: (line: string) => void = () => {}): CopyResult {
  const out: CopyResult = { runs: 0, copied: 0, unchanged: 0, points: 0 };
  const runs = src.prepare('SELECT id, key, name FROM runs ORDER BY id').all() as { id: number; key: string; name: string }[];
  const dstDb = dst.handle.sqlite;
  for (const r of runs) {
    out.runs++;
    const key = mapKey(r.key, hosts);
    const existing = dstDb.prepare('SELECT id FROM runs WHERE key = ?').pluck().get(key) as number | undefined;
    if (existing !== undefined && signature(src, r.id, (h) => mapHost(h, hosts)) === signature(dstDb, existing, (h) => h)) {
      out.unchanged++;
      continue;
    }
    const points = dst.replaceRun(key, (db) => copyRun(src, r.id, db, key, hosts));
    out.copied++;
    out.points += points.points;
    log(`${r.name}: ${points.points} points${existing !== undefined ? ' (replaced the destination\'s copy)' : ''}`);
  }
  return out;
}

/** Writes run `runId` of `src` into `db` (inside the destination store's transaction); its new id and points. */
function copyRun(src: SqlDb, runId: number, db: SqlDb, key: string, hosts: HostMap): { runId: number; points: number } {
  const run = src.prepare(`SELECT ${list(T.runs.cols)} FROM runs WHERE id = ?`).get(runId) as Row;
  run.key = key;
  // the host shown stays what the source knew (the files' machine, or what its event files name)
  run.host ??= hosts.to || null;
  const newRun = Number(db.prepare(insertSql(T.runs)).run(T.runs.cols.map((c) => run[c])).lastInsertRowid);

  const files = new Map<number, number>();
  for (const f of src.prepare(`SELECT id, ${list(T.sourceFiles.cols)} FROM source_files WHERE run_id = ?`).all(runId) as Row[]) {
    f.run_id = newRun;
    f.host = mapHost(String(f.host ?? ''), hosts);
    files.set(Number(f.id), Number(db.prepare(insertSql(T.sourceFiles)).run(T.sourceFiles.cols.map((c) => f[c])).lastInsertRowid));
  }
  const fileId = (id: unknown) => (id === null || id === undefined ? null : (files.get(Number(id)) ?? id));

  const seriesIds = new Map<number, number>();
  for (const s of src.prepare(`SELECT id, ${list(T.series.cols)} FROM series WHERE run_id = ?`).all(runId) as Row[]) {
    s.run_id = newRun;
    seriesIds.set(Number(s.id), Number(db.prepare(insertSql(T.series)).run(T.series.cols.map((c) => s[c])).lastInsertRowid));
  }

  // points and summaries, series by series, in pages (a run may hold tens of millions of points)
  let points = 0;
  const pointCols = T.points.cols;
  const insPoint = db.prepare(insertSql(T.points));
  const seriesCol = pointCols.indexOf('series_id');
  const fileCol = pointCols.indexOf('file_id');
  const pagePoints = src.prepare(
    `SELECT ${list(pointCols)} FROM points WHERE series_id = ? AND (seg, step, dup) > (?, ?, ?) ORDER BY seg, step, dup LIMIT ${PAGE}`,
  ).raw();
  const sumCols = T.seriesSummary.cols;
  const insSum = db.prepare(insertSql(T.seriesSummary));
  const sumSeriesCol = sumCols.indexOf('series_id');
  const pageSums = src.prepare(
    `SELECT ${list(sumCols)} FROM series_summary WHERE series_id = ? AND (seg, level, idx) > (?, ?, ?) ORDER BY seg, level, idx LIMIT ${PAGE}`,
  ).raw();
  const segAt = pointCols.indexOf('seg');
  const stepAt = pointCols.indexOf('step');
  const dupAt = pointCols.indexOf('dup');
  const [sSeg, sLevel, sIdx] = ['seg', 'level', 'idx'].map((c) => sumCols.indexOf(c));
  for (const [oldId, newId] of seriesIds) {
    let after: unknown[] = [-1, 0, 0];
    for (;;) {
      const page = pagePoints.all(oldId, ...after) as unknown[][];
      for (const p of page) {
        p[seriesCol] = newId;
        p[fileCol] = fileId(p[fileCol]);
        insPoint.run(p);
      }
      points += page.length;
      if (page.length < PAGE) break;
      const last = page[page.length - 1];
      after = [last[segAt], last[stepAt], last[dupAt]];
    }
    after = [-1, 0, 0];
    for (;;) {
      const page = pageSums.all(oldId, ...after) as unknown[][];
      for (const p of page) {
        p[sumSeriesCol] = newId;
        insSum.run(p);
      }
      if (page.length < PAGE) break;
      const last = page[page.length - 1];
      after = [last[sSeg], last[sLevel], last[sIdx]];
    }
  }

  // the run's other rows: each row renumbered (run_id, file_id), everything else as it is
  const rest: [TableCols, string][] = [
    [T.runSummaries, 'run_id = ?'],
    [T.validationTables, 'run_id = ?'],
    [T.gpuSamples, 'run_id = ?'],
    [T.findings, 'run_id = ?'],
    [T.ingestErrors, 'run_id = ?'],
  ];
  for (const [t, where] of rest) {
    const ins = db.prepare(insertSql(t));
    for (const row of src.prepare(`SELECT ${list(t.cols)} FROM ${t.name} WHERE ${where}`).all(runId) as Row[]) {
      row.run_id = newRun;
      if ('file_id' in row) row.file_id = fileId(row.file_id);
      ins.run(t.cols.map((c) => row[c]));
    }
  }
  return { runId: newRun, points };
}
