import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, it, expect, beforeAll } from 'vitest';
import { cli } from '../helpers/cli';
import { buildLamaRun, lamaSpec, type BuiltRun } from '../helpers/lamaTree';
import { FIXTURES } from '../helpers/fixtures';
import { testDbUrl } from '../helpers/testDb';

interface RunsJson {
  runs: {
    id: number; name: string; path: string; kind: string; configName: string | null; status: string;
    genLr: number | null; discLr: number | null; batchSize: number | null; lastStep: number | null;
    points: number; tags: string[]; updatedAt: number | null;
  }[];
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-it-'));
}

function parseCsv(text: string): { tag: string; step: number; wall: number; value: number }[] {
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const [tag, step, wall, value] = l.split(',');
      return { tag, step: Number(step), wall: Number(wall), value: Number(value) };
    });
}

describe('lrscope ingest / runs / export on a LaMa-shaped tree (tb_dir pointing nowhere)', () => {
  let project: string;
  let db: string;
  let a: BuiltRun;
  let b: BuiltRun;

  beforeAll(() => {
    project = tmp();
    db = testDbUrl(project, 'db');
    a = buildLamaRun(project, lamaSpec());
    b = buildLamaRun(project, lamaSpec({ user: 'ann_lee', configName: 'big_lama_bs32', genLr: 0.0005, batchSize: 32, startedAt: new Date(2026, 10, 21, 8, 0, 0).getTime() }));
  });

  it('finds both runs with their TensorBoard folders and configs', async () => {
    const r = await cli('ingest', path.join(project, 'experiments'), '--db', db);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Ingested 2 runs, \d+ points/);
    const list = await cli('runs', '--db', db, '--json');
    const runs = (JSON.parse(list.out) as RunsJson).runs;
    expect(runs.map((x) => x.name).sort()).toEqual([a.name, b.name].sort());
    const ra = runs.find((x) => x.name === a.name)!;
    const rb = runs.find((x) => x.name === b.name)!;
    expect(ra).toMatchObject({ kind: 'lama', configName: 'lama_fourier_small', genLr: 0.001, discLr: 0.0001, batchSize: 10, lastStep: 299, status: 'finished' });
    expect(rb).toMatchObject({ configName: 'big_lama_bs32', genLr: 0.0005, batchSize: 32 });
    expect(ra.path).toBe(a.runDir);
    const expectedPoints = [...a.written.values()].reduce((n, l) => n + l.length, 0);
    expect(ra.points).toBe(expectedPoints);
    expect(ra.tags.sort()).toEqual([...a.written.keys()].sort());
  });

  it('exports every point exactly as written (float32 round-trip), by id, name and path', async () => {
    const runs = (JSON.parse((await cli('runs', '--db', db, '--json')).out) as RunsJson).runs;
    const id = runs.find((x) => x.name === a.name)!.id;
    const byId = await cli('export', String(id), '--db', db);
    expect(byId.code).toBe(0);
    const rows = parseCsv(byId.out);
    for (const [tag, pts] of a.written) {
      const got = rows.filter((r) => r.tag === tag).map((r) => [r.step, r.value]);
      expect(got).toEqual(pts);
    }
    const byName = await cli('export', a.name, '--tag', 'train_gen_l1', '--db', db);
    expect(parseCsv(byName.out).every((r) => r.tag === 'train_gen_l1')).toBe(true);
    expect(parseCsv(byName.out)).toHaveLength(a.written.get('train_gen_l1')!.length);
    const byPath = await cli('export', a.runDir, '--format', 'json', '--tag', 'epoch', '--db', db);
    const json = JSON.parse(byPath.out) as { run: { id: number }; points: { tag: string; step: number; value: number }[] };
    expect(json.run.id).toBe(id);
    expect(json.points.map((p) => [p.step, p.value])).toEqual(a.written.get('epoch'));
  });

  it('ingesting twice adds nothing', async () => {
    const before = (JSON.parse((await cli('runs', '--db', db, '--json')).out) as RunsJson).runs;
    const again = await cli('ingest', project, '--db', db);
    expect(again.out).toMatch(/Ingested 2 runs, 0 points/);
    const after = (JSON.parse((await cli('runs', '--db', db, '--json')).out) as RunsJson).runs;
    expect(after.map((r) => [r.id, r.points])).toEqual(before.map((r) => [r.id, r.points]));
  });

  it('a grown event file contributes only its new records; a replaced one is re-read', async () => {
    const { encodeScalarEvent, eventRecord } = await import('../../server/ingest/tfeventsWriter');
    const original = fs.readFileSync(a.eventFile);
    fs.appendFileSync(a.eventFile, eventRecord(encodeScalarEvent({ tag: 'train_gen_l1', step: 300, value: 0.05, wallTime: 1e9 })));
    const r = await cli('ingest', a.runDir, '--db', db);
    expect(r.out).toMatch(/Ingested 1 run, 1 points/);
    // Replace the event file with a shorter one: old points of that file go, new ones come.
    const bytes = fs.readFileSync(a.eventFile);
    fs.rmSync(a.eventFile);
    fs.writeFileSync(a.eventFile, bytes.subarray(0, 200));
    await cli('ingest', a.runDir, '--db', db);
    const out = parseCsv((await cli('export', a.name, '--db', db)).out);
    expect(out.length).toBeLessThan(20);
    expect(out.length).toBeGreaterThan(0);
    fs.rmSync(a.eventFile);
    fs.writeFileSync(a.eventFile, original); // restore for later tests
    await cli('ingest', a.runDir, '--db', db);
    const restored = parseCsv((await cli('export', a.name, '--db', db)).out);
    expect(restored).toHaveLength([...a.written.values()].reduce((n, l) => n + l.length, 0));
  });

  it('a TensorBoard folder ingested alone merges into its LaMa run later (stable identity)', async () => {
    const db2 = testDbUrl(project, 'db2');
    await cli('ingest', path.join(project, 'tb_logs'), '--db', db2);
    const first = (JSON.parse((await cli('runs', '--db', db2, '--json')).out) as RunsJson).runs;
    expect(first).toHaveLength(2);
    expect(first.every((r) => r.kind === 'tensorboard')).toBe(true);
    await cli('ingest', project, '--db', db2);
    const second = (JSON.parse((await cli('runs', '--db', db2, '--json')).out) as RunsJson).runs;
    expect(second).toHaveLength(2);
    expect(second.map((r) => r.id).sort()).toEqual(first.map((r) => r.id).sort());
    expect(second.every((r) => r.kind === 'lama')).toBe(true);
    const ra = second.find((r) => r.name === a.name)!;
    expect(ra.points).toBe([...a.written.values()].reduce((n, l) => n + l.length, 0));
  });

  it('unusable arguments exit 2 with a clear message', async () => {
    const r = await cli('ingest', path.join(project, 'does-not-exist'), '--db', db);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no such file or folder/);
    expect((await cli('ingest', '--db', db)).code).toBe(2);
    expect((await cli('export', 'nope', '--db', db)).err).toMatch(/no run matches 'nope'/);
    expect((await cli('runs', '--bogus')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
    for (const c of ['ingest', 'runs', 'export', 'errors']) {
      const h = await cli(c, '--help');
      expect(h.code).toBe(0);
      expect(h.out).toContain(`Usage: lrscope ${c}`);
    }
  });

  it('the real lama-run fixture ingests completely: validation tables, GPU samples, config', async () => {
    const db3 = testDbUrl(project, 'db3');
    await cli('ingest', path.join(FIXTURES, 'lama-run'), '--db', db3);
    const runs = (JSON.parse((await cli('runs', '--db', db3, '--json')).out) as RunsJson).runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ kind: 'lama', configName: 'lama-tiny32', genLr: 0.001, discLr: 0.0001, batchSize: 10, lastStep: 499 });
    const { openDb } = await import('../../server/db/open');
    const h = openDb(db3);
    const tables = h.sqlite.prepare('SELECT kind, epoch, iterations, sanity FROM validation_tables ORDER BY iterations, kind').all();
    expect(tables).toHaveLength(12);
    expect(tables.filter((t) => (t as { sanity: number }).sanity === 1)).toHaveLength(2);
    const gpu = h.sqlite.prepare('SELECT COUNT(*) AS n FROM gpu_samples').get() as { n: number };
    const gpuLines = fs.readFileSync(path.join(runs[0].path, 'gpu.csv'), 'utf8').trim().split('\n').length - 1;
    expect(gpu.n).toBe(gpuLines);
    h.close();
  });

  it('the bin works as a real process (npx-style entry point)', () => {
    const out = execFileSync(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'runs', '--db', db, '--json'], { encoding: 'utf8' });
    expect((JSON.parse(out) as RunsJson).runs).toHaveLength(2);
  });
});
