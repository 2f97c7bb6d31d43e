// Runs from different hosts stay distinct (issue 12): two machines writing a LaMa run folder of the same
// name into one PostgreSQL database are two runs, each with its own points stored once, and each shows
// its host (`lrscope runs`, the runs table and run page through runs.list / runs.get).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../helpers/pgCluster';
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { cli } from '../helpers/cli';
import { openDb } from '../../server/db/open';

let pg: PgCluster;
let tmp: string;
beforeAll(async () => {
  pg = await startPgCluster();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-team-hosts-'));
});
afterAll(() => {
  pg?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function ingestAs(host: string, folder: string, db: string): Promise<void> {
  const before = process.env.LRSCOPE_SOURCE_HOST;
  process.env.LRSCOPE_SOURCE_HOST = host;
  try {
    const r = await cli('ingest', folder, '--db', db);
    expect(r.code, r.err).toBe(0);
  } finally {
    if (before === undefined) delete process.env.LRSCOPE_SOURCE_HOST;
    else process.env.LRSCOPE_SOURCE_HOST = before;
  }
}

describe('runs of the same name on two hosts', () => {
  it('are two runs with their own points, once each, and their hosts shown', async () => {
    const a = path.join(tmp, 'nodeA', 'project');
    const built = buildLamaRun(a, lamaSpec({ maxEpochs: 4, logEveryNSteps: 5 }));
    // the same run folder on another machine (a copy: same name, same paths below its root)
    const b = path.join(tmp, 'nodeB', 'project');
    fs.cpSync(a, b, { recursive: true });
    const url = pg.createDb('hosts');
    // each host ingests twice: the second adds nothing
    for (let i = 0; i < 2; i++) {
      await ingestAs('node-a', a, url);
      await ingestAs('node-b', b, url);
    }
    const h = openDb(url, { readonly: true });
    try {
      const runs = h.sqlite.prepare('SELECT id, name, host FROM runs ORDER BY host').all() as { id: number; name: string; host: string }[];
      expect(runs.map((r) => [r.name, r.host])).toEqual([[built.name, 'node-a'], [built.name, 'node-b']]);
      for (const r of runs) {
        const perTag = new Map(
          (h.sqlite.prepare('SELECT se.tag AS tag, COUNT(*) AS n FROM points p JOIN series se ON se.id = p.series_id WHERE se.run_id = ? GROUP BY se.tag').all(r.id) as { tag: string; n: number }[]).map((x) => [x.tag, x.n]),
        );
        for (const [tag, list] of built.written) expect(perTag.get(tag), `${r.host} ${tag}`).toBe(list.length);
        // every file of the run is its host's copy
        const files = h.sqlite.prepare('SELECT DISTINCT host FROM source_files WHERE run_id = ?').pluck().all(r.id);
        expect(files).toEqual([r.host]);
      }
    } finally {
      h.close();
    }
    const listed = JSON.parse((await cli('runs', '--db', url, '--json')).out) as { runs: { name: string; host: string | null }[] };
    expect(listed.runs.map((r) => r.host).sort()).toEqual(['node-a', 'node-b']);
    const table = (await cli('runs', '--db', url)).out;
    expect(table).toMatch(/\bhost\b/);
    expect(table).toMatch(/node-a/);
    expect(table).toMatch(/node-b/);
  });
});
