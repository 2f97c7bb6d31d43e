// Stays on SQLite under LRSCOPE_TEST_DB=pg (tests/helpers/testDb.ts): it tests SQLite's own busy locking between processes.
// One database, three writers at once: `lrscope watch` and two `lrscope ingest` on the same folder, as
// the README invites. Every point must be stored exactly once (no phantom restart segment), and no
// SQLITE_BUSY may reach the user. Repeated with fresh databases; `npm run test:soak` repeats it more.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { storedPoints as stored, writtenTotal as total } from '../helpers/storedPoints';
import { spawnCli as run } from '../helpers/watchProcess';
import Database from 'better-sqlite3';

const TRIALS = Number(process.env.LRSCOPE_SOAK_TRIALS ?? 3);


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
