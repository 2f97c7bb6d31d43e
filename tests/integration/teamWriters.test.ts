// Many writers, one truth, on PostgreSQL (issue 12): `lrscope watch` and two `lrscope ingest` processes
// on the same folder write into one PostgreSQL database at once. Every point is stored exactly once: the
// offsets are compare-and-set in the commit transaction (all writers hold one advisory lock while they
// write), so a chunk read by a loser is discarded and read again, never stored twice.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../helpers/pgCluster';
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { storedPoints as stored, writtenTotal as total } from '../helpers/storedPoints';
import { spawnCli as run } from '../helpers/watchProcess';

const TRIALS = Number(process.env.LRSCOPE_SOAK_TRIALS ?? 1);

let pg: PgCluster;
beforeAll(async () => {
  pg = await startPgCluster();
});
afterAll(() => pg?.stop());


describe('several writers on one PostgreSQL database', () => {
  it(`watch + two ingests at once store every point exactly once (${TRIALS} trials)`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-team-writers-'));
    const project = path.join(dir, 'project');
    const runs = [0, 1, 2].map((i) =>
      buildLamaRun(project, lamaSpec({ user: `u${i}`, startedAt: new Date(2026, 10, 20, 9, 30, i).getTime(), maxEpochs: 40, logEveryNSteps: 1 })),
    );
    try {
      for (let t = 0; t < TRIALS; t++) {
        const url = pg.createDb(`writers${t}`);
        const watch = run(['watch', project, '--db', url, '--no-dashboard']);
        const a = run(['ingest', project, '--db', url]);
        const b = run(['ingest', project, '--db', url]);
        const [ra, rb] = await Promise.all([a.done, b.done]);
        for (const r of [ra, rb]) expect(r.code, r.out).toBe(0);
        // the watcher catches up too; then it must add nothing more
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline && !runs.every((r) => stored(url, r.name).points >= total(r))) await new Promise((r) => setTimeout(r, 200));
        await new Promise((r) => setTimeout(r, 1500));
        watch.kill();
        const rw = await watch.done;
        expect(rw.out).not.toMatch(/Error|error:/);
        for (const r of runs) {
          const got = stored(url, r.name);
          expect(got.resumed, `${r.name}: points in a phantom restart segment`).toBe(0);
          for (const [tag, list] of r.written) expect(got.perTag.get(tag), `${r.name} ${tag}`).toBe(list.length);
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
