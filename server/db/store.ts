// The one place that writes to SQLite. Rows and the file offset that produced them commit in one
// transaction, so a killed process leaves the database at a file boundary it can resume from.
import type { SqlDb, SqlStatement } from './sqlDb';
import type { DbHandle } from './open';
import type { RunKind, RunStatus, FileKind, SourceFile } from './schema';
import type { GpuSample, ReadIssue, ScalarRecord } from '../ingest/types';
import { toColumns, type ScalarColumns } from '../ingest/scalarColumns';
import { PyramidWriter, type PyramidState } from './pyramidWriter';
import { refreshRunSummary, summariseChunk } from './runSummary';
import { refreshStatus } from './runs';
import { saveFindings } from './findings';
import type { Finding } from '../analysis/types';
import { fileHost } from './pg/host';

interface SeriesState {
  id: number;
  seg: number;
  lastStep: number | null;
  dup: number;
  n: number;
  firstStep: number | null;
  lastWall: number | null;
  lastValue: number | null;
  /** the series' multi-resolution summaries (pyramidWriter.ts) */
  pyr: PyramidState;
  /**
   * whether the series holds points from an event file / a metrics.csv (undefined: not looked up yet);
   * kept only for runs that have both kinds of file (see oneSourcePerTag)
   */
  fromEvents?: boolean;
  fromCsv?: boolean;
}

/** The rows of `c` whose tag is not in `drop` (indexes into c.tags), with the tag table renumbered. */
function withoutTags(c: ScalarColumns, drop: Set<number>): ScalarColumns {
  const remap = new Int32Array(c.tags.length).fill(-1);
  const tags: string[] = [];
  c.tags.forEach((t, i) => {
    if (!drop.has(i)) remap[i] = tags.push(t) - 1;
  });
  let n = 0;
  for (let i = 0; i < c.n; i++) if (remap[c.tag[i]] >= 0) n++;
  const out: ScalarColumns = {
    n,
    tags,
    tag: new Uint32Array(n),
    step: new Float64Array(n),
    wall: new Float64Array(n),
    value: new Float64Array(n),
    wallNull: c.wallNull ? new Uint8Array(n) : null,
  };
  for (let i = 0, j = 0; i < c.n; i++) {
    const t = remap[c.tag[i]];
    if (t < 0) continue;
    out.tag[j] = t;
    out.step[j] = c.step[i];
    out.wall[j] = c.wall[i];
    out.value[j] = c.value[i];
    if (out.wallNull) out.wallNull[j] = c.wallNull![i];
    j++;
  }
  return out;
}

export interface TableInput {
  kind: 'val' | 'test' | 'extra_val';
  name: string | null;
  epoch: number;
  iterations: number;
  sanity: boolean;
  time: number | null;
  line: number;
  columns: unknown;
  rows: unknown;
  /** the validation printed `Empty DataFrame`: every metric NaN */
  allNaN: boolean;
}

export interface FileIdentity {
  size: number;
  inode: number | null;
  mtimeMs: number | null;
  head: string;
  /** hex of the bytes just before the new offset */
  tail: string;
}

export interface ChunkCommit {
  file: SourceFile;
  /**
   * the stored offset the chunk's bytes were read from: the commit is refused if the stored offset moved
   * meanwhile (ingestFile always gives it; callers that write synthetic chunks may leave it out)
   */
  fromOffset?: number;
  offset: number;
  identity: FileIdentity;
  state: unknown;
  scalars?: ScalarRecord[];
  /** the same as `scalars`, as columns (what the decode worker hands over): give one or the other */
  columns?: ScalarColumns | null;
  /** plugin name per tag (event files), to remember on the series */
  plugins?: Record<string, string>;
  gpu?: { source: 'nvidia-smi' | 'tensorboard'; samples: GpuSample[] };
  tables?: TableInput[];
  status?: { status: RunStatus; message: string | null };
  /** ms since epoch: earliest / newest data time seen in this chunk */
  firstTime?: number | null;
  lastTime?: number | null;
  host?: string | null;
  issues?: ReadIssue[];
}

export interface RunUpsert {
  key: string;
  name: string;
  path: string;
  kind: RunKind;
  startedAt?: number | null;
}

const FILE_COLUMNS = `id, run_id AS runId, path, kind, "offset", size, inode, mtime_ms AS mtimeMs, head, tail, state,
  tag_prefix AS tagPrefix, ingested_at AS ingestedAt`;

const KIND_RANK: Record<RunKind, number> = { tensorboard: 0, lightning: 1, lama: 2 };

/**
 * Another process committed this file's offset since the chunk was read (watch and `lrscope ingest` on
 * one database): nothing was written; read the file again from its stored offset.
 */
export class StaleOffsetError extends Error {
  readonly code = 'STALE_OFFSET';
  constructor(readonly path: string, readonly expected: number, readonly stored: number | null) {
    super(`${path}: offset moved from ${expected} to ${stored} by another writer`);
  }
}
/** rows per INSERT statement */
const BATCH = 200;
/** series states kept in memory between chunks (each holds its open summary buckets, ~2 KB) */
const SERIES_CACHE = 2048;

export class Store {
  private readonly sqlite: SqlDb;
  /** PRAGMA data_version when this process last wrote: a change means another process committed */
  private dataVersion = -1;
  private series = new Map<string, SeriesState>();
  private stmts: ReturnType<Store['prepare']>;
  private pyramid: PyramidWriter;
  /** bind values of one multi-row point INSERT, reused */
  private rowBuf: (number | null)[] = new Array(BATCH * 7).fill(null);

  /** the machine this store's file paths belong to: a file is (host, path). See fileHost(). */
  readonly host: string;

  constructor(readonly handle: DbHandle, opts: { host?: string } = {}) {
    this.sqlite = handle.sqlite;
    this.host = opts.host ?? fileHost(handle);
    this.stmts = this.prepare();
    this.pyramid = new PyramidWriter(this.sqlite);
    // a database from before the series summaries: build them once (until then reads use the raw points)
    for (const id of this.pyramid.missing()) this.write(() => this.pyramid.rebuild(id));
  }

  /**
   * Every write is one IMMEDIATE transaction: it takes the write lock before reading (a deferred one
   * that reads first cannot upgrade its lock while another process writes, and fails with SQLITE_BUSY
   * whatever busy_timeout says). Inside it, a changed data_version means another process committed:
   * the in-memory series states (last step, dup counters, open summary buckets) are dropped and re-read.
   */
  private write<T>(fn: () => T): T {
    const tx = this.sqlite.transaction(() => {
      const v = this.sqlite.pragma('data_version', { simple: true }) as number;
      if (v !== this.dataVersion) this.series.clear();
      this.dataVersion = v;
      return fn();
    });
    try {
      return tx.immediate();
    } catch (err) {
      this.series.clear(); // in-memory aggregates may be ahead of the rolled-back rows
      throw err;
    }
  }

  private prepare() {
    const s = this.sqlite;
    const one = '(?,?,?,?,?,?,?)';
    return {
      insertPoint: s.prepare(`INSERT INTO points (series_id, seg, step, dup, file_id, wall_time, value) VALUES ${one}`),
      insertPoints: s.prepare(
        `INSERT INTO points (series_id, seg, step, dup, file_id, wall_time, value) VALUES ${Array(BATCH).fill(one).join(',')}`,
      ),
      getSeries: s.prepare(
        'SELECT id, segment, last_step, dup_at_last, n_points, first_step, last_wall_time, last_value FROM series WHERE run_id = ? AND tag = ?',
      ),
      insertSeries: s.prepare('INSERT INTO series (run_id, tag, plugin) VALUES (?, ?, ?)'),
      updateSeries: s.prepare(
        'UPDATE series SET segment = ?, last_step = ?, dup_at_last = ?, n_points = ?, first_step = ?, last_wall_time = ?, last_value = ? WHERE id = ?',
      ),
      setPlugin: s.prepare('UPDATE series SET plugin = ? WHERE run_id = ? AND tag = ? AND plugin IS NOT ?'),
      insertGpu: s.prepare(
        'INSERT INTO gpu_samples (run_id, file_id, source, gpu, time, util, mem_util, mem_used_mb, mem_total_mb, power_w, temp_c) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
      ),
      upsertTable: s.prepare(
        `INSERT INTO validation_tables (run_id, file_id, kind, name, epoch, iterations, sanity, time, line, columns, rows, all_nan)
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
         ON CONFLICT (run_id, kind, name, epoch, iterations) DO UPDATE SET
           file_id = excluded.file_id, sanity = excluded.sanity, time = excluded.time, line = excluded.line,
           columns = excluded.columns, rows = excluded.rows, all_nan = excluded.all_nan`,
      ),
      fileOffset: s.prepare('SELECT "offset" FROM source_files WHERE id = ?'),
      fileIdsOfKind: s.prepare('SELECT id FROM source_files WHERE run_id = ? AND kind = ?').pluck(),
      pruneChanges: s.prepare('DELETE FROM changes WHERE seq < (SELECT MAX(seq) FROM changes) - ?'),
      runIdByKey: s.prepare('SELECT id FROM runs WHERE key = ?'),
      updateFile: s.prepare(
        'UPDATE source_files SET offset = ?, size = ?, inode = ?, mtime_ms = ?, head = ?, tail = ?, state = ?, ingested_at = ? WHERE id = ?',
      ),
      touchRunTimes: s.prepare(
        `UPDATE runs SET started_at = CASE WHEN started_at IS NULL OR ? < started_at THEN ? ELSE started_at END,
                         updated_at = CASE WHEN updated_at IS NULL OR ? > updated_at THEN ? ELSE updated_at END WHERE id = ?`,
      ),
      setHost: s.prepare('UPDATE runs SET host = ? WHERE id = ? AND host IS NULL'),
      setStatus: s.prepare('UPDATE runs SET status = ?, status_message = ? WHERE id = ?'),
      // one statement per null pattern (= or IS NULL, never `IS ?`): an index search on both dialects
      // (PostgreSQL cannot use an index for IS NOT DISTINCT FROM, and 80,000 errors of one file became a scan each)
      findIssue: [0, 1, 2, 3].map((k) =>
        s.prepare(`SELECT 1 FROM ingest_errors WHERE path = ? AND "offset" ${k & 2 ? 'IS NULL' : '= ?'} AND line ${k & 1 ? 'IS NULL' : '= ?'} AND reason = ? LIMIT 1`),
      ),
      insertChange: s.prepare('INSERT INTO changes (run_id, kind, last_step, tags, status, created_at) VALUES (?,?,?,?,?,?)'),
      getStatus: s.prepare('SELECT status FROM runs WHERE id = ?'),
      // the watcher looks a file up on every change event: prepared once
      getFile: s.prepare(`SELECT ${FILE_COLUMNS} FROM source_files WHERE host = ? AND path = ?`),
      filesOfRun: s.prepare(`SELECT ${FILE_COLUMNS} FROM source_files WHERE run_id = ? ORDER BY path`),
      clearIssues: s.prepare('DELETE FROM ingest_errors WHERE path = ? AND reason LIKE ?'),
      insertIssue: s.prepare(
        'INSERT INTO ingest_errors (run_id, path, "offset", line, reason, created_at) VALUES (?,?,?,?,?,?)',
      ),
    };
  }

  /**
   * The stored key of a run found by discovery: on a store with a host (a team database, see fileHost) the
   * host is part of a run's identity — two machines writing a LaMa run folder of the same name are two runs.
   */
  runKey(key: string): string {
    return this.host ? `${key}@${this.host}` : key;
  }

  /** Creates the run or refreshes its location; a LaMa run folder outranks a bare TensorBoard folder. */
  upsertRun(r: RunUpsert): number {
    return this.write(() => this.upsertRunTx(r));
  }

  private upsertRunTx(r: RunUpsert): number {
    const key = this.runKey(r.key);
    const existing = this.sqlite.prepare('SELECT id, kind FROM runs WHERE key = ?').get(key) as
      | { id: number; kind: RunKind }
      | undefined;
    if (!existing) {
      // the host shown with the run: the store's (the files' machine) when it has one, else what the files name
      const res = this.sqlite
        .prepare('INSERT INTO runs (key, name, path, kind, started_at, created_at, host) VALUES (?,?,?,?,?,?,?)')
        .run(key, r.name, r.path, r.kind, r.startedAt ?? null, Date.now(), this.host || null);
      const id = Number(res.lastInsertRowid);
      this.stmts.insertChange.run(id, 'run-added', null, null, null, Date.now());
      return id;
    }
    if (KIND_RANK[r.kind] >= KIND_RANK[existing.kind]) {
      this.sqlite
        .prepare('UPDATE runs SET name = ?, path = ?, kind = ?, started_at = COALESCE(?, started_at) WHERE id = ?')
        .run(r.name, r.path, r.kind, r.startedAt ?? null, existing.id);
    }
    return existing.id;
  }

  updateRun(runId: number, patch: Record<string, string | number | null>): void {
    const cols = Object.keys(patch);
    if (!cols.length) return;
    const sql = `UPDATE runs SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`;
    this.write(() => this.sqlite.prepare(sql).run(...cols.map((c) => patch[c]), runId));
  }

  /** The file's row, created on first sight; a file seen under another run moves to this one. */
  ensureFile(runId: number, path: string, kind: FileKind, tagPrefix: string): SourceFile {
    return this.write(() => this.ensureFileTx(runId, path, kind, tagPrefix));
  }

  private ensureFileTx(runId: number, path: string, kind: FileKind, tagPrefix: string): SourceFile {
    const row = this.getFile(path);
    if (row && row.runId === runId && row.kind === kind && row.tagPrefix === tagPrefix) return row;
    if (row) {
      // Claimed by a better-identified run (a bare TensorBoard folder later found to be a LaMa run's)
      // or its role changed: drop what it contributed and read it again under its new owner.
      this.resetFile(row);
      this.sqlite.prepare('UPDATE source_files SET run_id = ?, kind = ?, tag_prefix = ? WHERE id = ?').run(runId, kind, tagPrefix, row.id);
      this.series.clear();
      return this.getFile(path)!;
    }
    this.sqlite
      .prepare('INSERT INTO source_files (run_id, host, path, kind, tag_prefix) VALUES (?,?,?,?,?)')
      .run(runId, this.host, path, kind, tagPrefix);
    return this.getFile(path)!;
  }

  getFile(path: string): SourceFile | undefined {
    return this.stmts.getFile.get(this.host, path) as SourceFile | undefined;
  }

  filesOfRun(runId: number): SourceFile[] {
    return this.stmts.filesOfRun.all(runId) as SourceFile[];
  }

  /** Forgets everything a file contributed (it shrank or was replaced) so it can be read again from 0. */
  resetFile(file: SourceFile): void {
    this.write(() => {
      const seriesIds = this.sqlite.prepare('SELECT id FROM series WHERE run_id = ?').all(file.runId) as { id: number }[];
      const del = this.sqlite.prepare('DELETE FROM points WHERE series_id = ? AND file_id = ?');
      const touched = seriesIds.filter(({ id }) => del.run(id, file.id).changes > 0);
      if (touched.length > 0) this.recomputeSeries(file.runId);
      // ordinals after the removed points moved: those series' summaries are rebuilt (or dropped with them)
      for (const { id } of touched) this.pyramid.rebuild(id);
      this.sqlite.prepare('DELETE FROM gpu_samples WHERE file_id = ?').run(file.id);
      this.sqlite.prepare('DELETE FROM validation_tables WHERE file_id = ?').run(file.id);
      this.sqlite.prepare('DELETE FROM ingest_errors WHERE path = ?').run(file.path);
      this.sqlite
        .prepare('UPDATE source_files SET "offset" = 0, size = 0, inode = NULL, head = NULL, tail = NULL, state = NULL WHERE id = ?')
        .run(file.id);
      refreshRunSummary(this.sqlite, file.runId);
    });
    this.series.clear();
  }

  /** Rebuilds series aggregates from the points that remain (after a file was dropped). */
  private recomputeSeries(runId: number): void {
    const s = this.sqlite;
    const ids = s.prepare('SELECT id FROM series WHERE run_id = ?').all(runId) as { id: number }[];
    for (const { id } of ids) {
      const agg = s.prepare('SELECT COUNT(*) AS n, MIN(step) AS first FROM points WHERE series_id = ?').get(id) as {
        n: number;
        first: number | null;
      };
      if (agg.n === 0) {
        s.prepare('DELETE FROM series WHERE id = ?').run(id);
        continue;
      }
      const last = s
        .prepare('SELECT seg, step, dup, wall_time, value FROM points WHERE series_id = ? ORDER BY seg DESC, step DESC, dup DESC LIMIT 1')
        .get(id) as { seg: number; step: number; dup: number; wall_time: number | null; value: number | null };
      this.stmts.updateSeries.run(last.seg, last.step, last.dup, agg.n, agg.first, last.wall_time, last.value, id);
      s.prepare('UPDATE series SET generation = generation + 1 WHERE id = ?').run(id);
    }
  }

  private seriesFor(runId: number, tag: string): SeriesState {
    const k = `${runId}\u0000${tag}`;
    let st = this.series.get(k);
    if (st) return st;
    let row = this.stmts.getSeries.get(runId, tag) as
      | {
          id: number;
          segment: number;
          last_step: number | null;
          dup_at_last: number;
          n_points: number;
          first_step: number | null;
          last_wall_time: number | null;
          last_value: number | null;
        }
      | undefined;
    if (!row) {
      const id = Number(this.stmts.insertSeries.run(runId, tag, null).lastInsertRowid);
      row = { id, segment: 0, last_step: null, dup_at_last: 0, n_points: 0, first_step: null, last_wall_time: null, last_value: null };
    }
    st = {
      id: row.id,
      seg: row.segment,
      lastStep: row.last_step,
      dup: row.dup_at_last,
      n: row.n_points,
      firstStep: row.first_step,
      lastWall: row.last_wall_time,
      lastValue: row.last_value,
      pyr: row.n_points > 0 ? this.pyramid.load(row.id, row.segment) : this.pyramid.fresh(row.id),
    };
    // a cache, bounded: a lab has tens of thousands of series; a dropped state is re-read from its rows
    if (this.series.size >= SERIES_CACHE) this.series.clear();
    this.series.set(k, st);
    return st;
  }

  /** Writes one chunk's records and the file's new offset + reader state atomically. */
  commitChunk(c: ChunkCommit): { points: number } {
    const runId = c.file.runId;
    let points = 0;
    this.write(() => {
      // compare-and-set: the chunk continues the offset it was read from, or nothing is written
      if (c.fromOffset !== undefined) {
        const stored = this.stmts.fileOffset.get(c.file.id) as { offset: number } | undefined;
        if (!stored || stored.offset !== c.fromOffset) throw new StaleOffsetError(c.file.path, c.fromOffset, stored?.offset ?? null);
      }
      let changed: { tags: string[]; lastStep: number | null } | null = null;
      const cols = this.oneSourcePerTag(c.file, c.columns ?? (c.scalars?.length ? toColumns(c.scalars) : null));
      if (cols && cols.n > 0) {
        points = this.insertScalars(runId, c.file.id, c.file.tagPrefix, cols);
        changed = this.changedTags(c.file.tagPrefix, cols);
        if (c.file.kind === 'tfevents' || c.file.kind === 'metrics_csv') {
          for (const t of cols.tags) {
            const st = this.seriesFor(runId, c.file.tagPrefix + t);
            if (c.file.kind === 'tfevents') st.fromEvents = true;
            else st.fromCsv = true;
          }
        }
      }
      if (c.plugins) {
        for (const [tag, plugin] of Object.entries(c.plugins)) this.stmts.setPlugin.run(plugin, runId, c.file.tagPrefix + tag, plugin);
      }
      if (c.gpu) {
        for (const g of c.gpu.samples) {
          this.stmts.insertGpu.run(runId, c.file.id, c.gpu.source, g.gpu, g.time, g.util, g.memUtil, g.memUsedMb, g.memTotalMb, g.powerW, g.tempC);
        }
      }
      for (const t of c.tables ?? []) {
        this.stmts.upsertTable.run(
          runId, c.file.id, t.kind, t.name ?? '', t.epoch, t.iterations, t.sanity ? 1 : 0, t.time, t.line,
          JSON.stringify(t.columns), JSON.stringify(t.rows), t.allNaN ? 1 : 0,
        );
      }
      if (c.status) this.setStatusTx(runId, c.status.status, c.status.message);
      if (changed || c.tables?.length || c.gpu?.samples.length) {
        this.stmts.insertChange.run(runId, 'data', changed?.lastStep ?? null, JSON.stringify(changed?.tags ?? []), null, Date.now());
      }
      if (c.firstTime != null || c.lastTime != null) {
        const first = c.firstTime ?? c.lastTime!;
        const last = c.lastTime ?? c.firstTime!;
        this.stmts.touchRunTimes.run(first, first, last, last, runId);
      }
      if (c.host) this.stmts.setHost.run(c.host, runId);
      this.recordIssuesTx(runId, c.file.path, c.issues ?? []);
      // the runs table's summary of what this chunk added (db/runSummary.ts), in the same transaction
      summariseChunk(this.sqlite, runId, c.file.tagPrefix, cols, c.gpu?.samples);
      const id = c.identity;
      this.stmts.updateFile.run(c.offset, id.size, id.inode, id.mtimeMs, id.head, id.tail, JSON.stringify(c.state ?? null), Date.now(), c.file.id);
    });
    return { points };
  }

  /**
   * One series per (run, tag) when a run's event file and its metrics.csv (a Lightning version folder
   * holding both) carry the same values: the event file wins. A metrics.csv chunk loses the tags the run's
   * event files already hold; an event-file chunk takes over tags that came from the CSV so far (their CSV
   * points are removed: the CSV may have been read first, or before the event file appeared). Tags only the
   * CSV has stay. Runs with one kind of file (every LaMa run) pay one indexed lookup per chunk.
   */
  private oneSourcePerTag(file: SourceFile, cols: ScalarColumns | null): ScalarColumns | null {
    if (!cols || cols.n === 0 || (file.kind !== 'tfevents' && file.kind !== 'metrics_csv')) return cols;
    const events = file.kind === 'tfevents';
    const other = this.stmts.fileIdsOfKind.all(file.runId, events ? 'metrics_csv' : 'tfevents') as number[];
    if (!other.length) return cols;
    const hasOther = this.sqlite.prepare(`SELECT 1 FROM points WHERE series_id = ? AND file_id IN (${other.map(() => '?').join(',')}) LIMIT 1`);
    const drop = new Set<number>();
    const takeOver: number[] = [];
    cols.tags.forEach((t, i) => {
      const st = this.seriesFor(file.runId, file.tagPrefix + t);
      if (st.n === 0) return;
      if (events) {
        st.fromCsv ??= !!hasOther.get(st.id, ...other);
        if (st.fromCsv) takeOver.push(st.id);
      } else {
        st.fromEvents ??= !!hasOther.get(st.id, ...other);
        if (st.fromEvents) drop.add(i);
      }
    });
    if (takeOver.length) {
      const del = this.sqlite.prepare(`DELETE FROM points WHERE series_id = ? AND file_id IN (${other.map(() => '?').join(',')})`);
      for (const id of takeOver) del.run(id, ...other);
      this.recomputeSeries(file.runId);
      for (const id of takeOver) this.pyramid.rebuild(id);
      refreshRunSummary(this.sqlite, file.runId);
      this.series.clear(); // states re-read from the rows that remain
    }
    return drop.size ? withoutTags(cols, drop) : cols;
  }

  private insertScalars(runId: number, fileId: number, prefix: string, c: ScalarColumns): number {
    // LaMa interleaves tags point by point: each tag's series is resolved once per chunk (in order of
    // first appearance, as the columns number them), not once per point.
    const local: SeriesState[] = c.tags.map((tag) => this.seriesFor(runId, prefix + tag));
    const buf = this.rowBuf;
    const { tag, step: steps, wall, value: values, wallNull } = c;
    let j = 0;
    for (let i = 0; i < c.n; i++) {
      const st = local[tag[i]];
      const step = steps[i];
      const wallTime = wallNull !== null && wallNull[i] === 1 ? null : wall[i];
      const value = values[i];
      let dup = 0;
      if (st.lastStep !== null) {
        if (step < st.lastStep) st.seg += 1; // resumed from an earlier checkpoint: a new segment
        else if (step === st.lastStep) dup = st.dup + 1;
      }
      st.lastStep = step;
      st.dup = dup;
      st.n += 1;
      if (st.firstStep === null || step < st.firstStep) st.firstStep = step;
      st.lastWall = wallTime;
      st.lastValue = value;
      this.pyramid.add(st.pyr, st.seg, step, dup, wallTime, value);
      // NaN becomes NULL (SQLite has no NaN); ±Infinity are stored as they are.
      buf[j] = st.id;
      buf[j + 1] = st.seg;
      buf[j + 2] = step;
      buf[j + 3] = dup;
      buf[j + 4] = fileId;
      buf[j + 5] = wallTime;
      buf[j + 6] = Number.isNaN(value) ? null : value;
      j += 7;
      if (j === BATCH * 7) {
        this.stmts.insertPoints.run(buf);
        j = 0;
      }
    }
    for (let i = 0; i < j; i += 7) this.stmts.insertPoint.run(buf.slice(i, i + 7));
    for (const s of local) {
      this.stmts.updateSeries.run(s.seg, s.lastStep, s.dup, s.n, s.firstStep, s.lastWall, s.lastValue, s.id);
      this.pyramid.flush(s.pyr);
    }
    return c.n;
  }

  private changedTags(prefix: string, c: ScalarColumns): { tags: string[]; lastStep: number | null } {
    let lastStep: number | null = null;
    for (let i = 0; i < c.n; i++) if (lastStep === null || c.step[i] > lastStep) lastStep = c.step[i];
    return { tags: c.tags.map((t) => prefix + t), lastStep };
  }

  /** Sets a run's status; a change is logged only when it really changed. */
  setStatus(runId: number, status: RunStatus, message: string | null = null): void {
    this.write(() => this.setStatusTx(runId, status, message));
  }

  private setStatusTx(runId: number, status: RunStatus, message: string | null): void {
    const cur = this.stmts.getStatus.get(runId) as { status: RunStatus } | undefined;
    this.stmts.setStatus.run(status, message, runId);
    if (cur && cur.status !== status) this.stmts.insertChange.run(runId, 'status-changed', null, null, status, Date.now());
  }

  /** Records problems once each (re-reading the same bad bytes does not repeat them). */
  recordIssues(runId: number | null, path: string, issues: ReadIssue[]): number {
    return issues.length ? this.write(() => this.recordIssuesTx(runId, path, issues)) : 0;
  }

  private recordIssuesTx(runId: number | null, path: string, issues: ReadIssue[]): number {
    let added = 0;
    for (const i of issues) {
      const off = i.offset ?? null;
      const line = i.line ?? null;
      const find = this.stmts.findIssue[(off === null ? 2 : 0) + (line === null ? 1 : 0)];
      if (find.get(path, ...(off === null ? [] : [off]), ...(line === null ? [] : [line]), i.reason)) continue;
      this.stmts.insertIssue.run(runId, path, off, line, i.reason, Date.now());
      added++;
    }
    return added;
  }

  clearIssues(path: string, reasonPrefix: string): void {
    this.write(() => this.stmts.clearIssues.run(path, `${reasonPrefix}%`));
  }

  /** A run's status from its files and activity (db/runs.ts holds the rule's SQL); logs a change when it changed. */
  refreshStatus(runId: number, now: number, missing = false): RunStatus {
    return this.write(() => refreshStatus(this.sqlite, runId, now, missing));
  }

  /** Replaces a run's findings (db/findings.ts); nothing for a run deleted meanwhile (a debounced diagnosis). */
  saveFindings(runId: number, found: Finding[], now = Date.now()): void {
    this.write(() => {
      if (this.sqlite.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId)) saveFindings(this.sqlite, runId, found, now);
    });
  }

  // ---- what the user says about a run (notes, tags, alias, archive, delete) ----------------------------

  /**
   * Sets the user's alias, notes and tags of a run (each only when given; '' or [] clears it). Tags are
   * trimmed, de-duplicated, empty ones dropped. False when there is no such run.
   */
  setRunMeta(runId: number, meta: { alias?: string | null; notes?: string | null; tags?: readonly string[] }): boolean {
    return this.write(() => {
      if (!this.sqlite.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId)) return false;
      const sets: string[] = [];
      const vals: (string | null)[] = [];
      if (meta.alias !== undefined) {
        sets.push('alias = ?');
        vals.push(meta.alias?.trim() || null);
      }
      if (meta.notes !== undefined) {
        sets.push('notes = ?');
        vals.push(meta.notes?.trim() ? meta.notes : null);
      }
      if (meta.tags !== undefined) {
        sets.push('user_tags = ?');
        vals.push(JSON.stringify([...new Set(meta.tags.map((t) => t.trim()).filter(Boolean))]));
      }
      if (sets.length) this.sqlite.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...vals, runId);
      this.metaChanged(runId);
      return true;
    });
  }

  /** Open pages refresh the run (a status-changed event carrying its unchanged status). */
  private metaChanged(runId: number): void {
    this.sqlite
      .prepare("INSERT INTO changes (run_id, kind, status, created_at) SELECT id, 'status-changed', status, ? FROM runs WHERE id = ?")
      .run(Date.now(), runId);
  }

  /** Archives (hidden from the runs table by default) or un-archives a run. False when there is no such run. */
  setArchived(runId: number, archived: boolean, now = Date.now()): boolean {
    return this.write(() => {
      const res = this.sqlite.prepare('UPDATE runs SET archived_at = ? WHERE id = ?').run(archived ? now : null, runId);
      if (res.changes) this.metaChanged(runId);
      return res.changes > 0;
    });
  }

  /**
   * Deletes a run's data — every row of it: points, series summaries, series, GPU samples, validation
   * tables, findings, files and their ingest errors, the summary, the change log — in one transaction, and
   * leaves a tombstone (deleted_runs, by key and folder) so ingest and watch do not read it again until
   * it is restored. The run folder on disk is not touched. Null when there is no such run.
   */
  deleteRun(runId: number, now = Date.now()): { key: string; path: string; name: string } | null {
    const done = this.write(() => {
      const s = this.sqlite;
      const run = s.prepare('SELECT key, path, name FROM runs WHERE id = ?').get(runId) as { key: string; path: string; name: string } | undefined;
      if (!run) return null;
      this.deleteRunRowsTx(runId);
      s.prepare('INSERT INTO deleted_runs (key, path, name, deleted_at) VALUES (?,?,?,?) ON CONFLICT (key) DO UPDATE SET path = excluded.path, name = excluded.name, deleted_at = excluded.deleted_at')
        .run(run.key, run.path, run.name, now);
      // pages that show the run learn it is gone (its id no longer resolves)
      this.stmts.insertChange.run(runId, 'status-changed', null, null, 'deleted', now);
      return run;
    });
    this.series.clear();
    return done;
  }

  /** Every row of a run, the run included (inside a write transaction). */
  private deleteRunRowsTx(runId: number): void {
    const s = this.sqlite;
    const seriesIds = s.prepare('SELECT id FROM series WHERE run_id = ?').pluck().all(runId) as number[];
    const delPoints = s.prepare('DELETE FROM points WHERE series_id = ?');
    const delSummary = s.prepare('DELETE FROM series_summary WHERE series_id = ?');
    for (const id of seriesIds) {
      delPoints.run(id);
      delSummary.run(id);
    }
    s.prepare('DELETE FROM ingest_errors WHERE run_id = ? OR path IN (SELECT path FROM source_files WHERE run_id = ?)').run(runId, runId);
    for (const t of ['series', 'gpu_samples', 'validation_tables', 'findings', 'source_files', 'run_summaries', 'changes']) {
      s.prepare(`DELETE FROM ${t} WHERE run_id = ?`).run(runId);
    }
    s.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  }

  /**
   * Replaces the run stored under `key` (a stored key, host included) by the rows `fill` writes in the
   * same transaction (export-db: db/copyRun.ts); open pages learn of it as a new run.
   */
  replaceRun<T extends { runId: number }>(key: string, fill: (sqlite: SqlDb) => T): T {
    const done = this.write(() => {
      const old = this.stmts.runIdByKey.get(key) as { id: number } | undefined;
      if (old) this.deleteRunRowsTx(old.id);
      const r = fill(this.sqlite);
      this.stmts.insertChange.run(r.runId, 'run-added', null, null, null, Date.now());
      return r;
    });
    this.series.clear();
    return done;
  }

  /** Forgets a deletion: the run is read again by the next ingest or watch rescan. False when it was not deleted. */
  restoreRun(key: string, path: string | null = null): boolean {
    // `key` is a stored key (the deleted runs list) or a discovered one (this store's host added)
    const sql = this.host
      ? "DELETE FROM deleted_runs WHERE key = ? OR key = ? OR (path = ? AND key LIKE ?)"
      : 'DELETE FROM deleted_runs WHERE key = ? OR key = ? OR path = ?';
    const args = this.host ? [key, this.runKey(key), path, `%@${this.host}`] : [key, key, path];
    return this.write(() => this.sqlite.prepare(sql).run(...args).changes > 0);
  }

  private isDeletedStmt: SqlStatement | null = null;
  /** Whether the user deleted the run with this key, or the run that lived in this folder (a rescan asks per run). */
  isDeletedRun(key: string, path: string): boolean {
    // on a store with a host, a folder deleted on another machine is another run
    this.isDeletedStmt ??= this.sqlite.prepare('SELECT 1 FROM deleted_runs WHERE key = ? OR (path = ? AND key LIKE ?) LIMIT 1');
    return !!this.isDeletedStmt.get(this.runKey(key), path, this.host ? `%@${this.host}` : '%');
  }

  /** The deleted runs, newest deletion first. */
  deletedRuns(): { key: string; path: string; name: string; deletedAt: number }[] {
    return this.sqlite
      .prepare('SELECT key, path, name, deleted_at AS deletedAt FROM deleted_runs ORDER BY deleted_at DESC, key')
      .all() as { key: string; path: string; name: string; deletedAt: number }[];
  }

  /** Keeps the change log bounded: the live subscription only needs its recent tail. */
  pruneChanges(keep: number): void {
    this.write(() => this.stmts.pruneChanges.run(keep));
  }

  /** The id of a run by its key, if known. */
  runIdByKey(key: string): number | null {
    return (this.stmts.runIdByKey.get(this.runKey(key)) as { id: number } | undefined)?.id ?? null;
  }
}
