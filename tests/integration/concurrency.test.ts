// One database, three writers at once: `lrscope watch` and two `lrscope ingest` on the same folder, as
// the README invites. Every point must be stored exactly once (no phantom restart segment), and no
// SQLITE_BUSY may reach the user. Repeated with fresh databases; `npm run test:soak` repeats it more.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { buildLamaRun, lamaSpec, type BuiltRun } from '../helpers/lamaTree';

const TRIALS = Number(process.env.LRSCOPE_SOAK_TRIALS ?? 3);

function run(args: string[]): { done: Promise<{ code: number | null; out: string }>; kill: () => void } {
  const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, out }))), kill: () => child.kill('SIGINT') };
}

interface Stored {
  points: number;
  /** points in a restart segment (none of these runs restarts: any would be a doubled chunk) */
  resumed: number;
  perTag: Map<string, number>;
}

function stored(db: string, runName: string): Stored {
  const s = new Database(db, { readonly: true });
  try {
    const rows = s
      .prepare(
        `SELECT se.tag AS tag, COUNT(*) AS n, SUM(p.seg > 0) AS resumed FROM points p JOIN series se ON se.id = p.series_id
         JOIN runs r ON r.id = se.run_id WHERE r.name = ? GROUP BY se.tag`,
      )
      .all(runName) as { tag: string; n: number; resumed: number }[];
    return { points: rows.reduce((a, r) => a + r.n, 0), resumed: rows.reduce((a, r) => a + r.resumed, 0), perTag: new Map(rows.map((r) => [r.tag, r.n])) };
  } finally {
    s.close();
  }
}

const total = (b: BuiltRun) => [...b.written.values()].reduce((a, l) => a + l.length, 0);

describe('several writers on one database', () => {
  it(`watch + two ingests at once store every point exactly once (${TRIALS} trials)`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-conc-'));
    const project = path.join(dir, 'project');
    const runs = [0, 1, 2].map((i) =>
      buildLamaRun(project, lamaSpec({ user: `u${i}`, startedAt: new Date(2026, 10, 20, 9, 30, i).getTime(), maxEpochs: 60, logEveryNSteps: 1 })),
    );
    for (let t = 0; t < TRIALS; t++) {
      const db = path.join(dir, `db-${t}.sqlite`);
      const watch = run(['watch', project, '--db', db, '--no-dashboard']);
      const a = run(['ingest', project, '--db', db]);
      const b = run(['ingest', project, '--db', db]);
      const [ra, rb] = await Promise.all([a.done, b.done]);
      // the watcher catches up too; then it must add nothing more
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !runs.every((r) => fs.existsSync(db) && stored(db, r.name).points >= total(r))) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 1500));
      watch.kill();
      const rw = await watch.done;
      for (const r of [ra, rb]) {
        expect(r.code, r.out).toBe(0);
        expect(r.out).not.toMatch(/SQLITE_BUSY|database is locked/i);
      }
      expect(rw.out).not.toMatch(/SQLITE_BUSY|database is locked/i);
      for (const r of runs) {
        const got = stored(db, r.name);
        expect(got.resumed, `${r.name}: points in a phantom restart segment`).toBe(0);
        for (const [tag, list] of r.written) expect(got.perTag.get(tag), `${r.name} ${tag}`).toBe(list.length);
      }
      const s = new Database(db, { readonly: true });
      expect(s.pragma('integrity_check', { simple: true })).toBe('ok');
      s.close();
    }
  }, 240_000);
});
