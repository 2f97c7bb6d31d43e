// One bad file never stops the others: an exception while reading a file becomes an ingest error of that
// file, and every other file and run is read. Ingest errors are de-duplicated through an index (a file
// with 80,000 ragged rows took minutes when each new error scanned the file's earlier ones).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';
import { RunWatcher } from '../../server/watch/watcher';
import { until } from '../helpers/watchProcess';
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { onPg, queryPlan, testDbUrl } from '../helpers/testDb';

// A reader that throws on a marker, standing for any bug or resource error inside a reader.
vi.mock(import('../../server/ingest/gpuLog'), async (importOriginal) => {
  const real = await importOriginal();
  return {
    ...real,
    parseGpuLog: (chunk: Uint8Array, state: Parameters<typeof real.parseGpuLog>[1], opts: Parameters<typeof real.parseGpuLog>[2]) => {
      if (Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).includes('EXPLODE')) throw new RangeError('Maximum call stack size exceeded');
      return real.parseGpuLog(chunk, state, opts);
    },
  };
});

function errorsOf(store: Store, file: string): { reason: string }[] {
  return store.handle.sqlite.prepare('SELECT reason FROM ingest_errors WHERE path = ?').all(file) as { reason: string }[];
}

describe('each file is ingested in isolation', () => {
  it('a reader exception is an ingest error of its file; the other files and runs are read; a failed file is read once fixed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-iso-'));
    const project = path.join(dir, 'project');
    const runs = [0, 1, 2].map((i) => buildLamaRun(project, lamaSpec({ user: `u${i}`, startedAt: new Date(2026, 10, 20, 9, 30, i).getTime() })));
    const bad = path.join(runs[0].runDir, 'gpu_util.txt');
    fs.appendFileSync(bad, 'EXPLODE\n');
    // the line that used to crash `lrscope ingest`: 200,000 fields in an nvidia-smi log of another run
    const wide = path.join(runs[1].runDir, 'gpu_util.txt');
    fs.appendFileSync(wide, Array.from({ length: 200_000 }, (_, i) => `${i} MiB`).join(', ') + '\n');
    const h = openDb(testDbUrl(dir, 'db'));
    const store = new Store(h);
    const s = ingestPaths(store, [project]);
    const total = (i: number) => [...runs[i].written.values()].reduce((a, l) => a + l.length, 0);
    for (let i = 0; i < 3; i++) {
      const r = s.runs.find((x) => x.name === runs[i].name)!;
      expect(r.points, runs[i].name).toBe(total(i)); // every run's event file read, the bad one's too
    }
    expect(errorsOf(store, bad).map((e) => e.reason)).toEqual(['read failed: Maximum call stack size exceeded']);
    expect(errorsOf(store, wide).map((e) => e.reason)).toEqual([expect.stringMatching(/longer than 1 MiB; skipped/)]);
    const gpuRows = (file: string) =>
      (h.sqlite.prepare('SELECT COUNT(*) AS n FROM gpu_samples g JOIN source_files f ON f.id = g.file_id WHERE f.path = ?').get(file) as { n: number }).n;
    const rows = fs.readFileSync(wide, 'utf8').trim().split('\n').length - 2; // header and the wide line
    expect(gpuRows(wide)).toBe(rows);
    expect(gpuRows(path.join(runs[2].runDir, 'gpu_util.txt'))).toBe(rows);

    // fixed: read on the next pass, from where it stopped
    fs.writeFileSync(bad, fs.readFileSync(bad, 'utf8').replace('EXPLODE\n', ''));
    ingestPaths(store, [project]);
    expect(gpuRows(bad)).toBe(rows);
    h.close();
  });

  it('80,000 ragged CSV rows: each an error once, recorded in linear time; a second ingest adds none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-ragged-'));
    const v = path.join(dir, 'proj', 'lightning_logs', 'version_0');
    fs.mkdirSync(v, { recursive: true });
    const lines = ['step,loss,acc'];
    for (let i = 0; i < 160_000; i++) lines.push(i % 2 ? `${i},0.5` : `${i},0.5,0.25`);
    fs.writeFileSync(path.join(v, 'metrics.csv'), lines.join('\n') + '\n');
    const h = openDb(testDbUrl(dir, 'db'));
    const store = new Store(h);
    const first = ingestPaths(store, [path.join(dir, 'proj')]);
    expect(first.errors).toBe(80_000);
    expect(first.points).toBe(160_000);
    const second = ingestPaths(store, [path.join(dir, 'proj')]);
    expect(second.errors).toBe(0);
    expect((h.sqlite.prepare('SELECT COUNT(*) AS n FROM ingest_errors').get() as { n: number }).n).toBe(80_000);
    // the de-duplicating lookups (one statement per null pattern: store.ts findIssue) are index searches,
    // not a scan of the file's errors
    const plans = [
      queryPlan(h.sqlite, 'SELECT 1 FROM ingest_errors WHERE path = ? AND "offset" = ? AND line IS NULL AND reason = ? LIMIT 1', 'p', 1, 'r'),
      queryPlan(h.sqlite, 'SELECT 1 FROM ingest_errors WHERE path = ? AND "offset" IS NULL AND line = ? AND reason = ? LIMIT 1', 'p', 2, 'r'),
    ];
    for (const plan of plans) {
      if (onPg()) expect(plan).toMatch(/Index Scan using ingest_errors_key on ingest_errors .*Index Cond: \(\(path = 'p'::text\) AND \("offset" (= '1'::double precision|IS NULL)\) AND \(line (IS NULL|= '2'::double precision)\)\)/);
      else expect(plan).toMatch(/USING INDEX ingest_errors_key \(path=\? AND offset=\? AND line=\?\)/);
    }
    h.close();
  }, 60_000);

  it('the watcher retries a failed file with back-off, reports it once, and reads it once it can', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-retry-'));
    const project = path.join(dir, 'project');
    const run = buildLamaRun(project, lamaSpec());
    const gpu = path.join(run.runDir, 'gpu_util.txt');
    const good = fs.readFileSync(gpu, 'utf8');
    fs.appendFileSync(gpu, 'EXPLODE\n');
    const h = openDb(testDbUrl(dir, 'db'));
    const store = new Store(h);
    const lines: string[] = [];
    const w = new RunWatcher({ paths: [project], store, log: (l) => lines.push(l), sweepEveryMs: 100, fileRetryMinMs: 100, fileRetryMaxMs: 400 });
    await w.start();
    const total = [...run.written.values()].reduce((a, l) => a + l.length, 0);
    expect((h.sqlite.prepare('SELECT COUNT(*) AS n FROM points').get() as { n: number }).n).toBe(total); // the rest of the run is read
    const tries = w.attempts;
    await new Promise((r) => setTimeout(r, 2000));
    const retried = w.attempts - tries;
    expect(retried).toBeGreaterThanOrEqual(3); // tried again …
    expect(retried).toBeLessThanOrEqual(10); // … with back-off (100, 200, 400, 400 ms …), not in a loop
    expect(lines.filter((l) => /gpu_util\.txt: read failed: Maximum call stack size exceeded; trying again in/.test(l))).toHaveLength(1);
    expect(errorsOf(store, gpu)).toHaveLength(1);
    fs.writeFileSync(gpu, good); // fixed
    const samples = () => (h.sqlite.prepare('SELECT COUNT(*) AS n FROM gpu_samples').get() as { n: number }).n;
    await until(() => samples() === good.trim().split('\n').length - 1, 10_000);
    expect(lines.some((l) => /gpu_util\.txt is read again/.test(l))).toBe(true);
    await w.close();
    h.close();
  }, 30_000);
});
