// Nodes without database access (issue 12): `lrscope agent` tails a training run's files and pushes them to
// `lrscope serve` (PostgreSQL) over HTTP. The event file grows slice by slice while the agent is killed
// (SIGKILL, at random moments) and restarted, and the server is killed and restarted once: in the end
// every point is stored exactly once, equal to the file, and a further pass pushes nothing. serve
// diagnoses what agents push.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../helpers/pgCluster';
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { freePort, startWatch, trpcClient, until, type WatchProc } from '../helpers/watchProcess';
import { openDb } from '../../server/db/open';

const TOKEN = 'agent-test-token-0123456789';
const KILLS = Number(process.env.LRSCOPE_SOAK_TRIALS ?? 1) * 6;

let pg: PgCluster;
let tmp: string;
let serve: WatchProc | null = null;
let agent: ChildProcess | null = null;
beforeAll(async () => {
  pg = await startPgCluster();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-team-agent-'));
});
afterAll(async () => {
  agent?.kill('SIGKILL');
  await serve?.stop('SIGKILL');
  pg?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function startAgent(project: string, url: string): ChildProcess {
  const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'agent', project, '--server', url, '--token', TOKEN, '--poll', '100'], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, LRSCOPE_SOURCE_HOST: 'gpu-node-3' },
  });
  return child;
}

async function startServe(db: string, port: number): Promise<WatchProc> {
  // a port just released by a killed server may take a moment to be free again
  return until(async () => {
    try {
      return await startWatch(['--db', db, '--port', String(port), '--token', TOKEN], { command: 'serve', env: { LRSCOPE_TOKEN: TOKEN } });
    } catch {
      return null;
    }
  }, 60_000, 200);
}

function stored(db: string): { total: number; resumed: number; perTag: Map<string, number> } {
  const h = openDb(db, { readonly: true });
  try {
    const rows = h.sqlite
      .prepare('SELECT se.tag AS tag, COUNT(*) AS n, SUM(CASE WHEN p.seg > 0 THEN 1 ELSE 0 END) AS resumed FROM points p JOIN series se ON se.id = p.series_id GROUP BY se.tag')
      .all() as { tag: string; n: number; resumed: number }[];
    return { total: rows.reduce((a, r) => a + r.n, 0), resumed: rows.reduce((a, r) => a + r.resumed, 0), perTag: new Map(rows.map((r) => [r.tag, r.n])) };
  } finally {
    h.close();
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lrscope agent → lrscope serve', () => {
  it(`pushes a growing run through ${KILLS} agent kills and a server kill: every point once`, async () => {
    const db = pg.createDb('agent');
    const port = await freePort();
    serve = await startServe(db, port);
    // the whole run, then the copy the agent sees: its event file empty at first, growing in slices
    const full = buildLamaRun(path.join(tmp, 'full'), lamaSpec({ maxEpochs: 40, logEveryNSteps: 1 }));
    const project = path.join(tmp, 'node', 'project');
    fs.cpSync(path.join(tmp, 'full'), project, { recursive: true });
    const event = path.join(project, path.relative(path.join(tmp, 'full'), full.eventFile));
    const bytes = fs.readFileSync(full.eventFile);
    fs.writeFileSync(event, '');
    const want = [...full.written.values()].reduce((a, l) => a + l.length, 0);

    let rnd = 12345;
    const random = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const slices = KILLS + 2;
    agent = startAgent(project, serve.url);
    for (let i = 1; i <= slices; i++) {
      // slice boundaries fall inside records: the reader keeps a partial record for later
      fs.appendFileSync(event, bytes.subarray(Math.floor(((i - 1) * bytes.length) / slices), Math.floor((i * bytes.length) / slices)));
      await pause(random() * 600);
      if (i === Math.ceil(slices / 2)) {
        // the server dies (mid-commit or not) and comes back; the agent keeps trying meanwhile
        await serve.stop('SIGKILL');
        await pause(random() * 300);
        serve = await startServe(db, port);
      } else if (i < slices) {
        agent.kill('SIGKILL');
        agent = startAgent(project, serve.url);
      }
    }
    // every point stored and the whole file read (records without points may follow the last point: an
    // agent killed before it committed them would leave them to the next pass)
    const readTo = () => {
      const h = openDb(db, { readonly: true });
      try {
        return Number(h.sqlite.prepare('SELECT "offset" FROM source_files WHERE path = ?').pluck().get(event) ?? -1);
      } finally {
        h.close();
      }
    };
    await until(() => stored(db).total >= want && readTo() === bytes.length, 60_000, 200);
    agent.kill('SIGKILL');
    agent = null;
    const got = stored(db);
    expect(got.total).toBe(want);
    expect(got.resumed, 'points in a phantom restart segment').toBe(0);
    for (const [tag, list] of full.written) expect(got.perTag.get(tag), tag).toBe(list.length);

    // one more pass pushes nothing; the dashboard shows the run with the agent's host
    const again = spawnSync(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'agent', project, '--server', serve.url, '--token', TOKEN, '--once'], {
      encoding: 'utf8',
      env: { ...process.env, LRSCOPE_SOURCE_HOST: 'gpu-node-3' },
    });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/pushed/);
    expect(stored(db).total).toBe(want);
    const runs = await trpcClient(serve.url, TOKEN).runs.list.query({});
    expect(runs.rows.map((r) => [r.name, r.host, r.points])).toEqual([[full.name, 'gpu-node-3', want]]);

    // serve diagnoses what agents push (as watch does): a run that diverges gets its finding
    const devset = path.resolve('tests/fixtures/lama-devset');
    const diverging = 't.nguyen_2026-12-01_13-04-34_train_lama-tiny32_lrramp_';
    const second = path.join(tmp, 'node2');
    for (const d of ['experiments', 'tb_logs']) fs.cpSync(path.join(devset, d, diverging), path.join(second, d, diverging), { recursive: true });
    const pushed = spawnSync(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'agent', second, '--server', serve.url, '--token', TOKEN, '--once'], {
      encoding: 'utf8',
      env: { ...process.env, LRSCOPE_SOURCE_HOST: 'gpu-node-4' },
    });
    expect(pushed.status, pushed.stderr).toBe(0);
    const kinds = () => {
      const h = openDb(db, { readonly: true });
      try {
        return h.sqlite.prepare('SELECT f.kind FROM findings f JOIN runs r ON r.id = f.run_id WHERE r.name = ?').pluck().all(diverging) as string[];
      } finally {
        h.close();
      }
    };
    expect(await until(() => kinds().includes('divergence'), 30_000, 200)).toBe(true);

    // a wrong token is refused at once (exit 1, one line), not retried
    const bad = spawnSync(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'agent', project, '--server', serve.url, '--token', 'wrong-token-0123456789', '--once'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/401|token/i);
  }, 120_000);
});
