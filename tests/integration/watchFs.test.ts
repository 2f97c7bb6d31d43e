// The file system changing under the watcher: files renamed, truncated, replaced and deleted; a watched
// root deleted and recreated; a run folder deleted and recreated; symlink loops and a run folder that is
// a symlink to elsewhere; a folder and a file the watcher may not read, then may; a run folder with
// 100,000 other files. Most cases run a RunWatcher in this process (a 200 ms sweep); the symlink loop and
// the permission cases also run the real `lrscope watch` process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { SqlDb } from '../../server/db/sqlDb';
import { openDb, type DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { RunWatcher } from '../../server/watch/watcher';
import { readTfRecords } from '../../server/ingest/tfrecord';
import { encodeFileVersionEvent, encodeScalarEvent, eventRecord } from '../../server/ingest/tfeventsWriter';
import { QUERY_HEADER, configYaml, logRecord, nvidiaSmiRow, validationTable } from '../../server/demo/lamaFormat';
import { buildLamaRun, lamaSpec, type BuiltRun } from '../helpers/lamaTree';
import { until } from '../helpers/watchProcess';
import { testDbUrl } from '../helpers/testDb';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Points = Map<string, [number, number][]>;

function pointsOf(sqlite: SqlDb, runName: string): Points {
  const rows = sqlite
    .prepare(
      `SELECT s.tag, p.step, p.value FROM points p JOIN series s ON s.id = p.series_id JOIN runs r ON r.id = s.run_id
       WHERE r.name = ? ORDER BY s.tag, p.seg, p.step, p.dup`,
    )
    .all(runName) as { tag: string; step: number; value: number }[];
  const m: Points = new Map();
  for (const r of rows) {
    const l = m.get(r.tag) ?? [];
    l.push([r.step, r.value]);
    m.set(r.tag, l);
  }
  return m;
}

const same = (a: Points, b: Points) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
const count = (p: Points) => [...p.values()].reduce((n, l) => n + l.length, 0);

/** The scalars an event file holds (through the same framing, independently of the store). */
function eventPoints(buf: Buffer, tags: Map<string, [number, number][]>): Points {
  const out: Points = new Map();
  const n = readTfRecords(buf, 0).records.length - 1; // minus the file_version record
  let k = 0;
  // buildLamaRun writes records in `written` order interleaved per step: rebuild from `tags` by count
  const order: [string, number, number][] = [];
  for (const [tag, list] of tags) for (const [step, v] of list) order.push([tag, step, v]);
  order.sort((a, b) => a[1] - b[1]);
  for (const [tag, step, v] of order) {
    if (k++ >= n) break;
    const l = out.get(tag) ?? [];
    l.push([step, v]);
    out.set(tag, l);
  }
  for (const l of out.values()) l.sort((a, b) => a[0] - b[0]);
  return out;
}

function scalarFile(points: [string, number, number][], wall = 1_790_000_000): Buffer {
  return Buffer.concat([
    eventRecord(encodeFileVersionEvent(wall)),
    ...points.map(([tag, step, value]) => eventRecord(encodeScalarEvent({ tag, step, value, wallTime: wall + step }))),
  ]);
}

interface Env {
  dir: string;
  project: string;
  h: DbHandle;
  store: Store;
  lines: string[];
  w: RunWatcher;
}

async function startEnv(name: string, build: (project: string) => void, over: Partial<ConstructorParameters<typeof RunWatcher>[0]> = {}): Promise<Env> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lrscope-${name}-`));
  const project = path.join(dir, 'project');
  fs.mkdirSync(project, { recursive: true });
  build(project);
  const h = openDb(testDbUrl(dir, 'db'));
  const store = new Store(h);
  const lines: string[] = [];
  const w = new RunWatcher({ paths: [project], store, log: (l) => lines.push(l), sweepEveryMs: 200, statusEveryMs: 500, diagnoseDebounceMs: 50, ...over });
  await w.start();
  return { dir, project, h, store, lines, w };
}

async function stopEnv(e: Env): Promise<void> {
  await e.w.close();
  e.h.close();
}

function spec(user: string, i = 0) {
  return lamaSpec({ user, startedAt: new Date(2026, 10, 20, 9, 30, i).getTime(), maxEpochs: 2, logEveryNSteps: 5 });
}

describe('files changing under the watcher', () => {
  it('renamed (nothing doubled), truncated, replaced, deleted (its points stay: the folder is the same)', async () => {
    let run!: BuiltRun;
    const e = await startEnv('files', (p) => (run = buildLamaRun(p, spec('files'))));
    const expected = run.written;
    expect(same(pointsOf(e.h.sqlite, run.name), expected)).toBe(true);

    // renamed: the same bytes under a new name are read from the new name, the old name's rows go
    const renamed = run.eventFile.replace(/\.0$/, '.1');
    fs.renameSync(run.eventFile, renamed);
    await until(() => e.store.getFile(renamed)?.offset === fs.statSync(renamed).size, 10_000);
    await sleep(600);
    expect(same(pointsOf(e.h.sqlite, run.name), expected)).toBe(true);
    expect(e.lines.some((l) => /was renamed to/.test(l))).toBe(true);

    // truncated at a record boundary: the points of the records left
    const buf = fs.readFileSync(renamed);
    const recs = readTfRecords(buf, 0).records;
    const keep = recs[Math.floor(recs.length / 2)];
    fs.truncateSync(renamed, keep.offset);
    const left = eventPoints(buf.subarray(0, keep.offset), expected);
    await until(() => same(pointsOf(e.h.sqlite, run.name), left), 10_000);

    // replaced (written elsewhere, renamed over it): the new content only
    const tmp = renamed + '.tmp';
    fs.writeFileSync(tmp, scalarFile([['train_gen_l1', 1, 0.5], ['train_gen_l1', 2, 0.25]]));
    fs.renameSync(tmp, renamed);
    const replaced: Points = new Map([['train_gen_l1', [[1, 0.5], [2, 0.25]]]]);
    await until(() => same(pointsOf(e.h.sqlite, run.name), replaced), 10_000);

    // deleted from a folder that stays: what it logged stays (a run shows what it logged)
    const tables = () => (e.h.sqlite.prepare('SELECT COUNT(*) AS n FROM validation_tables').get() as { n: number }).n;
    const before = tables();
    expect(before).toBeGreaterThan(0);
    fs.rmSync(path.join(run.runDir, 'train.log'));
    await sleep(1200);
    expect(tables()).toBe(before);
    expect(same(pointsOf(e.h.sqlite, run.name), replaced)).toBe(true);
    await stopEnv(e);
  }, 60_000);

  it('a watched root deleted and recreated: the watcher is not deaf', async () => {
    let first!: BuiltRun;
    const e = await startEnv('root', (p) => (first = buildLamaRun(p, spec('first'))));
    fs.rmSync(e.project, { recursive: true });
    await until(() => (e.h.sqlite.prepare('SELECT status FROM runs WHERE name = ?').get(first.name) as { status: string }).status === 'missing', 10_000);
    fs.mkdirSync(e.project);
    await sleep(500);
    const second = buildLamaRun(e.project, spec("second", 1));
    await until(() => count(pointsOf(e.h.sqlite, second.name)) === count(second.written), 15_000);
    expect(e.lines.some((l) => /is back; watching it again/.test(l))).toBe(true);
    // and it keeps following: a point appended later arrives
    fs.appendFileSync(second.eventFile, eventRecord(encodeScalarEvent({ tag: 'late', step: 1, value: 1, wallTime: 1_790_000_000 })));
    await until(() => pointsOf(e.h.sqlite, second.name).has('late'), 10_000);
    await stopEnv(e);
  }, 60_000);

  it('a run folder deleted and recreated under the same name: the deleted files\' points go', async () => {
    let run!: BuiltRun;
    const e = await startEnv('recreate', (p) => (run = buildLamaRun(p, spec('again'))));
    expect(count(pointsOf(e.h.sqlite, run.name))).toBe(count(run.written));
    fs.rmSync(run.runDir, { recursive: true });
    fs.rmSync(path.dirname(run.tbDir), { recursive: true });
    await sleep(400);
    // the job starts again: new folders, a new event file name, other values
    fs.mkdirSync(run.tbDir, { recursive: true });
    fs.mkdirSync(run.runDir, { recursive: true });
    fs.writeFileSync(path.join(run.runDir, 'config.yaml'), configYaml(run.spec));
    const fresh = path.join(run.tbDir, 'events.out.tfevents.1796000000.gpu-node-02.99.0');
    fs.writeFileSync(fresh, scalarFile([['train_gen_l1', 0, 1], ['train_gen_l1', 5, 0.5]]));
    const want: Points = new Map([['train_gen_l1', [[0, 1], [5, 0.5]]]]);
    await until(() => same(pointsOf(e.h.sqlite, run.name), want), 15_000);
    expect(e.lines.some((l) => /its folder was made anew: its points are dropped/.test(l))).toBe(true);
    await stopEnv(e);
  }, 60_000);

  it('symlink loops (ln -s . sub/self; ln -s .. sub/up): ready, following, closing; a run folder linked from elsewhere is followed once', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-outside-'));
    let inside!: BuiltRun;
    let linked!: BuiltRun;
    const e = await startEnv('loops', (p) => {
      inside = buildLamaRun(p, spec('inside'));
      for (const dir of [path.join(p, 'sub'), inside.runDir]) {
        fs.mkdirSync(dir, { recursive: true });
        fs.symlinkSync('.', path.join(dir, 'self'));
        fs.symlinkSync('..', path.join(dir, 'up'));
      }
      linked = buildLamaRun(outside, spec('linked', 1));
      // the project sees the outside run's folders through links only
      fs.symlinkSync(linked.runDir, path.join(p, 'experiments', path.basename(linked.runDir)));
      fs.mkdirSync(path.join(p, 'tb_logs'), { recursive: true });
      fs.symlinkSync(path.dirname(linked.tbDir), path.join(p, 'tb_logs', linked.name));
    });
    expect(same(pointsOf(e.h.sqlite, inside.name), inside.written)).toBe(true);
    expect(same(pointsOf(e.h.sqlite, linked.name), linked.written)).toBe(true);
    // written at the real path, seen through the link: followed, and not twice
    fs.appendFileSync(linked.eventFile, eventRecord(encodeScalarEvent({ tag: 'through_link', step: 1, value: 2, wallTime: 1_790_000_000 })));
    await until(() => pointsOf(e.h.sqlite, linked.name).has('through_link'), 10_000);
    await sleep(500);
    expect(pointsOf(e.h.sqlite, linked.name).get('through_link')).toEqual([[1, 2]]);
    expect(e.h.sqlite.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 2 });
    await stopEnv(e);

    // the real process: gets ready, stays small, stops on SIGTERM
    const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'watch', e.project, '--db', testDbUrl(e.dir, 'proc'), '--no-dashboard'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await until(() => /2 runs in the database/.test(out), 30_000);
    const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
    expect(rss).toBeLessThan(600);
    child.kill('SIGTERM');
    expect(await Promise.race([exited, sleep(10_000).then(() => 'still running')])).toBe(0);
  }, 90_000);

  it('a folder and a file it may not read, then may: read once permission is granted', async () => {
    // Run as an unprivileged user (uid 65534) when we are root: root reads anything whatever the mode.
    const asRoot = process.getuid?.() === 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-perm-'));
    const project = path.join(dir, 'project');
    const open = buildLamaRun(project, spec('open'));
    const closed = buildLamaRun(project, spec('closed', 1));
    const log = path.join(open.runDir, 'train.log');
    if (asRoot) chownR(dir, 65534, 65534);
    fs.chmodSync(closed.runDir, 0o000);
    fs.chmodSync(log, 0o000);
    const db = testDbUrl(dir, 'db');
    const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'watch', project, '--db', db, '--no-dashboard'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until(() => /runs? in the database/.test(out), 30_000);
      const q = (sql: string, ...args: unknown[]) => {
        const s = openDb(db, { readonly: true });
        try {
          return s.sqlite.prepare(sql).all(...args) as Record<string, unknown>[];
        } finally {
          s.close();
        }
      };
      const tables = () => (q('SELECT COUNT(*) AS n FROM validation_tables v JOIN source_files f ON f.id = v.file_id WHERE f.path = ?', log)[0].n as number);
      await until(() => q('SELECT 1 FROM runs WHERE name = ?', open.name).length === 1, 15_000);
      await sleep(1000);
      expect(tables()).toBe(0);
      expect(q('SELECT reason FROM ingest_errors WHERE path = ?', log).map((r) => r.reason)).toEqual([expect.stringMatching(/cannot open: EACCES/)]);
      expect(out).toMatch(/cannot read .*closed.* \(permission denied\)/);
      expect(out).toMatch(/train\.log: cannot open: EACCES.*trying again in/);
      fs.chmodSync(closed.runDir, 0o755);
      fs.chmodSync(log, 0o644);
      await until(() => tables() > 0, 20_000);
      await until(() => {
        const s = openDb(db, { readonly: true });
        try {
          return count(pointsOf(s.sqlite, closed.name)) === count(closed.written);
        } finally {
          s.close();
        }
      }, 20_000);
      expect(out.match(/cannot read .*closed/g)).toHaveLength(1); // one line, not one per retry
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
  }, 90_000);

  it('a run folder with 100,000 other files: read, followed, new files found, and cheap', async () => {
    let run!: BuiltRun;
    const e = await startEnv(
      'crowded',
      (p) => {
        run = buildLamaRun(p, spec('crowded'));
        for (let i = 0; i < 100_000; i++) fs.writeFileSync(path.join(run.runDir, `frame_${i}.txt`), `${i}\n`);
      },
      { rescanEveryMs: 1000 },
    );
    expect(same(pointsOf(e.h.sqlite, run.name), run.written)).toBe(true);
    expect(e.lines.some((l) => /holds more than 10000 files/.test(l))).toBe(true);
    // a job writing more files there, and its log growing: followed (the log one by one, new files by rescans)
    const tables = () => (e.h.sqlite.prepare('SELECT COUNT(*) AS n FROM validation_tables').get() as { n: number }).n;
    const before = tables();
    const cpu0 = process.cpuUsage();
    for (let k = 0; k < 20; k++) {
      for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(run.runDir, `more_${k}_${i}.txt`), 'y\n');
      await sleep(50);
    }
    const rows = ['0-10%', 'total'].map((label) => ({ label, fid: 10, lpips: 0.1, lpipsStd: 0.02, ssim: 0.9, ssimStd: 0.03 }));
    fs.appendFileSync(
      path.join(run.runDir, 'train.log'),
      logRecord(Date.now(), 'saicinpainting.training.trainers.base', 'INFO', validationTable('Validation', 77, 7700, { rows, f1: 0.89 })) +
        logRecord(Date.now(), '__main__', 'INFO', 'next'),
    );
    const gpu = path.join(run.runDir, 'nvidia_later.csv');
    fs.writeFileSync(gpu, QUERY_HEADER + '\n' + nvidiaSmiRow(Date.now(), 0, 50, 10, 1000, 40, 100));
    // a sub-folder of the crowded folder is still watched (unwatching a folder unwatches what is below it)
    const hydra = path.join(run.runDir, '.hydra', 'overrides.yaml');
    fs.appendFileSync(hydra, '- trainer.kwargs.max_epochs=3\n');
    await until(() => tables() > before, 15_000);
    await until(() => (e.h.sqlite.prepare('SELECT COUNT(*) AS n FROM source_files WHERE path = ?').get(gpu) as { n: number }).n === 1, 15_000);
    await until(() => (e.h.sqlite.prepare('SELECT size FROM source_files WHERE path = ?').get(hydra) as { size: number }).size === fs.statSync(hydra).size, 15_000);
    const cpu = process.cpuUsage(cpu0);
    console.log(`crowded run folder: ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU while 1,000 files were added and the log grew`);
    await stopEnv(e);
    fs.rmSync(e.dir, { recursive: true, force: true }); // 100,000 files
  }, 120_000);
});

function chownR(p: string, uid: number, gid: number): void {
  fs.chownSync(p, uid, gid);
  if (fs.lstatSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chownR(path.join(p, e), uid, gid);
}
