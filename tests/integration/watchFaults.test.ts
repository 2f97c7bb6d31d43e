// Stays on SQLite under LRSCOPE_TEST_DB=pg (tests/helpers/testDb.ts): it tests SQLite's page_count limit and integrity_check.
// The watcher under storage faults: disk full (SQLite's max_page_count on the watcher's connection: the
// same SQLITE_FULL a full disk gives), a read-only database (PRAGMA query_only: SQLITE_READONLY — we run
// as root, so file modes would not stop us) and a database locked by another program (a second
// connection holding BEGIN EXCLUSIVE). Each time: reading pauses with one clear line, retries are spaced
// (back-off, counted — no busy loop), nothing partial is stored, and once the cause goes away reading
// resumes where it stopped: the database then holds exactly what a clean ingest of the same files holds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { SqlDb } from '../../server/db/sqlDb';
import { openDb, type DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { RunWatcher } from '../../server/watch/watcher';
import { ingestPaths } from '../../server/ingest/ingest';
import { buildLamaRun, lamaSpec, type BuiltRun } from '../helpers/lamaTree';
import { until } from '../helpers/watchProcess';
import { encodeScalarEvent, eventRecord } from '../../server/ingest/tfeventsWriter';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a database holds, independent of row ids and insertion order. */
function snapshot(sqlite: SqlDb): string {
  const points = sqlite
    .prepare(
      `SELECT r.name, s.tag, p.seg, p.step, p.dup, p.wall_time, p.value FROM points p JOIN series s ON s.id = p.series_id
       JOIN runs r ON r.id = s.run_id ORDER BY r.name, s.tag, p.seg, p.step, p.dup`,
    )
    .all();
  const series = sqlite
    .prepare(
      `SELECT r.name, s.tag, s.segment, s.last_step, s.dup_at_last, s.n_points, s.first_step, s.last_wall_time, s.last_value
       FROM series s JOIN runs r ON r.id = s.run_id ORDER BY r.name, s.tag`,
    )
    .all();
  const summary = (
    sqlite
      .prepare(
        `SELECT r.name, s.tag, m.seg, m.level, m.idx, m.n, m.n_bad, m.sum, m.min, m.max, m.first_step, m.last_step, m.last_value
         FROM series_summary m JOIN series s ON s.id = m.series_id JOIN runs r ON r.id = s.run_id ORDER BY r.name, s.tag, m.seg, m.level, m.idx`,
      )
      .all() as { sum: number }[]
  ).map((row) => ({ ...row, sum: Number(row.sum.toPrecision(12)) }));
  const gpu = sqlite.prepare('SELECT f.path, COUNT(*) AS n FROM gpu_samples g JOIN source_files f ON f.id = g.file_id GROUP BY f.path ORDER BY f.path').all();
  const tables = sqlite.prepare('SELECT kind, epoch, iterations, rows FROM validation_tables ORDER BY kind, epoch, iterations').all();
  const files = sqlite.prepare('SELECT path, "offset", size FROM source_files ORDER BY path').all();
  return JSON.stringify({ points, series, summary, gpu, tables, files });
}

function totalPoints(sqlite: SqlDb): number {
  return (sqlite.prepare('SELECT COUNT(*) AS n FROM points').get() as { n: number }).n;
}

interface Setup {
  dir: string;
  project: string;
  runs: BuiltRun[];
  total: number;
  h: DbHandle;
  store: Store;
  lines: string[];
}

function setup(name: string, runs = 3, epochs = 12): Setup {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lrscope-${name}-`));
  const project = path.join(dir, 'project');
  const built = Array.from({ length: runs }, (_, i) =>
    buildLamaRun(project, lamaSpec({ user: `u${i}`, startedAt: new Date(2026, 10, 20, 9, 30, i).getTime(), maxEpochs: epochs, logEveryNSteps: 1 })),
  );
  const total = built.reduce((n, b) => n + [...b.written.values()].reduce((a, l) => a + l.length, 0), 0);
  const h = openDb(path.join(dir, 'db.sqlite'));
  return { dir, project, runs: built, total, h, store: new Store(h), lines: [] };
}

function watcher(s: Setup, over: Partial<ConstructorParameters<typeof RunWatcher>[0]> = {}): RunWatcher {
  return new RunWatcher({
    paths: [s.project],
    store: s.store,
    log: (l) => s.lines.push(l),
    sweepEveryMs: 200,
    statusEveryMs: 60_000,
    retryMinMs: 100,
    retryMaxMs: 400,
    diagnoseDebounceMs: 50,
    ...over,
  });
}

/** A clean `lrscope ingest` of the same files into a fresh database. */
function reference(s: Setup): string {
  const h = openDb(path.join(s.dir, 'reference.sqlite'));
  ingestPaths(new Store(h), [s.project]);
  const snap = snapshot(h.sqlite);
  h.close();
  return snap;
}

function appendPoints(run: BuiltRun, from: number, n: number): void {
  const recs: Buffer[] = [];
  for (let k = 0; k < n; k++) {
    const step = from + k;
    recs.push(eventRecord(encodeScalarEvent({ tag: 'late_tag', step, value: step / 10, wallTime: 1_800_000_000 + step })));
    const list = run.written.get('late_tag') ?? [];
    list.push([step, Math.fround(step / 10)]);
    run.written.set('late_tag', list);
  }
  fs.appendFileSync(run.eventFile, Buffer.concat(recs));
}

const faultLines = (lines: string[]) => lines.filter((l) => /cannot write the database/.test(l));
const resumedLines = (lines: string[]) => lines.filter((l) => /can be written again/.test(l));

describe('the watcher under storage faults', () => {
  it('disk full during the initial read: pauses with one line, retries with back-off, resumes where it stopped once space returns', async () => {
    const s = setup('full');
    const ref = reference(s);
    const refPages = new Database(path.join(s.dir, 'reference.sqlite')).pragma('page_count', { simple: true }) as number;
    const pages = s.h.sqlite.pragma('page_count', { simple: true }) as number;
    s.h.sqlite.pragma(`max_page_count = ${pages + Math.floor((refPages - pages) / 2)}`); // room for about half
    const w = watcher(s, { logEveryMs: 1000 });
    await w.start();
    expect(w.faultCode()).toBe('disk-full');
    const before = w.attempts;
    await sleep(3000);
    // back-off 100, 200, 400, 400 … ms: about 8 tries in 3 s; a busy loop would make thousands
    expect(w.attempts - before).toBeLessThanOrEqual(12);
    expect(w.attempts - before).toBeGreaterThanOrEqual(3);
    // one line, repeated at most once a second (logEveryMs) while it lasts
    expect(faultLines(s.lines).length).toBeGreaterThanOrEqual(1);
    expect(faultLines(s.lines).length).toBeLessThanOrEqual(4);
    expect(faultLines(s.lines)[0]).toMatch(/disk holding the database is full.*\(SQLITE_FULL\).*retrying with back-off/);
    const partial = totalPoints(s.h.sqlite);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(s.total);
    expect(s.h.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');

    s.h.sqlite.pragma('max_page_count = 1073741823'); // space returns
    await until(() => totalPoints(s.h.sqlite) === s.total && w.faultCode() === null, 20_000);
    await w.idle();
    expect(resumedLines(s.lines)).toHaveLength(1);
    await sleep(600); // nothing more arrives (nothing doubled)
    expect(snapshot(s.h.sqlite)).toBe(ref);
    await w.close();
    s.h.close();
  }, 60_000);

  it('read-only database while a file grows: one line, then the new points once it is writable', async () => {
    const s = setup('ro', 2, 3);
    const w = watcher(s);
    await w.start();
    expect(totalPoints(s.h.sqlite)).toBe(s.total);
    s.h.sqlite.pragma('query_only = 1');
    appendPoints(s.runs[0], 10_000, 500);
    await until(() => w.faultCode() === 'read-only', 10_000);
    await sleep(1500);
    expect(faultLines(s.lines)).toHaveLength(1);
    expect(faultLines(s.lines)[0]).toMatch(/cannot be written.*\(SQLITE_READONLY\)/);
    expect(totalPoints(s.h.sqlite)).toBe(s.total); // no partial chunk
    s.h.sqlite.pragma('query_only = 0');
    await until(() => totalPoints(s.h.sqlite) === s.total + 500, 10_000);
    expect(resumedLines(s.lines)).toHaveLength(1);
    await sleep(500);
    expect(snapshot(s.h.sqlite)).toBe(reference(s));
    await w.close();
    s.h.close();
  }, 60_000);

  it('a database locked by another program: waits for it, then catches up', async () => {
    const s = setup('locked', 2, 3);
    s.h.sqlite.pragma('busy_timeout = 50'); // each try blocks the thread this long (5 s by default)
    const w = watcher(s);
    await w.start();
    const other = new Database(path.join(s.dir, 'db.sqlite'));
    other.exec('BEGIN EXCLUSIVE');
    appendPoints(s.runs[1], 20_000, 300);
    await until(() => w.faultCode() === 'locked', 10_000);
    await sleep(1500);
    expect(faultLines(s.lines)).toHaveLength(1);
    expect(faultLines(s.lines)[0]).toMatch(/locked by another program.*\(SQLITE_BUSY\)/);
    other.exec('COMMIT');
    other.close();
    await until(() => totalPoints(s.h.sqlite) === s.total + 300, 10_000);
    await sleep(500);
    expect(snapshot(s.h.sqlite)).toBe(reference(s));
    expect(s.lines.join('\n')).not.toMatch(/SqliteError|\n\s+at /);
    await w.close();
    s.h.close();
  }, 60_000);

  it('a fault that comes and goes many times: every point once, one line per episode at most', async () => {
    const s = setup('flaky', 2, 4);
    const w = watcher(s, { logEveryMs: 60_000 });
    await w.start();
    let step = 30_000;
    for (let round = 0; round < 6; round++) {
      const pages = s.h.sqlite.pragma('page_count', { simple: true }) as number;
      s.h.sqlite.pragma(`max_page_count = ${pages}`);
      appendPoints(s.runs[round % 2], step, 400);
      step += 400;
      await until(() => w.faultCode() === 'disk-full', 10_000);
      await sleep(150);
      s.h.sqlite.pragma('max_page_count = 1073741823');
      await until(() => w.faultCode() === null, 10_000);
      await w.idle();
    }
    await until(() => totalPoints(s.h.sqlite) === s.total + 2400, 10_000);
    expect(faultLines(s.lines).length).toBeLessThanOrEqual(6);
    expect(snapshot(s.h.sqlite)).toBe(reference(s));
    expect(s.h.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    await w.close();
    s.h.close();
  }, 90_000);
});
