// npm run bench:team — the team set-up's numbers (issue 12): points/s of `ingest` into PostgreSQL beside
// SQLite on the same generated event file, metrics.series p95 on PostgreSQL, and agent → server
// throughput (`lrscope serve` on PostgreSQL, the agent's RemoteStore in this process). A throw-away
// PostgreSQL cluster is started for it (tests/helpers/pgCluster.ts) and removed after.
//   BENCH_POINTS (default 2,000,000): points in the file; BENCH_QUERIES (default 200)
//   BENCH_AGENT_POINTS (default 500,000): points pushed by the agent
//   BENCH_LIVE_COMMITS (default 200): commits for the live latency (writer → subscriber)
// Live latency: a writer (a Store in this process) commits one point at a time at 20 Hz into PostgreSQL;
// two `serve` processes on that database each stream live.onChange to a subscriber here — one woken by
// LISTEN/NOTIFY (the default), one polling the change log every 100 ms (LRSCOPE_PG_LISTEN=0) — and the
// time from the commit's return to each subscriber's event is recorded.
// Last measured (2-core machine shared with other work; docs/team.md): 2M points SQLite 450k–740k points/s,
// PostgreSQL 300k–390k points/s (0.53–0.69×), series p95 17–27 ms; 10M points 0.51×, p95 16.3 ms;
// agent → serve 220k–250k points/s.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../server/db/open';
import { Store } from '../server/db/store';
import { ingestPaths } from '../server/ingest/ingest';
import { querySeries } from '../server/db/series';
import { LAMA_TRAIN_TAGS, writeLamaEventFile } from './bench/lamaEventFile';
import { startPgCluster } from '../tests/helpers/pgCluster';
import { freePort, startWatch, trpcClient, type WatchProc } from '../tests/helpers/watchProcess';
import { RemoteStore } from '../server/agent/remoteStore';

const N = Number(process.env.BENCH_POINTS ?? 2_000_000);
const Q = Number(process.env.BENCH_QUERIES ?? 200);
const NA = Number(process.env.BENCH_AGENT_POINTS ?? 500_000);
const TAGS = LAMA_TRAIN_TAGS;
const LIVE_COMMITS = Number(process.env.BENCH_LIVE_COMMITS ?? 200);

const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

function ingestInto(db: string, folder: string): number {
  const h = openDb(db);
  try {
    const t = process.hrtime.bigint();
    const summary = ingestPaths(new Store(h), [folder]);
    const elapsed = ms(t);
    if (summary.points !== N) throw new Error(`${db}: ingest stored ${summary.points} points, expected ${N}`);
    return elapsed;
  } finally {
    h.close();
  }
}

function seriesP95(db: string): { p50: number; p95: number } {
  const h = openDb(db, { readonly: true });
  try {
    const runId = (h.sqlite.prepare('SELECT id FROM runs LIMIT 1').get() as { id: number }).id;
    const maxStep = Math.floor(N / TAGS.length) * 10;
    const times: number[] = [];
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < Q; i++) {
      const tag = TAGS[i % TAGS.length];
      const zoom = i % 2 === 0 ? undefined : (() => {
        const a = rnd() * maxStep;
        return { min: a, max: a + rnd() * (maxStep - a) };
      })();
      const t = process.hrtime.bigint();
      querySeries(h.sqlite, { runIds: [runId], tags: [tag], x: 'step', maxPoints: 1000, range: zoom });
      times.push(ms(t));
    }
    times.sort((a, b) => a - b);
    return { p50: times[Math.floor(Q * 0.5)], p95: times[Math.floor(Q * 0.95)] };
  } finally {
    h.close();
  }
}

function pct(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function liveLatency(db: string): Promise<void> {
  const h = openDb(db);
  const serves: WatchProc[] = [];
  try {
    const store = new Store(h);
    const runId = store.upsertRun({ key: 'path:/bench/live', name: 'live', path: '/bench/live', kind: 'tensorboard' });
    const file = store.ensureFile(runId, '/bench/live/events', 'tfevents', '');
    const modes = [['LISTEN/NOTIFY', '1'], ['polling 100 ms', '0']] as const;
    for (const [, listen] of modes) serves.push(await startWatch(['--db', db, '--port', String(await freePort())], { command: 'serve', env: { LRSCOPE_PG_LISTEN: listen } }));
    const committedAt = new Map<number, number>();
    const got = modes.map(() => new Map<number, number>());
    const subs = await Promise.all(
      serves.map(
        (sv, i) =>
          new Promise<{ unsubscribe(): void }>((resolve, reject) => {
            const sub = trpcClient(sv.url).live.onChange.subscribe(
              {},
              {
                onStarted: () => resolve(sub),
                onError: reject,
                onData: ({ data }) => {
                  if (data.type !== 'data' || data.lastStep === null) return;
                  const now = performance.now();
                  for (const [step, at] of committedAt) if (step <= data.lastStep && !got[i].has(step)) got[i].set(step, now - at);
                },
              },
            );
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 1500)); // both listeners up
    for (let i = 1; i <= LIVE_COMMITS; i++) {
      store.commitChunk({ file, offset: i, identity: { size: i, inode: 1, mtimeMs: i, head: '', tail: '' }, state: null, scalars: [{ tag: 'loss', step: i, wallTime: Date.now() / 1000, value: 1 / i }] });
      committedAt.set(i, performance.now());
      await new Promise((r) => setTimeout(r, 50));
    }
    const deadline = Date.now() + 5000;
    while (got.some((g) => g.size < LIVE_COMMITS) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const s of subs) s.unsubscribe();
    modes.forEach(([name], i) => {
      const xs = [...got[i].values()];
      console.log(`live latency PostgreSQL, ${name.padEnd(14)}: p50 ${pct(xs, 50).toFixed(1).padStart(6)} ms  p95 ${pct(xs, 95).toFixed(1).padStart(6)} ms  (${xs.length}/${LIVE_COMMITS} commits at 20 Hz, commit → subscriber event)`);
    });
  } finally {
    for (const sv of serves) await sv.stop();
    h.close();
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-bench-team-'));
const cluster = await startPgCluster();
try {
  let t = process.hrtime.bigint();
  const file = writeLamaEventFile(dir, N);
  console.log(`generated ${N.toLocaleString()} scalar events (${(fs.statSync(file).size / 1e6).toFixed(1)} MB) in ${ms(t).toFixed(0)} ms; PostgreSQL cluster at ${cluster.url}`);
  const folder = path.join(dir, 'tb');
  const liteMs = ingestInto(path.join(dir, 'bench.sqlite'), folder);
  const url = cluster.createDb('bench');
  const pgMs = ingestInto(url, folder);
  const liteRate = N / (liteMs / 1000);
  const pgRate = N / (pgMs / 1000);
  console.log(`ingest SQLite     : ${liteMs.toFixed(0).padStart(7)} ms  ${Math.round(liteRate).toLocaleString().padStart(10)} points/s`);
  console.log(`ingest PostgreSQL : ${pgMs.toFixed(0).padStart(7)} ms  ${Math.round(pgRate).toLocaleString().padStart(10)} points/s`);
  console.log(`ratio             : ${(pgRate / liteRate).toFixed(2)}  (target ≥ 0.50) ${pgRate / liteRate >= 0.5 ? 'OK' : 'BELOW TARGET'}`);
  for (const [name, db] of [['SQLite', path.join(dir, 'bench.sqlite')], ['PostgreSQL', url]] as const) {
    const s = seriesP95(db);
    console.log(`metrics.series on ${name} (${N.toLocaleString()} points, ${Q} queries, maxPoints 1000, full and zoomed): p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms${name === 'PostgreSQL' ? `  (target ≤ 50 ms) ${s.p95 <= 50 ? 'OK' : 'ABOVE TARGET'}` : ''}`);
  }
  // agent → server: lrscope serve on a fresh PostgreSQL database, the agent's store calls from here
  const agentDir = path.join(dir, 'agent');
  writeLamaEventFile(agentDir, NA);
  const agentDb = cluster.createDb('agent');
  const token = 'bench-team-token-0123456789';
  const serve = await startWatch(['--db', agentDb, '--port', String(await freePort()), '--token', token], { command: 'serve' });
  try {
    const remote = new RemoteStore(serve.url, token, 'bench-node');
    t = process.hrtime.bigint();
    const s = ingestPaths(remote as unknown as Store, [path.join(agentDir, 'tb')]);
    const agentMs = ms(t);
    remote.close();
    if (s.points !== NA) throw new Error(`agent pushed ${s.points} points, expected ${NA}`);
    console.log(`agent → serve (PostgreSQL): ${agentMs.toFixed(0).padStart(7)} ms  ${Math.round(NA / (agentMs / 1000)).toLocaleString().padStart(10)} points/s (${NA.toLocaleString()} points, ${remote.calls} requests, ${(remote.sent / 1e6).toFixed(1)} MB sent)`);
  } finally {
    await serve.stop();
  }
  await liveLatency(cluster.createDb('live'));
} finally {
  cluster.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
