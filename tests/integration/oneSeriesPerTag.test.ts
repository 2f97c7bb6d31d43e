// A Lightning version folder holding both metrics.csv and the same run's TensorBoard event file: one series
// per (run, tag), the event file's values, and the CSV's extra tags (those the event file lacks) kept — in
// both orders of discovery, and while both files grow under the watcher (the CSV read before the event
// file appears). A real public run first (its 200 values had been stored as 400), then pairs written here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { SqlDb } from '../../server/db/sqlDb';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';
import { RunWatcher } from '../../server/watch/watcher';
import { encodeFileVersionEvent, encodeScalarEvent, eventFileName, eventRecord } from '../../server/ingest/tfeventsWriter';
import { until } from '../helpers/watchProcess';
import { testDbUrl } from '../helpers/testDb';

// other people's files: read from ../shared beside the repository, never copied into it
const REAL = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../shared/fixtures/real-lightning/dataguirre__reliefNET-GNN__global_efficiency_version_3/lightning_logs/version_3');

/** tag → [file kind, step, value][] in stored order, and the series' own counters. */
function stored(sqlite: SqlDb): Map<string, { kinds: Set<string>; pts: [number, number | null][]; nPoints: number }> {
  const out = new Map<string, { kinds: Set<string>; pts: [number, number | null][]; nPoints: number }>();
  const rows = sqlite
    .prepare(
      `SELECT s.tag, s.n_points AS n, f.kind, p.step, p.value FROM series s JOIN points p ON p.series_id = s.id
       JOIN source_files f ON f.id = p.file_id ORDER BY s.tag, p.seg, p.step, p.dup`,
    )
    .all() as { tag: string; n: number; kind: string; step: number; value: number | null }[];
  for (const r of rows) {
    let e = out.get(r.tag);
    if (!e) out.set(r.tag, (e = { kinds: new Set(), pts: [], nPoints: r.n }));
    e.kinds.add(r.kind);
    e.pts.push([r.step, r.value]);
  }
  return out;
}

function ingest(db: string, p: string): void {
  const h = openDb(db);
  try {
    ingestPaths(new Store(h), [p]);
  } finally {
    h.close();
  }
}

// --- a pair written here: the event file has loss and lr-Adam; the CSV has those, epoch and val_acc ---
const N = 300;
const T0 = 1_750_000_000;
const loss = (i: number) => Math.fround(2 / (1 + i / 50));
const lr = (i: number) => Math.fround(i < 150 ? 1e-3 : 1e-4);

function eventBytes(from: number, to: number, header: boolean): Buffer {
  const recs = header ? [eventRecord(encodeFileVersionEvent(T0))] : [];
  for (let i = from; i < to; i++) {
    recs.push(eventRecord(encodeScalarEvent({ tag: 'loss', step: i, wallTime: T0 + i, value: loss(i) })));
    recs.push(eventRecord(encodeScalarEvent({ tag: 'lr-Adam', step: i, wallTime: T0 + i, value: lr(i) })));
  }
  return Buffer.concat(recs);
}

function csvText(from: number, to: number, header: boolean): string {
  const rows = header ? ['epoch,step,loss,lr-Adam,val_acc'] : [];
  for (let i = from; i < to; i++) rows.push(`${Math.floor(i / 100)},${i},${loss(i)},${lr(i)},${i % 10 === 9 ? (i / N).toFixed(4) : ''}`);
  return rows.map((r) => r + '\n').join('');
}

function expectOneSourcePerTag(sqlite: SqlDb, upTo = N): void {
  const s = stored(sqlite);
  expect([...s.keys()].sort()).toEqual(['epoch', 'loss', 'lr-Adam', 'val_acc']);
  for (const tag of ['loss', 'lr-Adam']) {
    const e = s.get(tag)!;
    expect([...e.kinds], tag).toEqual(['tfevents']);
    const want = Array.from({ length: upTo }, (_, i) => [i, tag === 'loss' ? loss(i) : lr(i)]);
    expect(e.pts, tag).toEqual(want);
    expect(e.nPoints, tag).toBe(upTo);
  }
  // the CSV's own tags stay, from the CSV
  expect([...s.get('epoch')!.kinds]).toEqual(['metrics_csv']);
  expect(s.get('epoch')!.pts).toHaveLength(upTo);
  expect([...s.get('val_acc')!.kinds]).toEqual(['metrics_csv']);
  expect(s.get('val_acc')!.pts).toHaveLength(Math.floor(upTo / 10));
  // the runs table's count agrees
  const summary = sqlite.prepare('SELECT n_points AS n FROM run_summaries').get() as { n: number };
  expect(summary.n).toBe(2 * upTo + upTo + Math.floor(upTo / 10));
}

describe('one series per (run, tag) when metrics.csv and the event file carry the same run', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-one-source-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it.runIf(fs.existsSync(REAL))('a real Lightning run (metrics.csv + event file): each value once, the event file’s', () => {
    const db = testDbUrl(tmp, 'real');
    ingest(db, REAL);
    // the reference: the event file alone (a copy in a temporary folder)
    const alone = path.join(tmp, 'alone', 'lightning_logs', 'version_3');
    fs.mkdirSync(alone, { recursive: true });
    const ev = fs.readdirSync(REAL).find((f) => f.startsWith('events.out.tfevents'))!;
    fs.copyFileSync(path.join(REAL, ev), path.join(alone, ev));
    const refDb = testDbUrl(tmp, 'alone');
    ingest(refDb, alone);

    const h = openDb(db);
    const r = openDb(refDb);
    try {
      const got = stored(h.sqlite);
      const want = stored(r.sqlite);
      expect(got.get('train_loss_RANK')!.pts).toHaveLength(100); // 200 before: every point twice
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort()); // the CSV has no tag the event file lacks
      for (const [tag, w] of want) {
        expect([...got.get(tag)!.kinds], tag).toEqual(['tfevents']);
        expect(got.get(tag)!.pts, tag).toEqual(w.pts);
      }
    } finally {
      h.close();
      r.close();
    }
  });

  it('the CSV read first, the event file after: the event file takes its tags over', () => {
    const dir = path.join(tmp, 'csv-first', 'lightning_logs', 'version_0');
    fs.mkdirSync(dir, { recursive: true });
    const db = testDbUrl(tmp, 'csv-first');
    fs.writeFileSync(path.join(dir, 'metrics.csv'), csvText(0, N, true));
    ingest(db, dir);
    fs.writeFileSync(path.join(dir, eventFileName(T0, 'host', 1)), eventBytes(0, N, true));
    ingest(db, dir);
    ingest(db, dir); // and again: nothing changes
    const h = openDb(db);
    try {
      expectOneSourcePerTag(h.sqlite);
    } finally {
      h.close();
    }
  });

  it('the event file read first, the CSV after: the CSV keeps only its extra tags', () => {
    const dir = path.join(tmp, 'events-first', 'lightning_logs', 'version_0');
    fs.mkdirSync(dir, { recursive: true });
    const db = testDbUrl(tmp, 'events-first');
    fs.writeFileSync(path.join(dir, eventFileName(T0, 'host', 1)), eventBytes(0, N, true));
    ingest(db, dir);
    fs.writeFileSync(path.join(dir, 'metrics.csv'), csvText(0, N, true));
    ingest(db, dir);
    const h = openDb(db);
    try {
      expectOneSourcePerTag(h.sqlite);
    } finally {
      h.close();
    }
  });

  it('both growing under the watcher, the CSV there before the event file appears', async () => {
    const project = path.join(tmp, 'live');
    const dir = path.join(project, 'lightning_logs', 'version_0');
    fs.mkdirSync(dir, { recursive: true });
    const csv = path.join(dir, 'metrics.csv');
    const events = path.join(dir, eventFileName(T0, 'host', 1));
    fs.writeFileSync(csv, csvText(0, 100, true));
    const h = openDb(testDbUrl(tmp, 'live'));
    const w = new RunWatcher({ paths: [project], store: new Store(h), log: () => {}, sweepEveryMs: 100, statusEveryMs: 1000, diagnoseDebounceMs: 50 });
    const count = (tag: string) =>
      (h.sqlite.prepare('SELECT COALESCE(SUM(n_points), 0) AS n FROM series WHERE tag = ?').get(tag) as { n: number }).n;
    try {
      await w.start();
      await until(() => count('loss') === 100);
      // the event file appears with the first 150 steps, the CSV gains rows up to 200
      fs.writeFileSync(events, eventBytes(0, 150, true));
      fs.appendFileSync(csv, csvText(100, 200, false));
      await until(() => count('epoch') === 200 && count('loss') === 150 && count('lr-Adam') === 150);
      // both grow to the end
      fs.appendFileSync(events, eventBytes(150, N, false));
      fs.appendFileSync(csv, csvText(200, N, false));
      await until(() => count('epoch') === N && count('loss') === N && count('lr-Adam') === N && count('val_acc') === N / 10);
      await w.idle();
      expectOneSourcePerTag(h.sqlite);
    } finally {
      await w.close();
      h.close();
    }
  });
});
