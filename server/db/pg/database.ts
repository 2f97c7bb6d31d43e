// PostgreSQL behind the synchronous SqlDb interface the DB layer is written against (better-sqlite3's
// prepare/run/get/all/transaction). A worker thread owns the `pg` connection (pg/worker.ts); the main
// thread posts each statement and, when it needs the answer, sleeps on a shared counter (Atomics.wait)
// until the worker has signalled it. Inside a transaction, run() does not wait: statements are pipelined
// (the worker and PostgreSQL execute them while this thread goes on) and their results are read when
// asked for (`changes`, `lastInsertRowid`) or at COMMIT, which surfaces the first error.
//
// Transactions: `.immediate()` (every Store write) takes one cluster-wide advisory lock, so writers from
// any number of processes and machines are serialised exactly as SQLite serialises its writers; reads
// never wait for it. A sequence bumped by each write transaction stands in for PRAGMA data_version.
import { createRequire } from 'node:module';
import path from 'node:path';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { SqlDb, SqlRunResult, SqlStatement, SqlTransaction, VariableArgFunction } from '../sqlDb';
import { packageRoot } from '../../paths';
import { coalescible, toPgSql } from './translate';
import { BinaryCopyWriter, type NumericType } from './copyBinary';
import { WORKER_SOURCE } from './worker';

/** the advisory lock every write transaction holds ('lrsc') */
export const WRITE_LOCK = 0x6c727363;

type Answer = { id: number; ok: true; rows: unknown[]; rowCount: number } | { id: number; ok: false; error: { message: string; code?: string } };

export class PgError extends Error {
  constructor(message: string, readonly code: string | undefined, readonly sql?: string) {
    super(process.env.LRSCOPE_DEBUG && sql ? `${message} [in: ${sql.slice(0, 500)}]` : message);
    this.name = 'PgError';
  }
}

type Param = string | number | bigint | null | Buffer;

/**
 * A whole column as one parameter (a PostgreSQL array literal), for `unnest($1::float8[], …)` bulk
 * inserts: one statement and one parse per batch instead of one bind value per cell. NaN → NULL.
 */
export class SqlArray {
  readonly literal: string;
  constructor(values: ArrayLike<number | null>, n = values.length) {
    let s = '{';
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (i) s += ',';
      s += v === null || Number.isNaN(v) ? 'NULL' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
    }
    this.literal = s + '}';
  }
}

function flatParams(params: unknown[]): Param[] {
  const out: Param[] = [];
  for (const p of params) {
    if (p instanceof SqlArray) out.push(p.literal);
    else if (Array.isArray(p)) out.push(...flatParams(p));
    else if (p === undefined) out.push(null);
    else if (typeof p === 'boolean') out.push(p ? 1 : 0);
    else if (typeof p === 'number' && Number.isNaN(p)) out.push(null); // SQLite stores NaN as NULL
    else if (p === null || typeof p === 'string' || typeof p === 'number' || typeof p === 'bigint' || Buffer.isBuffer(p)) out.push(p);
    else throw new TypeError(`unsupported SQL parameter: ${Object.prototype.toString.call(p)}`);
  }
  return out;
}

/** rows buffered per coalesced INSERT before they are sent */
const COALESCE_ROWS = 20_000;

/** An INSERT the bridge may buffer: `INSERT [OR REPLACE] INTO t (cols) VALUES (?,…),…` into a table without an autoincrement key. */
export interface CoalesceSpec {
  key: string;
  table: string;
  columns: string[];
  /** OR REPLACE: the primary key columns (rows with the same key: the last one wins) */
  replaceKey: number[] | null;
  /** the column types when every column is a number (bigint / double precision): sent as binary COPY */
  numeric: NumericType[] | null;
}

function copyText(v: Param): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
  if (typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return '\\\\x' + v.toString('hex');
  return v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

class Coalesced {
  private text = '';
  private readonly rows = new Map<string, Param[]>();
  private binary: BinaryCopyWriter | null = null;
  size = 0;
  constructor(private readonly spec: CoalesceSpec) {}

  add(values: Param[]): void {
    const c = this.spec.columns.length;
    if (this.spec.numeric && !this.spec.replaceKey) {
      // appended as they come: binary COPY rows
      const n = Math.floor(values.length / c);
      (this.binary ??= new BinaryCopyWriter(this.spec.numeric)).add(values, 0, n);
      this.size += n;
      return;
    }
    for (let r = 0; r + c <= values.length; r += c) {
      this.size++;
      if (this.spec.replaceKey) {
        const row = values.slice(r, r + c);
        this.rows.set(this.spec.replaceKey.map((i) => String(row[i])).join('\u0000'), row);
      } else {
        let line = '';
        for (let i = 0; i < c; i++) line += (i ? '\t' : '') + copyText(values[r + i]);
        this.text += line + '\n';
      }
    }
  }

  send(conn: PgConnection): void {
    const cols = this.spec.columns.map((x) => `"${x}"`).join(', ');
    const table = `"${this.spec.table}"`;
    if (!this.spec.replaceKey) {
      if (this.binary) conn.copy(`COPY ${table} (${cols}) FROM STDIN (FORMAT binary)`, this.binary.finish(), true);
      else conn.copy(`COPY ${table} (${cols}) FROM STDIN`, this.text, true);
      return;
    }
    const rows = [...this.rows.values()];
    const c = this.spec.columns.length;
    const key = this.spec.replaceKey.map((i) => `"${this.spec.columns[i]}"`).join(', ');
    const set = this.spec.columns.filter((_, i) => !this.spec.replaceKey!.includes(i)).map((x) => `"${x}" = excluded."${x}"`).join(', ');
    if (this.spec.numeric && rows.length > 8) {
      // many rows: binary COPY into a temporary staging table, then one upsert from it (a statement with
      // tens of thousands of parameters costs PostgreSQL more to parse than to execute)
      const stage = `"lrscope_stage_${this.spec.table}"`;
      const w = new BinaryCopyWriter(this.spec.numeric, rows.length * (2 + c * 12) + 64);
      for (const row of rows) w.add(row, 0, 1);
      conn.postRaw({ op: 'query', text: `CREATE TEMP TABLE IF NOT EXISTS ${stage} (LIKE ${table}) ON COMMIT DELETE ROWS`, values: [], array: true });
      conn.copy(`COPY ${stage} (${cols}) FROM STDIN (FORMAT binary)`, w.finish(), true);
      conn.postRaw({ op: 'query', text: `INSERT INTO ${table} (${cols}) SELECT ${cols} FROM ${stage} ON CONFLICT (${key}) DO UPDATE SET ${set}`, values: [], array: true });
      conn.postRaw({ op: 'query', text: `TRUNCATE ${stage}`, values: [], array: true });
      return;
    }
    const per = Math.floor(60_000 / c);
    for (let i = 0; i < rows.length; i += per) {
      const part = rows.slice(i, i + per);
      let n = 0;
      const tuples = part.map(() => `(${this.spec.columns.map(() => `$${++n}`).join(',')})`).join(',');
      conn.postRaw({ op: 'query', text: `INSERT INTO ${table} (${cols}) VALUES ${tuples} ON CONFLICT (${key}) DO UPDATE SET ${set}`, values: part.flat(), array: true });
    }
  }
}

/** How long one wait slice lasts before checking the worker is still alive. */
const SLICE_MS = 1000;

export class PgConnection {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctrl: Int32Array;
  private nextId = 1;
  private readonly answers = new Map<number, Answer>();
  /** requests whose answer nobody waits for (pipelined runs): their first error is thrown at the next wait */
  private readonly unattended = new Map<number, string>();
  private deferredError: PgError | null = null;
  private outstanding = 0;
  private closed = false;

  constructor(readonly url: string) {
    const root = packageRoot();
    const req = createRequire(path.join(root, 'package.json'));
    const pgPath = req.resolve('pg');
    const drizzlePaths = { driver: req.resolve('drizzle-orm/node-postgres'), migrator: req.resolve('drizzle-orm/node-postgres/migrator') };
    const { port1, port2 } = new MessageChannel();
    this.ctrl = new Int32Array(new SharedArrayBuffer(8));
    this.port = port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { url, pgPath, copyPath: req.resolve('pg-copy-streams'), drizzlePaths, ctrl: this.ctrl.buffer, port: port2 },
      transferList: [port2],
    });
    this.worker.unref();
    this.port.unref();
  }

  /**
   * Rows of single-statement INSERTs buffered inside a transaction (see Coalesced): sent as one COPY or one
   * multi-row upsert before any other statement goes out, so statements still run in their order.
   */
  private readonly batches = new Map<string, Coalesced>();

  buffer(c: CoalesceSpec, values: Param[]): void {
    let b = this.batches.get(c.key);
    if (!b) this.batches.set(c.key, (b = new Coalesced(c)));
    b.add(values);
    if (b.size >= COALESCE_ROWS) this.flushBatches();
  }

  flushBatches(): void {
    if (!this.batches.size) return;
    const all = [...this.batches.values()];
    this.batches.clear();
    for (const b of all) b.send(this);
  }

  /** Posts a request; its answer is collected by wait(id) or, if `unattended`, at the next wait. */
  post(req: Record<string, unknown>, unattended = false): number {
    if (this.closed) throw new PgError('the PostgreSQL connection is closed', undefined);
    if (this.batches.size) this.flushBatches();
    const id = this.nextId++;
    this.port.postMessage({ ...req, id });
    this.outstanding++;
    if (unattended) this.unattended.set(id, String(req.text ?? req.op));
    return id;
  }

  private take(a: Answer): void {
    this.outstanding--;
    const text = this.unattended.get(a.id);
    if (text !== undefined) {
      this.unattended.delete(a.id);
      if (!a.ok && !this.deferredError) this.deferredError = new PgError(a.error.message, a.error.code, text);
      if (!a.ok) return;
    }
    // kept until drain(): a pipelined statement's result may still be asked for (claim)
    this.answers.set(a.id, a);
  }

  /** Takes one answer off the port if there is one, else sleeps until the worker signals (≤ SLICE_MS). */
  private receiveOrSleep(): void {
    const seen = Atomics.load(this.ctrl, 0);
    const msg = receiveMessageOnPort(this.port);
    if (msg) {
      this.take(msg.message as Answer);
      return;
    }
    if (Atomics.load(this.ctrl, 1) === 1) throw new PgError('the PostgreSQL worker thread exited', undefined);
    Atomics.wait(this.ctrl, 0, seen, SLICE_MS);
  }

  /** Blocks until the answer to `id` arrived; throws the first error of a pipelined statement before it. */
  wait(id: number, sql?: string): { rows: unknown[]; rowCount: number } {
    if (this.batches.size) this.flushBatches();
    for (;;) {
      const got = this.answers.get(id);
      if (got) {
        this.answers.delete(id);
        const deferred = this.deferredError;
        if (deferred) {
          this.deferredError = null;
          throw deferred;
        }
        if (!got.ok) throw new PgError(got.error.message, got.error.code, sql);
        return got;
      }
      this.receiveOrSleep();
    }
  }

  /** Waits for every outstanding request; throws the first pipelined error. */
  drain(): void {
    if (this.batches.size) this.flushBatches();
    while (this.outstanding > 0) {
      this.receiveOrSleep();
    }
    this.answers.clear();
    const deferred = this.deferredError;
    this.deferredError = null;
    if (deferred) throw deferred;
  }

  /** a pipelined request's answer is wanted after all: wait(id) will return it */
  claim(id: number): void {
    this.unattended.delete(id);
  }

  query(text: string, values: Param[], array: boolean): { rows: unknown[]; rowCount: number } {
    return this.wait(this.post({ op: 'query', text, values, array }), text);
  }

  /** Posts without flushing the coalesced rows first (what the flush itself sends); unattended. */
  postRaw(req: Record<string, unknown>, transfer?: ArrayBuffer[]): void {
    const id = this.nextId++;
    this.port.postMessage({ ...req, id }, transfer);
    this.outstanding++;
    this.unattended.set(id, String(req.text ?? req.op));
  }

  /** COPY … FROM STDIN: `data` in COPY's text format (a string) or binary format (a Buffer, handed over to the worker); pipelined inside a transaction */
  copy(text: string, data: string | Buffer, pipelined: boolean): void {
    if (pipelined) {
      if (typeof data === 'string') return this.postRaw({ op: 'copy', text, data });
      // the bytes move to the worker without a copy (a Buffer at offset 0 of a memory of its own:
      // BinaryCopyWriter's); anything else is copied into such a memory first
      let own = data;
      if (data.byteOffset !== 0 || data.buffer.byteLength < Buffer.poolSize) {
        own = Buffer.allocUnsafeSlow(data.byteLength);
        data.copy(own);
      }
      return this.postRaw({ op: 'copy', text, data: own.buffer, length: own.byteLength }, [own.buffer as ArrayBuffer]);
    }
    const id = this.post({ op: 'copy', text, data });
    if (!pipelined) this.wait(id, text);
  }

  exec(text: string): void {
    this.wait(this.post({ op: 'exec', text }), text);
  }

  close(): void {
    if (this.closed) return;
    try {
      this.drain();
      this.wait(this.post({ op: 'close' }));
    } catch {
      // closing anyway
    }
    this.closed = true;
    void this.worker.terminate();
  }
}

const SPEC_CACHE = new Map<string, CoalesceSpec | null>();
/** Which statements are buffered: plain or OR REPLACE multi-row INSERTs of only `?`s, into a table with no autoincrement key. */
function coalesceSpec(sql: string): CoalesceSpec | null {
  let spec = SPEC_CACHE.get(sql);
  if (spec !== undefined) return spec;
  spec = null;
  const m = /^\s*INSERT\s+(OR\s+REPLACE\s+)?INTO\s+"?(\w+)"?\s*\(([^)]*)\)\s*VALUES\s*((?:\(\s*\?(?:\s*,\s*\?)*\s*\)\s*,?\s*)+)$/i.exec(sql);
  const info = m ? coalescible(m[2]) : null;
  if (m && info) {
    const columns = m[3].split(',').map((c) => c.trim().replace(/"/g, ''));
    const replaceKey = m[1] ? info.pk.map((k) => columns.indexOf(k)) : null;
    const types = columns.map((c) => info.types.get(c));
    const numeric = types.every((t) => t === 'bigint' || t === 'double precision') ? (types as NumericType[]) : null;
    if (!replaceKey || replaceKey.every((i) => i >= 0)) spec = { key: sql, table: m[2], columns, replaceKey, numeric };
  }
  SPEC_CACHE.set(sql, spec);
  return spec;
}

class PgStatement implements SqlStatement {
  private mode: 'object' | 'pluck' | 'raw' = 'object';
  private readonly pgSql: string;
  private readonly names: string[] | null;
  private readonly coalesce: CoalesceSpec | null;

  constructor(private readonly db: PgDatabase, readonly source: string) {
    const t = toPgSql(source);
    this.pgSql = t.text;
    this.names = t.names;
    this.coalesce = coalesceSpec(source);
  }

  pluck(toggle = true): this {
    this.mode = toggle ? 'pluck' : 'object';
    return this;
  }

  raw(toggle = true): this {
    this.mode = toggle ? 'raw' : 'object';
    return this;
  }

  /** bind values: positional (arrays flattened, as better-sqlite3 does) or one object of named values */
  private values(params: unknown[]): Param[] {
    if (!this.names) return flatParams(params);
    const obj = params[0];
    if (params.length !== 1 || typeof obj !== 'object' || obj === null) throw new TypeError('this statement takes named parameters: pass one object');
    const named = obj as Record<string, unknown>;
    return flatParams(this.names.map((n) => named[n]));
  }

  run(...params: unknown[]): SqlRunResult {
    const conn = this.db.conn;
    const values = this.values(params);
    if (!this.db.inTransaction) {
      const r = conn.query(this.pgSql, values, true);
      return { changes: r.rowCount, lastInsertRowid: Number((r.rows[0] as unknown[] | undefined)?.[0] ?? 0) };
    }
    if (this.coalesce) {
      // buffered: sent as a COPY / multi-row upsert before the next other statement
      const rows = values.length / this.coalesce.columns.length;
      conn.buffer(this.coalesce, values);
      return { changes: rows, lastInsertRowid: 0 };
    }
    // inside a transaction: pipelined; the result is waited for only when it is read
    const id = conn.post({ op: 'query', text: this.pgSql, values, array: true }, true);
    let got: { rows: unknown[]; rowCount: number } | null = null;
    const sql = this.pgSql;
    const result = (): { rows: unknown[]; rowCount: number } => {
      if (!got) {
        conn.claim(id);
        got = conn.wait(id, sql);
      }
      return got;
    };
    return {
      get changes() {
        return result().rowCount;
      },
      get lastInsertRowid() {
        return Number((result().rows[0] as unknown[] | undefined)?.[0] ?? 0);
      },
    };
  }

  private rows(params: unknown[]): unknown[] {
    const r = this.db.conn.query(this.pgSql, this.values(params), this.mode !== 'object');
    if (this.mode === 'pluck') return r.rows.map((row) => (row as unknown[])[0]);
    return r.rows;
  }

  get(...params: unknown[]): unknown {
    return this.rows(params)[0];
  }

  all(...params: unknown[]): unknown[] {
    return this.rows(params);
  }

  iterate(...params: unknown[]): IterableIterator<unknown> {
    return this.rows(params)[Symbol.iterator]();
  }
}

export class PgDatabase implements SqlDb {
  readonly conn: PgConnection;
  private depth = 0;
  private writing = false;
  /** the write generation this connection last committed, and the data_version it last reported */
  private ownGeneration: number | null = null;
  private reported = 0;

  constructor(readonly url: string) {
    this.conn = new PgConnection(url);
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(sql: string): SqlStatement {
    return new PgStatement(this, sql);
  }

  exec(sql: string): this {
    this.conn.exec(sql);
    return this;
  }

  /** Runs drizzle's migrations from a folder of generated PostgreSQL migrations. */
  migrate(folder: string): void {
    this.conn.wait(this.conn.post({ op: 'migrate', folder }));
  }

  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const name = source.trim().toLowerCase();
    if (name === 'data_version') {
      const v = this.dataVersion();
      return options.simple ? v : [{ data_version: v }];
    }
    // journal_mode, synchronous, busy_timeout…: SQLite settings, nothing to do on PostgreSQL
    return options.simple ? undefined : [];
  }

  /**
   * Changes when another connection committed a write since this one last wrote (as SQLite's
   * data_version does): the write generation, unless it is the one this connection set itself.
   */
  private dataVersion(): number {
    const r = this.conn.query('SELECT last_value, is_called FROM lrscope_write_generation', [], true);
    const [last, called] = r.rows[0] as [number, number];
    const cur = called ? last : 0;
    if (cur !== this.ownGeneration) this.reported = cur;
    return this.reported;
  }

  transaction<F extends VariableArgFunction>(fn: F): SqlTransaction<F> {
    const run = (mode: 'deferred' | 'immediate') =>
      (...args: unknown[]): ReturnType<F> => {
        const conn = this.conn;
        if (this.depth > 0) {
          const sp = `lrscope_sp${this.depth}`;
          conn.post({ op: 'query', text: `SAVEPOINT ${sp}`, values: [], array: true }, true);
          this.depth++;
          try {
            const r = fn(...args) as ReturnType<F>;
            conn.post({ op: 'query', text: `RELEASE SAVEPOINT ${sp}`, values: [], array: true }, true);
            return r;
          } catch (err) {
            conn.query(`ROLLBACK TO SAVEPOINT ${sp}`, [], true);
            throw err;
          } finally {
            this.depth--;
          }
        }
        conn.post({ op: 'query', text: 'BEGIN', values: [], array: true }, true);
        if (mode === 'immediate') conn.post({ op: 'query', text: 'SELECT pg_advisory_xact_lock($1)', values: [WRITE_LOCK], array: true }, true);
        this.depth = 1;
        this.writing = mode === 'immediate';
        try {
          const r = fn(...args) as ReturnType<F>;
          if (this.writing) {
            const gen = conn.post({ op: 'query', text: "SELECT nextval('lrscope_write_generation')", values: [], array: true });
            conn.post({ op: 'query', text: 'COMMIT', values: [], array: true }, true);
            const g = conn.wait(gen).rows[0] as [number];
            conn.drain();
            this.ownGeneration = g[0];
          } else {
            conn.wait(conn.post({ op: 'query', text: 'COMMIT', values: [], array: true }));
            conn.drain();
          }
          return r;
        } catch (err) {
          try {
            conn.drain();
          } catch {
            // the statement that failed is `err` or caused it
          }
          try {
            conn.query('ROLLBACK', [], true);
          } catch {
            // the connection is gone: nothing was committed
          }
          throw err;
        } finally {
          this.depth = 0;
          this.writing = false;
        }
      };
    const tx = run('deferred') as unknown as SqlTransaction<F>;
    tx.deferred = run('deferred');
    tx.immediate = run('immediate');
    tx.exclusive = run('immediate');
    tx.default = run('deferred');
    return tx;
  }

  close(): this {
    this.conn.close();
    return this;
  }
}
