// Stays on SQLite under LRSCOPE_TEST_DB=pg (tests/helpers/testDb.ts): it tests SQLite's WAL recovery after SIGKILL.
// kill -9 of `lrscope watch` at random moments while it reads a lot, again and again (20 times; more with
// LRSCOPE_SOAK_TRIALS): between kills the runs keep growing. After every kill the database is intact
// (PRAGMA integrity_check) and holds, per tag, a prefix of what the files hold — nothing doubled, nothing
// out of order. After the last restart it holds exactly what the files hold. (crash.test.ts does one kill
// through the dashboard's API; this one works on the database directly.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { buildLamaRun, lamaSpec, type BuiltRun } from '../helpers/lamaTree';
import { encodeScalarEvent, eventRecord } from '../../server/ingest/tfeventsWriter';
import { nvidiaSmiRow } from '../../server/demo/lamaFormat';
import { rng } from '../../server/lib/rng';
import { maxOf } from '../../server/lib/reduce';

const TRIALS = Math.max(20, Number(process.env.LRSCOPE_SOAK_TRIALS ?? 0) * 5);

type Stored = Map<string, [number, number, number][]>; // run\0tag → [seg, step, value]

function stored(db: string): Stored {
  const s = new Database(db, { readonly: true });
  try {
    const rows = s
      .prepare(
        `SELECT r.name || char(0) || se.tag AS k, p.seg, p.step, p.value FROM points p JOIN series se ON se.id = p.series_id
         JOIN runs r ON r.id = se.run_id ORDER BY k, p.seg, p.step, p.dup`,
      )
      .raw()
      .all() as [string, number, number, number][];
    const m: Stored = new Map();
    for (const [k, seg, step, value] of rows) {
      const l = m.get(k) ?? [];
      l.push([seg, step, value]);
      m.set(k, l);
    }
    return m;
  } finally {
    s.close();
  }
}

interface SeriesFacts {
  n: number;
  distinct: number;
  maxSeg: number;
  firstStep: number;
  lastStep: number;
  lastValue: number;
}

/** Per run and tag: count, distinct steps, highest segment, first and last step, value at the last step. */
function facts(db: string): Map<string, SeriesFacts> {
  const s = new Database(db, { readonly: true });
  try {
    const rows = s
      .prepare(
        `SELECT r.name || char(0) || se.tag AS k, COUNT(*) AS n, COUNT(DISTINCT p.step) AS distinct_, MAX(p.seg) AS maxSeg,
                MIN(p.step) AS firstStep, MAX(p.step) AS lastStep,
                (SELECT value FROM points q WHERE q.series_id = se.id ORDER BY seg DESC, step DESC, dup DESC LIMIT 1) AS lastValue
         FROM points p JOIN series se ON se.id = p.series_id JOIN runs r ON r.id = se.run_id GROUP BY se.id`,
      )
      .all() as (SeriesFacts & { k: string; distinct_: number })[];
    return new Map(rows.map((r) => [r.k, { ...r, distinct: r.distinct_ }]));
  } finally {
    s.close();
  }
}

function integrity(db: string): string {
  const s = new Database(db, { readonly: true });
  try {
    return s.pragma('integrity_check', { simple: true }) as string;
  } finally {
    s.close();
  }
}

/** Appends `n` steps to every tag of the run's event file and GPU rows to its GPU log. */
function grow(run: BuiltRun, n: number, state: { step: number }): void {
  const recs: Buffer[] = [];
  let gpu = '';
  for (let k = 0; k < n; k++) {
    const step = state.step++;
    const wall = 1_800_000_000 + step;
    for (const tag of ['train_gen_l1', 'train_gen_adv', 'train_discr_adv', 'epoch']) {
      const value = tag === 'epoch' ? Math.floor(step / 1000) : Math.sin(step / 50) + step / 1e5;
      recs.push(eventRecord(encodeScalarEvent({ tag, step, value, wallTime: wall })));
      run.written.get(tag)!.push([step, Math.fround(value)]);
    }
    if (step % 20 === 0) gpu += nvidiaSmiRow(wall * 1000, 0, 90, 40, 30000, 65, 300);
  }
  fs.appendFileSync(run.eventFile, Buffer.concat(recs));
  fs.appendFileSync(path.join(run.runDir, 'gpu_util.txt'), gpu);
}

describe('kill -9 during heavy ingest', () => {
  it(`${TRIALS} kills at random moments: the database stays intact, nothing doubled; after restart it equals the files`, async () => {
    const r = rng(20261201);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-kill-'));
    const project = path.join(dir, 'project');
    const db = path.join(dir, 'db.sqlite');
    const runs = Array.from({ length: 4 }, (_, i) =>
      buildLamaRun(project, lamaSpec({ user: `k${i}`, startedAt: new Date(2026, 10, 20, 9, 30, i).getTime(), maxEpochs: 10, logEveryNSteps: 1 })),
    );
    const steps = runs.map((b) => ({ step: maxOf(b.written.get('train_gen_l1')!.map(([s]) => s)) + 1 }));
    const key = (b: BuiltRun, tag: string) => `${b.name}\u0000${tag}`;
    let killedMidRead = 0;

    for (let t = 0; t < TRIALS; t++) {
      // the jobs keep writing: 1,500–5,000 more steps per run (4 tags each, ~50k points a trial)
      for (let i = 0; i < runs.length; i++) grow(runs[i], 1500 + Math.floor(r() * 3500), steps[i]);
      const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'watch', project, '--db', db, '--no-dashboard'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<void>((res) => child.once('exit', () => res()));
      // mostly while it reads (the first ~0.6 s after it starts watching), sometimes later (idle, diagnosis)
      const delay = Math.floor(r() * (r() < 0.75 ? 600 : 3000));
      await new Promise<void>((res) => {
        const wait = () => (/Watching /.test(out) ? setTimeout(res, delay) : setTimeout(wait, 10));
        wait();
      });
      if (!/runs? in the database/.test(out)) killedMidRead++;
      child.kill('SIGKILL');
      await exited;
      expect(out).not.toMatch(/SqliteError|\n\s+at /);

      expect(integrity(db), `trial ${t}`).toBe('ok');
      // What is stored is the start of what the file holds: steps in the files strictly increase, so n
      // distinct steps in segment 0 ending at the file's n-th step (with its value) are exactly its first n.
      const got = facts(db);
      for (const b of runs) {
        for (const [tag, list] of b.written) {
          const f = got.get(key(b, tag));
          if (!f) continue;
          const where = `trial ${t}: ${b.name} ${tag}`;
          expect(f.maxSeg, `${where}: a phantom restart segment (a doubled chunk)`).toBe(0);
          expect(f.distinct, `${where}: a step stored twice`).toBe(f.n);
          expect(f.n, where).toBeLessThanOrEqual(list.length);
          expect([f.firstStep, f.lastStep, f.lastValue], where).toEqual([list[0][0], list[f.n - 1][0], list[f.n - 1][1]]);
        }
      }
    }
    console.log(`${TRIALS} kills, ${killedMidRead} before the initial read had finished`);
    expect(killedMidRead).toBeGreaterThan(TRIALS / 4); // the kills really landed during heavy reading

    // the last restart reads everything; then the database equals the files
    const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'watch', project, '--db', db, '--no-dashboard'], { stdio: 'ignore' });
    const total = runs.reduce((n, b) => n + [...b.written.values()].reduce((a, l) => a + l.length, 0), 0);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if ([...facts(db).values()].reduce((n, f) => n + f.n, 0) >= total) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    await new Promise((res) => setTimeout(res, 1000));
    child.kill('SIGINT');
    await new Promise((res) => child.once('exit', res));
    const got = stored(db);
    for (const b of runs) {
      for (const [tag, list] of b.written) {
        expect(
          (got.get(key(b, tag)) ?? []).map(([seg, s, v]) => [seg, s, v]),
          `${b.name} ${tag}`,
        ).toEqual(list.map(([s, v]) => [0, s, v]));
      }
    }
    const s = new Database(db, { readonly: true });
    const gpuRows = (s.prepare('SELECT COUNT(*) AS n FROM gpu_samples').get() as { n: number }).n;
    s.close();
    const gpuLines = runs.reduce((n, b) => n + fs.readFileSync(path.join(b.runDir, 'gpu_util.txt'), 'utf8').trim().split('\n').length - 1, 0);
    expect(gpuRows).toBe(gpuLines);
    expect(integrity(db)).toBe('ok');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000 + TRIALS * 8_000);
});
