import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { cli } from '../helpers/cli';
import { startDemo, type DemoHandle } from '../../server/demo/demoWriter';
import { readTfRecords } from '../../server/ingest/tfrecord';
import { openDb } from '../../server/db/open';
import { SCENARIOS } from '../../server/demo/scenarios';
import { testDbUrl } from '../helpers/testDb';

interface RunsJson {
  runs: {
    id: number; name: string; path: string; kind: string; configName: string | null; status: string;
    genLr: number | null; discLr: number | null; batchSize: number | null; lastStep: number | null;
    points: number; tags: string[];
  }[];
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-demo-'));
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every stored point of the run, as tag → [step, value] in export order. */
async function exported(db: string, run: string): Promise<Map<string, [number, number][]>> {
  const r = await cli('export', run, '--format', 'json', '--db', db);
  expect(r.code).toBe(0);
  const json = JSON.parse(r.out) as { points: { tag: string; step: number; value: number | string }[] };
  const out = new Map<string, [number, number][]>();
  for (const p of json.points) {
    let list = out.get(p.tag);
    if (!list) out.set(p.tag, (list = []));
    list.push([p.step, typeof p.value === 'string' ? Number(p.value) : p.value]);
  }
  return out;
}

/** Same tags, and per tag the same steps and (float32, NaN-aware) values in the same order. */
function expectSame(got: Map<string, [number, number][]>, want: Map<string, [number, number][]>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [tag, pts] of want) expect(got.get(tag), tag).toEqual(pts);
}

async function runsJson(db: string): Promise<RunsJson['runs']> {
  return (JSON.parse((await cli('runs', '--db', db, '--json')).out) as RunsJson).runs;
}

/** The file ends inside a record (a flush cut it), as a reader sees it right now. */
function endsMidRecord(file: string): boolean {
  const buf = fs.readFileSync(file);
  return buf.length > 0 && readTfRecords(buf, 0).partial;
}
function endsMidLine(file: string): boolean {
  const buf = fs.readFileSync(file);
  return buf.length > 0 && buf[buf.length - 1] !== 0x0a;
}

describe('lrscope demo: a live simulated LaMa job, read back by the ingester', () => {
  it('mid-run ingests (partial records and lines on disk) and the final one equal what was written', async () => {
    const dir = tmp();
    const db = testDbUrl(dir, 'db');
    const h: DemoHandle = startDemo({
      dir, scenario: 'divergence', speed: 4, steps: 2000, flushEveryMs: 80, cutProbability: { events: 0.7, log: 1 },
    });
    expect(h.runDir).toBe(path.join(dir, 'experiments', h.runName));
    expect(h.tbDir).toBe(path.join(dir, 'tb_logs', h.runName, 'version_0'));
    expect(fs.existsSync(path.join(h.runDir, '.hydra', 'config.yaml'))).toBe(true);
    expect(fs.readFileSync(path.join(h.runDir, 'config.yaml'), 'utf8')).toContain(`tb_dir: ${path.join(dir, 'tb_logs')}`);

    let midRecord = 0;
    let midLine = 0;
    let ingests = 0;
    let finished = false;
    void h.done.then(() => (finished = true));
    while (!finished) {
      await sleep(7);
      if (finished) break;
      const rec = endsMidRecord(h.eventFile);
      const line = endsMidLine(path.join(h.runDir, 'train.log'));
      if ((rec && midRecord < 3) || (line && midLine < 2)) {
        // the ingest below runs synchronously: the writer cannot add bytes in between
        const snapshot = h.written();
        const r = await cli('ingest', dir, '--db', db);
        expect(r.code).toBe(0);
        expectSame(await exported(db, h.runName), snapshot);
        if (rec) midRecord++;
        if (line) midLine++;
        ingests++;
      }
    }
    expect(midRecord).toBeGreaterThan(0);
    expect(midLine).toBeGreaterThan(0);
    expect(ingests).toBeGreaterThan(1);

    await h.done;
    expect(h.outcome()).toBe('failed');
    const buf = fs.readFileSync(h.eventFile);
    const framed = readTfRecords(buf, 0);
    expect(framed.partial).toBe(false);
    expect(framed.nextOffset).toBe(buf.length);
    const log = fs.readFileSync(path.join(h.runDir, 'train.log'), 'utf8');
    expect(log.endsWith('\n')).toBe(true);
    expect(log).toMatch(/\[__main__\]\[CRITICAL\] - Training failed due to .*:\nTraceback \(most recent call last\):/);

    const r = await cli('ingest', dir, '--db', db);
    expect(r.code).toBe(0);
    const want = h.written();
    const got = await exported(db, h.runName);
    expectSame(got, want);
    // round-trip details: float32 values, NaN and Infinity, hp_metric, the GPU memory tag
    expect(want.get('hp_metric')).toEqual([[0, -1]]);
    expect(got.get('train_gen_adv')!.some(([, v]) => v === Infinity)).toBe(true);
    expect(got.get('train_gen_l1')!.some(([, v]) => Number.isNaN(v))).toBe(true);
    expect(got.get('train_gen_l1')!.every(([, v]) => Number.isNaN(v) || Math.fround(v) === v)).toBe(true);
    expect(got.has('gpu_id: 0/memory.used (MB)')).toBe(true);
    expect(got.has('val_ssim_10-20%_mean')).toBe(true);

    const runs = await runsJson(db);
    expect(runs).toHaveLength(1);
    const total = [...want.values()].reduce((n, l) => n + l.length, 0);
    expect(runs[0]).toMatchObject({
      name: h.runName, path: h.runDir, kind: 'lama', configName: 'lama-fourier', status: 'failed',
      genLr: h.config.genLr, discLr: h.config.discLr, batchSize: h.config.batchSize, points: total,
    });
    expect((await cli('errors', '--db', db)).out).toMatch(/No ingest errors/);
    // ingesting again adds nothing
    expect((await cli('ingest', dir, '--db', db)).out).toMatch(/Ingested 1 run, 0 points/);

    // validation tables: the sanity check plus one val and one test table per finished epoch,
    // each matching the scalars logged for that epoch
    const h2 = openDb(db);
    try {
      const tables = h2.sqlite
        .prepare('SELECT kind, epoch, iterations, sanity, columns, rows FROM validation_tables ORDER BY iterations, kind')
        .all() as { kind: string; epoch: number; iterations: number; sanity: number; columns: string; rows: string }[];
      const valSteps = want.get('val_ssim_total_mean')!;
      expect(tables).toHaveLength(2 + 2 * valSteps.length);
      expect(tables.filter((t) => t.sanity).map((t) => [t.kind, t.epoch, t.iterations])).toEqual([['test', 0, 0], ['val', 0, 0]]);
      for (const [i, [step, ssim]] of valSteps.entries()) {
        const t = tables.find((x) => x.kind === 'val' && x.iterations === step)!;
        expect(t.epoch).toBe(i);
        const cols = JSON.parse(t.columns) as { score: string; stat: string }[];
        const rows = JSON.parse(t.rows) as { label: string; values: (number | null)[] }[];
        const total = rows.find((x) => x.label === 'total')!;
        const ci = cols.findIndex((c) => c.score === 'ssim' && c.stat === 'mean');
        expect(total.values[ci]).toBeCloseTo(ssim, 5);
        expect(rows.map((x) => x.label)).toEqual(['0-10%', '10-20%', '20-30%', '30-40%', '40-50%', '50-60%', 'total']);
      }
      const gpu = h2.sqlite.prepare("SELECT COUNT(*) AS n FROM gpu_samples WHERE source = 'nvidia-smi'").get() as { n: number };
      const lines = fs.readFileSync(path.join(h.runDir, 'gpu.csv'), 'utf8').trim().split('\n');
      expect(lines[0]).toMatch(/^timestamp, index, name, utilization\.gpu \[%\]/);
      expect(gpu.n).toBe(lines.length - 1);
    } finally {
      h2.close();
    }
  });

  it('stop() half-way: flushes everything, logs the interruption, nothing lost or duplicated', async () => {
    const dir = tmp();
    const db = testDbUrl(dir, 'db');
    const h = startDemo({ dir, scenario: 'gan_imbalance', speed: 2, steps: 2000, flushEveryMs: 100 });
    while (h.progress() < 700) await sleep(20);
    const r1 = await cli('ingest', dir, '--db', db);
    expect(r1.code).toBe(0);
    await h.stop();
    expect(h.outcome()).toBe('stopped');
    expect(h.progress()).toBeLessThan(h.config.steps);
    const buf = fs.readFileSync(h.eventFile);
    expect(readTfRecords(buf, 0).nextOffset).toBe(buf.length);
    expect(fs.readFileSync(path.join(h.runDir, 'train.log'), 'utf8')).toMatch(/\[__main__\]\[WARNING\] - Interrupted by user\n$/);
    await cli('ingest', dir, '--db', db);
    const want = h.written();
    expectSame(await exported(db, h.runName), want);
    const [run] = await runsJson(db);
    expect(run).toMatchObject({ status: 'interrupted', genLr: 1e-3, discLr: 1e-3, points: [...want.values()].reduce((n, l) => n + l.length, 0) });
    await h.stop(); // idempotent
  });

  it('the CLI: usage errors, help, and --scenario all writing one run per scenario', async () => {
    const dir = tmp();
    const bad = await cli('demo', dir, '--scenario', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("unknown scenario 'nope'");
    for (const s of SCENARIOS) expect(bad.err).toContain(s);
    expect((await cli('demo', dir, '--speed', '0')).code).toBe(2);
    expect((await cli('demo', dir, '--steps', '1.5')).code).toBe(2);
    expect((await cli('demo', dir, 'other')).code).toBe(2);
    const help = await cli('demo', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: lrscope demo');
    expect((await cli('--help')).out).toContain('demo [dir]');

    const r = await cli('demo', dir, '--scenario', 'all', '--speed', '40', '--steps', '400');
    expect(r.code).toBe(0);
    expect(r.out).toContain(path.join(dir, 'experiments'));
    expect(r.out).toMatch(/Done\./);
    const db = testDbUrl(dir, 'db');
    expect((await cli('ingest', dir, '--db', db)).code).toBe(0);
    const runs = await runsJson(db);
    expect(runs).toHaveLength(SCENARIOS.length);
    expect(new Set(runs.map((x) => x.name)).size).toBe(SCENARIOS.length);
    expect(runs.every((x) => x.kind === 'lama' && x.configName === 'lama-fourier')).toBe(true);
    expect(runs.filter((x) => x.status === 'failed').map((x) => x.name)).toEqual([expect.stringMatching(/^demo_divergence_/)]);
    expect(runs.filter((x) => x.status === 'finished')).toHaveLength(SCENARIOS.length - 1);
    expect((await cli('errors', '--db', db)).out).toMatch(/No ingest errors/);
  });
});
