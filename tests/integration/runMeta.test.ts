// Notes, tags, alias, archive and delete through the Store and the API: delete removes every row of the
// run (and nothing of the others), leaves the folder alone, and a later ingest does not bring it back until
// asked (--include-deleted, or runs.restore); archived runs are hidden from runs.list unless asked for;
// read-only dashboards refuse every one of these changes. Plus the comparison labels.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openDb, type DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';
import { appRouter } from '../../server/api/root';
import { runLabels, type LabelRun } from '../../server/db/runLabels';
import { runColors, RUN_PALETTE } from '../../app/compare/palette';
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { cli } from '../helpers/cli';
import { testDbUrl } from '../helpers/testDb';

/** rows that belong to run `id`, per table (points and summaries through its series, errors through its files) */
function rowsOf(h: DbHandle, id: number): Record<string, number> {
  const q = (sql: string) => (h.sqlite.prepare(sql).get(id, id) as { n: number }).n;
  return {
    runs: q('SELECT COUNT(*) AS n FROM runs WHERE id = ? OR id = ?'),
    series: q('SELECT COUNT(*) AS n FROM series WHERE run_id = ? OR run_id = ?'),
    points: q('SELECT COUNT(*) AS n FROM points WHERE series_id IN (SELECT id FROM series WHERE run_id = ? OR run_id = ?)'),
    series_summary: q('SELECT COUNT(*) AS n FROM series_summary WHERE series_id IN (SELECT id FROM series WHERE run_id = ? OR run_id = ?)'),
    gpu_samples: q('SELECT COUNT(*) AS n FROM gpu_samples WHERE run_id = ? OR run_id = ?'),
    validation_tables: q('SELECT COUNT(*) AS n FROM validation_tables WHERE run_id = ? OR run_id = ?'),
    source_files: q('SELECT COUNT(*) AS n FROM source_files WHERE run_id = ? OR run_id = ?'),
    run_summaries: q('SELECT COUNT(*) AS n FROM run_summaries WHERE run_id = ? OR run_id = ?'),
    findings: q('SELECT COUNT(*) AS n FROM findings WHERE run_id = ? OR run_id = ?'),
    ingest_errors: q('SELECT COUNT(*) AS n FROM ingest_errors WHERE run_id = ? OR run_id = ?'),
  };
}
const total = (h: DbHandle, t: string) => (h.sqlite.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;

describe('run notes, tags, alias, archive and delete', () => {
  let tmp: string;
  let h: DbHandle;
  let store: Store;
  let project: string;
  const ids: Record<string, number> = {};
  const dirs: Record<string, string> = {};

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-meta-'));
    project = path.join(tmp, 'proj');
    for (const [k, title, lr] of [['a', 'a', 0.001], ['b', 'b', 0.002]] as const) {
      const run = buildLamaRun(project, lamaSpec({ title, genLr: lr, startedAt: new Date(2026, 10, 20, 9, k === 'a' ? 30 : 40).getTime(), maxEpochs: 2 }));
      dirs[k] = run.runDir;
      // a bad line the ingest records as an error of the run
      fs.appendFileSync(path.join(run.runDir, 'train.log'), '\u0000\u00ff garbage that is no record\n');
    }
    h = openDb(testDbUrl(tmp, 'db'));
    store = new Store(h);
    const s = ingestPaths(store, [project]);
    expect(s.runs).toHaveLength(2);
    for (const r of s.runs) ids[r.path === dirs.a ? 'a' : 'b'] = r.id;
    const finding = { kind: 'plateau', severity: 'warning', metrics: ['train_gen_l1'], startStep: 0, endStep: 10, summary: 's', evidence: {}, suggestions: [] };
    for (const id of Object.values(ids)) store.saveFindings(id, [finding as never]);
    h.sqlite.prepare('INSERT INTO ingest_errors (run_id, path, reason, created_at) VALUES (?, ?, ?, ?)').run(ids.a, path.join(dirs.a, 'x.csv'), 'bad', Date.now());
  });

  afterAll(() => {
    h?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('alias, notes and tags round-trip through the API and show in runs.list and its filter', async () => {
    const api = appRouter.createCaller({ db: h });
    const row = await api.runs.setMeta({ id: ids.a, alias: '  baseline ', notes: 'first try\nwith adam', tags: ['celeba', ' lr-sweep ', 'celeba', ''] });
    expect(row).toMatchObject({ alias: 'baseline', notes: 'first try\nwith adam', userTags: ['celeba', 'lr-sweep'] });
    const got = await api.runs.get({ id: ids.a });
    expect(got).toMatchObject({ alias: 'baseline', userTags: ['celeba', 'lr-sweep'] });
    expect((await api.runs.list({ q: 'lr-sweep' })).rows.map((r) => r.id)).toEqual([ids.a]);
    expect((await api.runs.list({ q: 'baseline' })).rows.map((r) => r.id)).toEqual([ids.a]);
    // only what is given changes; '' clears
    await api.runs.setMeta({ id: ids.a, notes: '' });
    expect(await api.runs.get({ id: ids.a })).toMatchObject({ alias: 'baseline', notes: null, userTags: ['celeba', 'lr-sweep'] });
    await expect(api.runs.setMeta({ id: 999, alias: 'x' })).rejects.toThrow(/no run 999/);
    await expect(api.runs.setMeta({ id: ids.a, tags: ['x'.repeat(41)] })).rejects.toThrow();
  });

  it('archived runs are hidden from runs.list unless asked for', async () => {
    const api = appRouter.createCaller({ db: h });
    await api.runs.setArchived({ id: ids.b, archived: true });
    expect((await api.runs.list({})).rows.map((r) => r.id)).toEqual([ids.a]);
    expect((await api.runs.list({ archived: 'include' })).total).toBe(2);
    expect((await api.runs.list({ archived: 'only' })).rows.map((r) => r.id)).toEqual([ids.b]);
    expect((await api.runs.byIds({ ids: [ids.b] }))[0].archivedAt).toBeGreaterThan(0);
    await api.runs.setArchived({ id: ids.b, archived: false });
    expect((await api.runs.list({})).total).toBe(2);
  });

  it('lrscope runs shows the alias, the tags and archived runs (saying so); --json carries notes too', async () => {
    const api = appRouter.createCaller({ db: h });
    await api.runs.setArchived({ id: ids.b, archived: true });
    await api.runs.setMeta({ id: ids.a, notes: 'adam, no warmup' });
    try {
      const table = await cli('runs', '--db', h.file);
      expect(table.code).toBe(0);
      const head = table.out.split('\n')[0];
      expect(head).toMatch(/\balias\b.*\buser tags\b/);
      const lineA = table.out.split('\n').find((l) => l.includes(path.basename(dirs.a)))!;
      expect(lineA).toMatch(/baseline/);
      expect(lineA).toMatch(/celeba,lr-sweep/);
      expect(table.out.split('\n').find((l) => l.includes(path.basename(dirs.b)))).toMatch(/\(archived\)/);
      const json = JSON.parse((await cli('runs', '--db', h.file, '--json')).out) as { runs: { id: number; alias: string | null; userTags: string[]; notes: string | null; archived: boolean }[] };
      expect(json.runs.find((r) => r.id === ids.a)).toMatchObject({ alias: 'baseline', userTags: ['celeba', 'lr-sweep'], notes: 'adam, no warmup', archived: false });
      expect(json.runs.find((r) => r.id === ids.b)).toMatchObject({ archived: true });
      expect((await cli('runs', '--db', h.file, '--json', '--filter', 'warmup')).out).toContain('"baseline"');
    } finally {
      await api.runs.setArchived({ id: ids.b, archived: false });
      await api.runs.setMeta({ id: ids.a, notes: null });
    }
  });

  it('a read-only dashboard refuses every change', async () => {
    const ro = appRouter.createCaller({ db: h, readOnly: true });
    for (const p of [
      ro.runs.setMeta({ id: ids.a, alias: 'x' }),
      ro.runs.setArchived({ id: ids.a, archived: true }),
      ro.runs.delete({ id: ids.a }),
      ro.runs.restore({ key: 'k' }),
    ]) await expect(p).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await ro.runs.get({ id: ids.a })).toMatchObject({ alias: 'baseline', archivedAt: null });
  });

  it('delete removes every row of the run and nothing else; the folder stays; ingest skips it until asked', async () => {
    const before = rowsOf(h, ids.a);
    for (const [t, n] of Object.entries(before)) expect(n, t).toBeGreaterThan(0);
    const other = rowsOf(h, ids.b);
    const api = appRouter.createCaller({ db: h });
    const gone = await api.runs.delete({ id: ids.a });
    expect(gone.path).toBe(dirs.a);
    for (const [t, n] of Object.entries(rowsOf(h, ids.a))) expect(n, t).toBe(0);
    expect(rowsOf(h, ids.b)).toEqual(other);
    // no orphans anywhere: every point's series and every summary's series exist
    expect((h.sqlite.prepare('SELECT COUNT(*) AS n FROM points WHERE series_id NOT IN (SELECT id FROM series)').get() as { n: number }).n).toBe(0);
    expect((h.sqlite.prepare('SELECT COUNT(*) AS n FROM series_summary WHERE series_id NOT IN (SELECT id FROM series)').get() as { n: number }).n).toBe(0);
    expect(h.sqlite.pragma('foreign_key_check')).toEqual([]);
    expect(fs.existsSync(path.join(dirs.a, 'train.log'))).toBe(true);
    expect((await api.runs.list({ archived: 'include' })).rows.map((r) => r.id)).toEqual([ids.b]);
    expect((await api.runs.deleted()).map((d) => d.path)).toEqual([dirs.a]);
    await expect(api.runs.get({ id: ids.a })).rejects.toThrow(/no run/);

    // a later ingest (the CLI's, or the watcher's rescan: both use skipDeleted) does not bring it back
    const points = total(h, 'points');
    const again = ingestPaths(store, [project]);
    expect(again.runs.map((r) => r.path)).toEqual([dirs.b]);
    expect(again.skippedDeleted).toEqual([dirs.a]);
    expect(total(h, 'points')).toBe(points);
    expect(total(h, 'runs')).toBe(1);

    // asked: read again, whole, under a new id, and no longer deleted
    const forced = ingestPaths(store, [project], { includeDeleted: true });
    const back = forced.runs.find((r) => r.path === dirs.a)!;
    expect(back.isNew).toBe(true);
    expect(back.points).toBe(before.points);
    expect(await api.runs.deleted()).toEqual([]);
    const row = (await api.runs.list({})).rows.find((r) => r.path === dirs.a)!;
    expect(row.points).toBe(before.points);
    expect(row.alias).toBeNull(); // what the user said went with the data

    // runs.restore: the same through the API
    await api.runs.delete({ id: back.id });
    expect(ingestPaths(store, [project]).skippedDeleted).toEqual([dirs.a]);
    const key = (await api.runs.deleted())[0].key;
    await api.runs.restore({ key });
    await expect(api.runs.restore({ key })).rejects.toThrow();
    expect(ingestPaths(store, [project]).runs.find((r) => r.path === dirs.a)?.points).toBe(before.points);
  });
});

describe('comparison labels and colours', () => {
  const base = (id: number, over: Partial<LabelRun> = {}): LabelRun => ({
    id, name: `run_${id}`, alias: null, config: null, hparams: null, scheduler: null, genLr: 0.001, discLr: 0.0001, batchSize: 10, ...over,
  });
  const cfg = (bs: number | string, extra: Record<string, unknown> = {}) => ({
    data: { batch_size: bs, val_batch_size: 2 },
    dataloader: { batch_size: '${data.batch_size}' },
    location: { out_root_dir: `/tmp/${bs}` },
    ...extra,
  });

  it('names what differs, resolved, with the scheduler; unique; never ${…} or null', () => {
    const runs = [
      base(11, { config: cfg(10), batchSize: 10 }),
      base(12, { config: cfg(16), batchSize: 16 }),
      // the same as 11 except the scheduler
      base(14, { config: cfg(10, { scheduler: { kind: 'cosine', T_max: 100 } }), scheduler: { scheduler: { kind: 'cosine', T_max: 100 } } }),
      base(15, { config: cfg(10, { scheduler: { kind: 'cosine', T_max: 200 } }), scheduler: { scheduler: { kind: 'cosine', T_max: 200 } } }),
      base(16, { config: { data: { batch_size: 10 } } }), // keys the others have are missing here
    ];
    const { labels } = runLabels(runs);
    expect(new Set(labels).size).toBe(runs.length);
    for (const l of labels) {
      expect(l).not.toMatch(/\$\{|null|undefined|\//);
      expect(l.length).toBeGreaterThan(0);
    }
    expect(labels[0]).toContain('bs=10');
    expect(labels[1]).toContain('bs=16');
    expect(labels[0]).toContain('sched=none');
    expect(labels[2]).toContain('sched=cosine');
    expect(labels[2]).toMatch(/T_max=100/);
    expect(labels[3]).toMatch(/T_max=200/);
  });

  it('runs alike are told apart by alias, then name; the alias leads', () => {
    const { labels } = runLabels([base(1, { alias: 'baseline' }), base(2), base(3)]);
    expect(labels).toEqual(['baseline', 'run_2', 'run_3']);
    const two = runLabels([base(1, { alias: 'a', genLr: 0.001 }), base(2, { genLr: 0.002 })]).labels;
    expect(two).toEqual(['a · lr_g=1e-3', 'lr_g=2e-3']);
  });

  it('colours: none repeats within 12 runs, and a run keeps its colour whatever its place', () => {
    const ids = [3, 15, 27, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const c = runColors(ids);
    expect(new Set(c.values()).size).toBe(12);
    expect(runColors([...ids].reverse())).toEqual(c);
    expect(runColors([5, 9]).get(5)).toBe(runColors([9, 5, 6]).get(5));
    expect(runColors([7]).get(7)).toBe(RUN_PALETTE[7]);
  });
});
