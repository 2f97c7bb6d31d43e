// The decode worker (server/ingest/decodeWorker.ts) stores exactly what the in-thread path stores: every
// point, the series and their summaries, the run summary, GPU samples, validation tables, errors, offsets
// and reader states — on a run with restarts, NaN/±Inf, tensor-encoded scalars, a damaged record, a
// partial record at the end, a train.log and an nvidia-smi log, read in many small chunks so batches,
// pieces and commits fall at many places. Then a file that grows between two ingests, and a worker that
// is stopped and started again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';
import { CHUNK_BYTES, decodeStats, stopDecodeWorker } from '../../server/ingest/chunkSource';
import { encodeScalarEvent, eventRecord, eventFileName, encodeFileVersionEvent, type ScalarEncoding } from '../../server/ingest/tfeventsWriter';
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { dump } from '../helpers/dbDump';
import { testDbUrl } from '../helpers/testDb';

const SIZES = { ...CHUNK_BYTES };

function setPolicy(p: 'always' | 'never'): void {
  process.env.LRSCOPE_INGEST_WORKER = p;
}

function ingest(dbFile: string, paths: string[]): number {
  const h = openDb(dbFile);
  try {
    return ingestPaths(new Store(h), paths).points;
  } finally {
    h.close();
  }
}

/** A long, awkward event file: interleaved tags, a restart, NaN/±Inf, tensor encodings, GPU tags. */
function eventRecords(n: number, t0: number, from = 0): Buffer[] {
  const out: Buffer[] = [];
  const encodings: ScalarEncoding[] = ['simple_value', 'tensor_float', 'tensor_double', 'tensor_content_float', 'tensor_content_double'];
  for (let i = from; i < from + n; i++) {
    const step = i < 0.7 * 30_000 ? i : i - 5_000; // resumed from an earlier checkpoint
    const wall = t0 + i * 0.25;
    const v = i % 997 === 0 ? NaN : i % 1499 === 0 ? Infinity : i % 1999 === 0 ? -Infinity : Math.exp(-i / 1e4) + Math.sin(i) * 0.01;
    out.push(eventRecord(encodeScalarEvent({ tag: 'train/loss', step, wallTime: wall, value: v })));
    out.push(eventRecord(encodeScalarEvent({ tag: 'lr-Adam', step, wallTime: wall, value: 1e-3, encoding: encodings[i % encodings.length] })));
    if (i % 10 === 0) {
      out.push(eventRecord(encodeScalarEvent({ tag: 'gpu_id: 0/utilization.gpu (%)', step, wallTime: wall, value: 90 + (i % 7) })));
      out.push(eventRecord(encodeScalarEvent({ tag: 'gpu_id: 0/memory.used (MB)', step, wallTime: wall, value: 30_000 })));
    }
    if (i % 1000 === 999) out.push(eventRecord(encodeScalarEvent({ tag: 'val_ssim_total_mean', step, wallTime: wall, value: 0.8 + i / 1e6 })));
  }
  return out;
}

describe('ingest through the decode worker', () => {
  let dir: string;
  let project: string;
  let eventFile: string;
  const before = process.env.LRSCOPE_INGEST_WORKER;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-worker-'));
    project = path.join(dir, 'project');
    const run = buildLamaRun(project, lamaSpec({ maxEpochs: 6, limitTrainBatches: 400, logEveryNSteps: 1 }));
    const t0 = run.spec.startedAt / 1000;
    eventFile = path.join(run.tbDir, eventFileName(t0 + 7200, 'gpu-node-02', 777, 1));
    const recs = [eventRecord(encodeFileVersionEvent(t0 + 7200)), ...eventRecords(30_000, t0 + 7200)];
    const buf = Buffer.concat(recs);
    // a damaged record a third of the way in (flipped data byte: its CRC no longer matches)
    let off = 0;
    for (let i = 0; i < Math.floor(recs.length / 3); i++) off += recs[i].length;
    buf[off + 14] ^= 0xff;
    // a record cut short at the end (a writer that has not flushed yet)
    const tail = eventRecord(encodeScalarEvent({ tag: 'train/loss', step: 99_999, wallTime: t0 + 99_999, value: 1 }));
    fs.writeFileSync(eventFile, Buffer.concat([buf, tail.subarray(0, tail.length - 5)]));
    // small chunks: many commits, batches of several pieces, boundaries everywhere
    CHUNK_BYTES.thread = 96 * 1024;
    CHUNK_BYTES.piece = 40 * 1024;
    CHUNK_BYTES.batch = 150 * 1024;
    CHUNK_BYTES.minBatch = 100 * 1024;
  });

  afterEach(() => {
    if (before === undefined) delete process.env.LRSCOPE_INGEST_WORKER;
    else process.env.LRSCOPE_INGEST_WORKER = before;
  });

  afterAll(async () => {
    Object.assign(CHUNK_BYTES, SIZES);
    await stopDecodeWorker();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores exactly what the in-thread path stores', () => {
    setPolicy('never');
    const threadDb = testDbUrl(dir, 'thread');
    const nThread = ingest(threadDb, [project]);
    setPolicy('always');
    const w0 = decodeStats.worker;
    const workerDb = testDbUrl(dir, 'worker');
    const nWorker = ingest(workerDb, [project]);
    expect(decodeStats.worker - w0).toBeGreaterThanOrEqual(3); // the event files, train.log, the GPU log
    expect(nWorker).toBe(nThread);
    expect(nThread).toBeGreaterThan(60_000);
    const a = dump(threadDb);
    const b = dump(workerDb);
    for (const k of Object.keys(a)) expect(b[k], k).toEqual(a[k]);
    expect(a.errors.some((e) => String((e as unknown[])[3]).includes('CRC'))).toBe(true);
  });

  it('a file that grows between ingests, read by the worker, ends where one pass over the whole file ends', () => {
    setPolicy('always');
    const db = testDbUrl(dir, 'grow');
    const first = ingest(db, [project]);
    // the writer flushes: the cut record's rest, then more records
    const t0 = lamaSpec().startedAt / 1000 + 7200;
    const tail = eventRecord(encodeScalarEvent({ tag: 'train/loss', step: 99_999, wallTime: t0 + 99_999, value: 1 }));
    fs.appendFileSync(eventFile, Buffer.concat([tail.subarray(tail.length - 5), ...eventRecords(5_000, t0, 40_000)]));
    const added = ingest(db, [project]);
    expect(added).toBeGreaterThan(11_000);
    setPolicy('never');
    const once = testDbUrl(dir, 'once');
    expect(ingest(once, [project])).toBe(first + added);
    const a = dump(once);
    const b = dump(db);
    for (const k of ['points', 'series', 'summaries', 'runSummaries', 'files']) expect(b[k], k).toEqual(a[k]);
  });

  it('a stopped worker is started again on the next big file', async () => {
    await stopDecodeWorker();
    setPolicy('always');
    const w0 = decodeStats.worker;
    const db = testDbUrl(dir, 'again');
    expect(ingest(db, [project])).toBeGreaterThan(60_000);
    expect(decodeStats.worker).toBeGreaterThan(w0);
  });
});
