// npm run bench:ingest — points/s of `ingest` on a generated 2M-point event file, next to the ceiling:
// the same decoded rows inserted by one prepared better-sqlite3 statement in one transaction.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../server/db/open';
import { Store } from '../server/db/store';
import { ingestPaths } from '../server/ingest/ingest';
import { readTfRecords } from '../server/ingest/tfrecord';
import { decodeTfEvents, newTfEventsState } from '../server/ingest/tfevents';
import { LAMA_TRAIN_TAGS, writeLamaEventFile } from './bench/lamaEventFile';

const N = Number(process.env.BENCH_POINTS ?? 2_000_000);
const TAGS = LAMA_TRAIN_TAGS;

/** Ceiling: decode first (untimed), then time only the inserts. Its arrays die with this scope. */
function ceiling(file: string, dir: string): number {
  const buf = fs.readFileSync(file);
  const decoded = decodeTfEvents(readTfRecords(buf, 0).records, newTfEventsState()).scalars;
  const ceilingDb = openDb(path.join(dir, 'ceiling.sqlite'));
  const ids = new Map(TAGS.map((tag, i) => [tag, i + 1]));
  const lastStep = new Map<number, number>();
  const rows = decoded.map((p) => {
    const id = ids.get(p.tag)!;
    const dup = lastStep.get(id) === p.step ? 1 : 0;
    lastStep.set(id, p.step);
    return [id, 0, p.step, dup, 1, p.wallTime, Number.isNaN(p.value) ? null : p.value] as const;
  });
  const insert = ceilingDb.sqlite.prepare('INSERT INTO points (series_id, seg, step, dup, file_id, wall_time, value) VALUES (?,?,?,?,?,?,?)');
  const t = process.hrtime.bigint();
  ceilingDb.sqlite.transaction(() => {
    for (const r of rows) insert.run(r[0], r[1], r[2], r[3], r[4], r[5], r[6]);
  })();
  const elapsed = ms(t);
  ceilingDb.close();
  return elapsed;

}

function ms(t: bigint): number {
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-bench-'));
try {
  let t = process.hrtime.bigint();
  const file = writeLamaEventFile(dir, N);
  const size = fs.statSync(file).size;
  console.log(`generated ${N.toLocaleString()} scalar events (${(size / 1e6).toFixed(1)} MB) in ${ms(t).toFixed(0)} ms`);

  const ceilingMs = ceiling(file, dir);

  // lrscope ingest: discovery, read, CRC, decode, store — everything.
  const h = openDb(path.join(dir, 'ingest.sqlite'));
  t = process.hrtime.bigint();
  const summary = ingestPaths(new Store(h), [path.join(dir, 'tb')]);
  const ingestMs = ms(t);
  h.close();
  if (summary.points !== N) throw new Error(`ingest stored ${summary.points} points, expected ${N}`);

  const ingestRate = N / (ingestMs / 1000);
  const ceilingRate = N / (ceilingMs / 1000);
  console.log(`ingest  : ${ingestMs.toFixed(0).padStart(7)} ms  ${Math.round(ingestRate).toLocaleString().padStart(12)} points/s  (lrscope ingest, end to end)`);
  console.log(`ceiling : ${ceilingMs.toFixed(0).padStart(7)} ms  ${Math.round(ceilingRate).toLocaleString().padStart(12)} points/s  (pre-decoded rows, one prepared INSERT, one transaction)`);
  console.log(`ratio   : ${(ingestRate / ceilingRate).toFixed(2)}  (target ≥ 0.50) ${ingestRate / ceilingRate >= 0.5 ? 'OK' : 'BELOW TARGET'}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
