// The team soak (issue 12): three `lrscope watch` processes with different host names
// ($LRSCOPE_SOURCE_HOST) on overlapping folders, and two `lrscope agent` processes pushing to one
// `lrscope serve`, all into one PostgreSQL database, while two runs' event files grow slice by slice. At
// random moments (seeded: server/lib/rng.ts) one of the five writers is killed with SIGKILL and restarted,
// ≥ 10 times (LRSCOPE_SOAK_TRIALS × 12). In the end every host holds exactly the runs under its folders,
// keyed by host, each point stored once and equal to what the files hold.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../helpers/pgCluster';
import { buildLamaRun, lamaSpec, type BuiltRun } from '../helpers/lamaTree';
import { freePort, startWatch, until, type WatchProc } from '../helpers/watchProcess';
import { openDb } from '../../server/db/open';
import { rng } from '../../server/lib/rng';

const TOKEN = 'soak-test-token-0123456789';
const KILLS = Number(process.env.LRSCOPE_SOAK_TRIALS ?? 1) * 12;
const SEED = Number(process.env.LRSCOPE_SOAK_SEED ?? 20261212);

let pg: PgCluster;
let tmp: string;
let serve: WatchProc | null = null;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  pg = await startPgCluster();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-team-soak-'));
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await serve?.stop('SIGKILL');
  pg?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Writer {
  host: string;
  folder: string;
  kind: 'watch' | 'agent';
  proc: ChildProcess | null;
}

function start(w: Writer, db: string, server: string): void {
  const args =
    w.kind === 'watch'
      ? ['watch', w.folder, '--db', db, '--no-dashboard']
      : ['agent', w.folder, '--server', server, '--token', TOKEN, '--poll', '50'];
  const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), ...args], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, LRSCOPE_SOURCE_HOST: w.host },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  w.proc = child;
}

/** host → run name → tag → [step, value][] in step order, as stored. */
function stored(db: string): Map<string, Map<string, Map<string, [number, number][]>>> {
  const h = openDb(db, { readonly: true });
  try {
    const rows = h.sqlite
      .prepare(
        `SELECT r.host AS host, r.name AS name, se.tag AS tag, p.seg AS seg, p.step AS step, p.value AS value
         FROM points p JOIN series se ON se.id = p.series_id JOIN runs r ON r.id = se.run_id ORDER BY r.host, r.name, se.tag, p.seg, p.step, p.dup`,
      )
      .raw(true)
      .all() as [string, string, string, number, number, number][];
    const out = new Map<string, Map<string, Map<string, [number, number][]>>>();
    for (const [host, name, tag, seg, step, value] of rows) {
      const runs = out.get(host) ?? out.set(host, new Map()).get(host)!;
      const tags = runs.get(name) ?? runs.set(name, new Map()).get(name)!;
      const list = tags.get(tag) ?? tags.set(tag, []).get(tag)!;
      // a point in a restart segment would be a doubled chunk (these runs never resume): make it show
      list.push([seg === 0 ? step : -step, value]);
    }
    return out;
  } finally {
    h.close();
  }
}

const count = (tags: Map<string, [number, number][]> | undefined): number => [...(tags?.values() ?? [])].reduce((a, l) => a + l.length, 0);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the team soak: three watchers and two agents into one PostgreSQL', () => {
  it(`every point once per host through ${KILLS} random SIGKILLs while the runs grow`, async () => {
    const random = rng(SEED);
    const db = pg.createDb('soak');
    const port = await freePort();
    serve = await startWatch(['--db', db, '--port', String(port), '--token', TOKEN], { command: 'serve', env: { LRSCOPE_TOKEN: TOKEN } });

    // two runs, each in its own folder under root; their event files start empty and grow in slices
    const root = path.join(tmp, 'root');
    const runs: { built: BuiltRun; event: string; bytes: Buffer }[] = [];
    for (const [i, sub] of ['a', 'b'].entries()) {
      const built = buildLamaRun(path.join(tmp, 'full', sub), lamaSpec({ user: `user${sub}`, startedAt: new Date(2026, 11, 1, 9, 0, i).getTime(), maxEpochs: 100, logEveryNSteps: 1 }));
      fs.cpSync(path.join(tmp, 'full', sub), path.join(root, sub), { recursive: true });
      const event = path.join(root, sub, path.relative(path.join(tmp, 'full', sub), built.eventFile));
      runs.push({ built, event, bytes: fs.readFileSync(built.eventFile) });
      fs.writeFileSync(event, '');
    }
    const [A, B] = runs.map((r) => r.built.name);
    // overlapping folders: root holds both runs, root/a and root/b one each
    const writers: Writer[] = [
      { host: 'watch-1', folder: path.join(root, 'a'), kind: 'watch', proc: null },
      { host: 'watch-2', folder: root, kind: 'watch', proc: null },
      { host: 'watch-3', folder: path.join(root, 'b'), kind: 'watch', proc: null },
      { host: 'agent-1', folder: path.join(root, 'a'), kind: 'agent', proc: null },
      // the agent on the node of watch-2 names itself watch-2: both see the same files (as two watchers of
      // one NFS folder do) and share their offsets, so compare-and-set is all that keeps a chunk single
      { host: 'watch-2', folder: root, kind: 'agent', proc: null },
    ];
    const expected = new Map<string, string[]>([
      ['watch-1', [A]],
      ['watch-2', [A, B]],
      ['watch-3', [B]],
      ['agent-1', [A]],
    ]);
    for (const w of writers) start(w, db, serve.url);

    const slices = KILLS + 2;
    let kills = 0;
    for (let i = 1; i <= slices; i++) {
      // slice boundaries fall inside records: readers keep a partial record for later
      for (const r of runs) fs.appendFileSync(r.event, r.bytes.subarray(Math.floor(((i - 1) * r.bytes.length) / slices), Math.floor((i * r.bytes.length) / slices)));
      await pause(100 + random() * 500);
      if (i < slices - 1) {
        // one writer dies wherever it is (mid-read, mid-commit, mid-request) and comes back
        const w = writers[Math.floor(random() * writers.length)];
        w.proc!.kill('SIGKILL');
        await new Promise((r) => (w.proc!.exitCode !== null || w.proc!.signalCode !== null ? r(null) : w.proc!.once('exit', r)));
        kills++;
        start(w, db, serve.url);
      }
    }
    expect(kills).toBeGreaterThanOrEqual(10);

    const want = (name: string) => runs.find((r) => r.built.name === name)!.built;
    const complete = () => {
      const s = stored(db);
      return [...expected].every(([host, names]) => names.every((n) => count(s.get(host)?.get(n)) >= count(want(n).written)));
    };
    await until(complete, 60_000, 250);
    await pause(1000); // anything doubled late would land now
    for (const w of writers) w.proc!.kill('SIGKILL');

    const got = stored(db);
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [host, names] of expected) {
      expect([...got.get(host)!.keys()].sort(), host).toEqual([...names].sort());
      for (const name of names) {
        const tags = got.get(host)!.get(name)!;
        const written = want(name).written;
        expect([...tags.keys()].sort(), `${host} ${name}`).toEqual([...written.keys()].sort());
        for (const [tag, list] of written) expect(tags.get(tag), `${host} ${name} ${tag}`).toEqual(list);
      }
    }
    // the runs are keyed by host: one row per (run, host), with its host
    const h = openDb(db, { readonly: true });
    try {
      const keys = h.sqlite.prepare('SELECT key, host FROM runs ORDER BY host, key').raw(true).all() as [string, string][];
      expect(keys).toHaveLength(5);
      for (const [key, host] of keys) expect(key.endsWith(`@${host}`), key).toBe(true);
    } finally {
      h.close();
    }
  }, 150_000);
});
