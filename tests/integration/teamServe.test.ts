// One dashboard for a team (issue 12): `lrscope serve --db postgres://…` serves the dashboard and API
// watching nothing; a separate `lrscope ingest` process (another machine, in a team) writes a run, and the
// served API lists it and an open live.onChange subscription receives its events.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../helpers/pgCluster';
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { freePort, startWatch, trpcClient, until, type WatchProc } from '../helpers/watchProcess';
import type { LiveEvent } from '../../server/api/routers/live';

let pg: PgCluster;
let tmp: string;
let serve: WatchProc | null = null;
beforeAll(async () => {
  pg = await startPgCluster();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-team-serve-'));
});
afterAll(async () => {
  await serve?.stop();
  pg?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function lrscope(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

describe('lrscope serve on PostgreSQL', () => {
  it('lists a run another process ingested and streams its live events', async () => {
    const url = pg.createDb('serve');
    serve = await startWatch(['--db', url, '--port', String(await freePort())], { command: 'serve' });
    expect(serve.output()).not.toMatch(/lrscope:|Error/);
    const api = trpcClient(serve.url);
    expect((await api.runs.list.query({})).total).toBe(0);

    const events: LiveEvent[] = [];
    await new Promise<void>((resolve, reject) => {
      const sub = api.live.onChange.subscribe({}, { onStarted: () => resolve(), onData: (d) => events.push(d.data), onError: reject });
      afterAll(() => sub.unsubscribe());
    });

    const built = buildLamaRun(path.join(tmp, 'project'), lamaSpec({ maxEpochs: 2 }));
    const ing = await lrscope(['ingest', path.join(tmp, 'project'), '--db', url], { LRSCOPE_SOURCE_HOST: 'node-7' });
    expect(ing.code, ing.out).toBe(0);

    const list = await until(async () => {
      const l = await api.runs.list.query({});
      return l.total === 1 ? l : null;
    });
    const run = list.rows[0];
    expect(run).toMatchObject({ name: built.name, host: 'node-7' });
    const want = [...built.written.values()].reduce((a, l) => a + l.length, 0);
    expect(run.points).toBe(want);
    // the subscription saw the run appear and its data arrive
    await until(() => events.some((e) => e.type === 'run-added' && e.runId === run.id) && events.some((e) => e.type === 'data' && e.runId === run.id));
    const tag = [...built.written.keys()][0];
    const series = await api.metrics.series.query({ runIds: [run.id], tags: [tag], x: 'step', maxPoints: 20_000 });
    expect(series.series[0].segments.flatMap((s) => s.x)).toEqual(built.written.get(tag)!.map(([step]) => step));
  }, 120_000);
});
