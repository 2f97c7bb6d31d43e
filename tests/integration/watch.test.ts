// `lrscope watch` as a real process: runs, points and status changes observed through the tRPC HTTP
// API and a subscription client; partial records, truncation/replacement, late TensorBoard folders,
// restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freePort, startWatch, trpcClient, until, type WatchProc } from '../helpers/watchProcess';
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { encodeScalarEvent, encodeFileVersionEvent, eventRecord, eventFileName } from '../../server/ingest/tfeventsWriter';
import { configYaml, logRecord, runFolderName } from '../../server/demo/lamaFormat';
import type { LiveEvent } from '../../server/api/routers/live';
import { testDbUrl } from '../helpers/testDb';

describe('lrscope watch', () => {
  let dir: string;
  let db: string;
  let port: number;
  let w: WatchProc;
  let api: ReturnType<typeof trpcClient>;
  const events: LiveEvent[] = [];
  let unsubscribe: () => void;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-watch-'));
    db = testDbUrl(dir, 'db');
    fs.mkdirSync(path.join(dir, 'project'));
    port = await freePort();
    w = await startWatch([path.join(dir, 'project'), '--db', db, '--port', String(port)]);
    api = trpcClient(w.url);
    const sub = api.live.onChange.subscribe({}, { onData: (d) => events.push(d.data) });
    unsubscribe = () => sub.unsubscribe();
    await new Promise((r) => setTimeout(r, 300));
  });

  afterAll(async () => {
    unsubscribe?.();
    await w?.stop();
  });

  const pointsOf = async (runId: number, tag: string) => {
    const r = await api.metrics.series.query({ runIds: [runId], tags: [tag], x: 'step', maxPoints: 20000 });
    return r.series[0]?.segments.flatMap((s) => s.x) ?? [];
  };

  it('a new run folder appears through the API and the subscription', async () => {
    const built = buildLamaRun(path.join(dir, 'project'), lamaSpec());
    // the run's files are read one after another: wait until its Hydra config has been read too
    const run = await until(async () => (await api.runs.list.query({})).rows.find((r) => r.name === built.name && r.configName !== null));
    expect(run).toMatchObject({ kind: 'lama', configName: 'lama_fourier_small', genLr: 0.001, batchSize: 10 });
    await until(async () => (await pointsOf(run.id, 'train_gen_l1')).length === built.written.get('train_gen_l1')!.length);
    await until(() => events.some((e) => e.type === 'run-added' && e.runId === run.id));
    await until(() => events.some((e) => e.type === 'data' && e.runId === run.id && e.tags.includes('train_gen_l1')));
    const tables = await api.logs.validationTables.query({ runId: run.id });
    expect(tables.length).toBe(3);
  });

  it('a partial record waits for its rest (no error), then the point arrives', async () => {
    const run = (await api.runs.list.query({})).rows[0];
    const file = fs.readdirSync(path.join(dir, 'project', 'tb_logs', run.name, 'version_0')).find((f) => f.includes('tfevents'))!;
    const eventFile = path.join(dir, 'project', 'tb_logs', run.name, 'version_0', file);
    const rec = eventRecord(encodeScalarEvent({ tag: 'train_gen_l1', step: 5000, value: 0.125, wallTime: Date.now() / 1000 }));
    fs.appendFileSync(eventFile, rec.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 600));
    expect(await pointsOf(run.id, 'train_gen_l1')).not.toContain(5000);
    fs.appendFileSync(eventFile, rec.subarray(10));
    await until(async () => (await pointsOf(run.id, 'train_gen_l1')).includes(5000));
    expect(await api.ingest.errors.query({ runId: run.id })).toEqual([]);
  });

  it('a TensorBoard folder that appears minutes after its run folder is attached to the run', async () => {
    const spec = lamaSpec({ user: 'late_user', startedAt: new Date(2026, 10, 22, 10, 0, 0).getTime() });
    const name = runFolderName(spec);
    const runDir = path.join(dir, 'project', 'experiments', name);
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(runDir, 'config.yaml'), configYaml(spec));
    fs.writeFileSync(path.join(runDir, 'train.log'), logRecord(Date.now(), '__main__', 'INFO', 'starting'));
    const run = await until(async () => (await api.runs.list.query({})).rows.find((r) => r.name === name));
    expect(run.points).toBe(0);
    const tb = path.join(dir, 'project', 'tb_logs', name, 'version_0');
    fs.mkdirSync(tb, { recursive: true });
    const t = Date.now() / 1000;
    fs.writeFileSync(
      path.join(tb, eventFileName(t, 'h', 1)),
      Buffer.concat([eventRecord(encodeFileVersionEvent(t)), ...[9, 19, 29].map((s) => eventRecord(encodeScalarEvent({ tag: 'train_gen_l1', step: s, value: 1 / s, wallTime: t })))]),
    );
    await until(async () => (await pointsOf(run.id, 'train_gen_l1')).length === 3);
    // and a failure in its log is a status change
    fs.appendFileSync(path.join(runDir, 'train.log'), logRecord(Date.now(), '__main__', 'CRITICAL', 'Training failed due to CUDA out of memory:\nTraceback (most recent call last):\nRuntimeError: CUDA out of memory'));
    await until(async () => (await api.runs.get.query({ id: run.id })).status === 'failed');
    await until(() => events.some((e) => e.type === 'status-changed' && e.runId === run.id && e.status === 'failed'));
    // a new version_1 folder (a restart) with lower steps: a second segment, not a zig-zag
    const tb1 = path.join(dir, 'project', 'tb_logs', name, 'version_1');
    fs.mkdirSync(tb1);
    fs.writeFileSync(path.join(tb1, eventFileName(t + 60, 'h', 2)), Buffer.concat([eventRecord(encodeFileVersionEvent(t)), eventRecord(encodeScalarEvent({ tag: 'train_gen_l1', step: 19, value: 0.5, wallTime: t + 61 }))]));
    await until(async () => {
      const r = await api.metrics.series.query({ runIds: [run.id], tags: ['train_gen_l1'], x: 'step', maxPoints: 100 });
      return r.series[0].segments.length === 2;
    });
  });

  it('a replaced (and a truncated) file has its points replaced', async () => {
    const runs = (await api.runs.list.query({})).rows;
    const run = runs.find((r) => r.name.startsWith('late_user'))!;
    const tb = path.join(dir, 'project', 'tb_logs', run.name, 'version_0');
    const file = path.join(tb, fs.readdirSync(tb).find((f) => f.includes('tfevents'))!);
    const t = Date.now() / 1000;
    const tmp = file + '.tmp';
    fs.writeFileSync(tmp, Buffer.concat([eventRecord(encodeFileVersionEvent(t)), eventRecord(encodeScalarEvent({ tag: 'train_gen_l1', step: 7, value: 7, wallTime: t }))]));
    fs.renameSync(tmp, file); // replaced: new inode, different content
    await until(async () => {
      const xs = await pointsOf(run.id, 'train_gen_l1');
      return xs.includes(7) && !xs.includes(29);
    });
    fs.truncateSync(file, 0);
    fs.writeFileSync(file, Buffer.concat([eventRecord(encodeFileVersionEvent(t)), eventRecord(encodeScalarEvent({ tag: 'train_gen_l1', step: 3, value: 3, wallTime: t }))]));
    await until(async () => {
      const xs = await pointsOf(run.id, 'train_gen_l1');
      return xs.includes(3) && !xs.includes(7);
    });
  });

  it('a deleted run folder marks the run missing and keeps its data', async () => {
    const runs = (await api.runs.list.query({})).rows;
    const run = runs.find((r) => r.name.startsWith('late_user'))!;
    const before = (await api.runs.get.query({ id: run.id })).points;
    fs.rmSync(path.join(dir, 'project', 'experiments', run.name), { recursive: true });
    await until(async () => (await api.runs.get.query({ id: run.id })).status === 'missing');
    expect((await api.runs.get.query({ id: run.id })).points).toBe(before);
  });

  it('a restart resumes from the stored offsets: nothing re-imported, nothing lost', async () => {
    const run = (await api.runs.list.query({})).rows.find((r) => r.name.startsWith('j_doe'))!;
    const before = await pointsOf(run.id, 'train_gen_l1');
    await w.stop('SIGINT');
    expect(w.output()).toMatch(/Stopping/);
    const tb = path.join(dir, 'project', 'tb_logs', run.name, 'version_0');
    const file = path.join(tb, fs.readdirSync(tb).find((f) => f.includes('tfevents'))!);
    fs.appendFileSync(file, eventRecord(encodeScalarEvent({ tag: 'train_gen_l1', step: 6000, value: 0.1, wallTime: Date.now() / 1000 })));
    w = await startWatch([path.join(dir, 'project'), '--db', db, '--port', String(port)]);
    api = trpcClient(w.url);
    await until(async () => (await pointsOf(run.id, 'train_gen_l1')).includes(6000));
    const after = await pointsOf(run.id, 'train_gen_l1');
    expect(after).toEqual([...before, 6000]);
  });

  it('refuses a port in use with a clear message', async () => {
    const other = await startWatch([path.join(dir, 'project'), '--db', db, '--port', String(port)]).catch((e: Error) => e);
    expect(other).toBeInstanceOf(Error);
    expect((other as Error).message).toMatch(new RegExp(`port ${port} is in use`));
  });
});
