// Many writers, one truth, on PostgreSQL (issue 12): `lrscope watch` and two `lrscope ingest` processes
// on the same folder write into one PostgreSQL database at once. Every point is stored exactly once: the
// offsets are compare-and-set in the commit transaction (all writers hold one advisory lock while they
// write), so a chunk read by a loser is discarded and read again, never stored twice.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../helpers/pgCluster';
import { buildLamaRun, lamaSpec, type BuiltRun } from '../helpers/lamaTree';
import { openDb } from '../../server/db/open';

const TRIALS = Number(process.env.LRSCOPE_SOAK_TRIALS ?? 1);

let pg: PgCluster;
beforeAll(async () => {
  pg = await startPgCluster();
});
afterAll(() => pg?.stop());

function run(args: string[]): { done: Promise<{ code: number | null; out: string }>; kill: () => void } {
  const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, out }))), kill: () => child.kill('SIGINT') };
}

function stored(url: string, runName: string): { points: number; resumed: number; perTag: Map<string, number> } {
  const h = openDb(url, { readonly: true });
  try {
    const rows = h.sqlite
      .prepare(
        `SELECT se.tag AS tag, COUNT(*) AS n, SUM(CASE WHEN p.seg > 0 THEN 1 ELSE 0 END) AS resumed FROM points p JOIN series se ON se.id = p.series_id
         JOIN runs r ON r.id = se.run_id WHERE r.name = ? GROUP BY se.tag`,
      )
      .all(runName) as { tag: string; n: number; resumed: number }[];
    return { points: rows.reduce((a, r) => a + r.n, 0), resumed: rows.reduce((a, r) => a + r.resumed, 0), perTag: new Map(rows.map((r) => [r.tag, r.n])) };
  } finally {
    h.close();
  }
}

const total = (b: BuiltRun) => [...b.written.values()].reduce((a, l) => a + l.length, 0);

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
