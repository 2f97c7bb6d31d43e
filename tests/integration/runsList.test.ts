// runs.list at a lab's scale: 1,000 generated runs in a temp database, the tRPC procedures called through
// createCaller. Every answer is checked against a plain computation from the raw rows (points, GPU
// samples, findings) with the sort, filter and paging done in JavaScript; then the summary columns are
// checked to follow new points, GPU samples, findings, a dropped file and a database from before them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openDb, type DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { saveFindings } from '../../server/db/findings';
import { appRouter } from '../../server/api/root';
import { RUN_SORTS, type RunRow, type RunSort } from '../../server/db/runList';
import type { RunKind, RunStatus } from '../../server/db/schema';
import { writeSyntheticRuns } from '../../scripts/bench/syntheticRuns';
import { cli } from '../helpers/cli';
import { testDbUrl } from '../helpers/testDb';

const N = 1000;
const KEY = 'val_ssim_fid100_f1_total_mean';

interface Expected {
  id: number;
  name: string;
  path: string;
  kind: RunKind;
  configName: string | null;
  status: RunStatus;
  statusMessage: string | null;
  host: string | null;
  startedAt: number | null;
  updatedAt: number | null;
  genLr: number | null;
  discLr: number | null;
  batchSize: number | null;
  lastStep: number | null;
  points: number;
  nTags: number;
  epoch: number | null;
  meanGpuUtil: number | null;
  keyMetric: { tag: string; mode: 'min' | 'max'; value: number | null; step: number | null } | null;
  findings: { info: number; warning: number; critical: number; kinds: string[] };
  alias: string | null;
  notes: string | null;
  userTags: string[];
  archivedAt: number | null;
}

/** Every run as the runs table should show it, computed from the raw rows alone. */
function plainRuns(h: DbHandle): Expected[] {
  const s = h.sqlite;
  const runs = s
    .prepare(
      `SELECT id, name, path, kind, config_name AS configName, status, status_message AS statusMessage, host, started_at AS startedAt, updated_at AS updatedAt,
              gen_lr AS genLr, disc_lr AS discLr, batch_size AS batchSize, limit_train_batches AS ltb,
              alias, notes, user_tags AS userTags, archived_at AS archivedAt FROM runs`,
    )
    .all() as (Omit<Expected, 'lastStep' | 'points' | 'nTags' | 'epoch' | 'meanGpuUtil' | 'keyMetric' | 'findings' | 'userTags'> & { ltb: number | null; userTags: string })[];
  const pts = s
    .prepare('SELECT s.run_id AS runId, s.tag, p.seg, p.step, p.dup, p.value FROM points p JOIN series s ON s.id = p.series_id')
    .all() as { runId: number; tag: string; seg: number; step: number; dup: number; value: number | null }[];
  const byRun = new Map<number, Map<string, typeof pts>>();
  for (const p of pts) {
    const tags = byRun.get(p.runId) ?? new Map<string, typeof pts>();
    byRun.set(p.runId, tags);
    const l = tags.get(p.tag) ?? [];
    tags.set(p.tag, l);
    l.push(p);
  }
  const gpu = s.prepare('SELECT run_id AS runId, util FROM gpu_samples').all() as { runId: number; util: number | null }[];
  const findings = s.prepare('SELECT run_id AS runId, kind, severity FROM findings').all() as { runId: number; kind: string; severity: 'info' | 'warning' | 'critical' }[];
  return runs.map(({ ltb, userTags, ...r }) => {
    const tags = byRun.get(r.id) ?? new Map<string, typeof pts>();
    let points = 0;
    let lastStep: number | null = null;
    const lastOf = (l: typeof pts) => l.reduce((a, b) => (b.seg > a.seg || (b.seg === a.seg && (b.step > a.step || (b.step === a.step && b.dup > a.dup))) ? b : a));
    for (const l of tags.values()) {
      points += l.length;
      const last = lastOf(l).step;
      if (lastStep === null || last > lastStep) lastStep = last;
    }
    const epochTag = tags.get('epoch');
    const epoch = ltb !== null && ltb > 1 && lastStep !== null ? (lastStep + 1) / ltb : epochTag ? lastOf(epochTag).value : null;
    const keyTag = tags.has(KEY) ? KEY : tags.has('val_loss') ? 'val_loss' : null;
    let keyMetric: Expected['keyMetric'] = null;
    if (keyTag) {
      const mode = keyTag === KEY ? 'max' : 'min';
      let best: { value: number; step: number } | null = null;
      for (const p of tags.get(keyTag)!) {
        if (p.value === null || !Number.isFinite(p.value)) continue;
        const better = best === null || (mode === 'max' ? p.value > best.value : p.value < best.value) || (p.value === best.value && p.step < best.step);
        if (better) best = { value: p.value, step: p.step };
      }
      keyMetric = { tag: keyTag, mode, value: best?.value ?? null, step: best?.step ?? null };
    }
    const utils = gpu.filter((g) => g.runId === r.id && g.util !== null).map((g) => g.util!);
    const mine = findings.filter((f) => f.runId === r.id);
    const count = (sev: string) => mine.filter((f) => f.severity === sev).length;
    const rank = (k: string) => Math.min(...mine.filter((f) => f.kind === k).map((f) => ['critical', 'warning', 'info'].indexOf(f.severity)));
    const kinds = [...new Set(mine.map((f) => f.kind))].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
    return {
      ...r,
      lastStep,
      points,
      nTags: tags.size,
      epoch,
      meanGpuUtil: utils.length ? utils.reduce((a, b) => a + b, 0) / utils.length : null,
      keyMetric,
      findings: { info: count('info'), warning: count('warning'), critical: count('critical'), kinds },
      userTags: JSON.parse(userTags) as string[],
    };
  });
}

function sortValue(r: Expected, by: RunSort): string | number | null {
  switch (by) {
    case 'duration':
      return r.updatedAt !== null && r.startedAt !== null ? r.updatedAt - r.startedAt : null;
    case 'keyMetric':
      return r.keyMetric?.value ?? null;
    case 'findings':
      return r.findings.critical * 1e6 + r.findings.warning * 1e3 + r.findings.info;
    default:
      return r[by];
  }
}

/** The runs table's order: by the column, missing values last either way, ties by id. */
function plainList(all: Expected[], q: { q?: string; status?: RunStatus[]; kind?: RunKind[]; sort?: { by: RunSort; dir: 'asc' | 'desc' } }): Expected[] {
  const needle = q.q?.toLowerCase();
  const sort = q.sort ?? { by: 'startedAt', dir: 'desc' };
  return all
    .filter((r) => r.archivedAt === null)
    .filter((r) => !needle || [r.name, r.path, r.configName ?? '', r.alias ?? '', r.notes ?? '', JSON.stringify(r.userTags)].some((f) => f.toLowerCase().includes(needle)))
    .filter((r) => !q.status?.length || q.status.includes(r.status))
    .filter((r) => !q.kind?.length || q.kind.includes(r.kind))
    .sort((a, b) => {
      const va = sortValue(a, sort.by);
      const vb = sortValue(b, sort.by);
      if (va === vb) return a.id - b.id;
      if (va === null) return 1;
      if (vb === null) return -1;
      return (va < vb ? -1 : 1) * (sort.dir === 'asc' ? 1 : -1);
    });
}

function comparable(r: RunRow | Expected) {
  return {
    ...r,
    epoch: r.epoch === null ? null : Number(r.epoch.toFixed(9)),
    meanGpuUtil: r.meanGpuUtil === null ? null : Number(r.meanGpuUtil.toFixed(9)),
  };
}

describe('runs.list over 1,000 runs (SQL summary columns) against a plain computation', () => {
  let tmp: string;
  let dbFile: string;
  let h: DbHandle;
  let api: ReturnType<typeof appRouter.createCaller>;
  let all: Expected[];

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-runs-list-'));
    dbFile = testDbUrl(tmp, 'db');
    h = openDb(dbFile);
    writeSyntheticRuns(h, { runs: N, seed: 7 });
    api = appRouter.createCaller({ db: h });
    all = plainRuns(h);
  });

  afterAll(() => {
    h?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the generated lab has what the checks need: nulls, both checkpoint metrics, GPU, findings, every status', () => {
    expect(all).toHaveLength(N);
    expect(all.some((r) => r.startedAt === null)).toBe(true);
    expect(all.some((r) => r.keyMetric?.tag === KEY)).toBe(true);
    expect(all.some((r) => r.keyMetric?.tag === 'val_loss')).toBe(true);
    expect(all.some((r) => r.keyMetric === null)).toBe(true);
    expect(all.some((r) => r.meanGpuUtil !== null) && all.some((r) => r.meanGpuUtil === null)).toBe(true);
    expect(all.some((r) => r.findings.kinds.length > 1)).toBe(true);
    expect(new Set(all.map((r) => r.status)).size).toBeGreaterThanOrEqual(5);
  });

  it('the default page: newest first, 100 rows, the total, and every value of every row', async () => {
    const page = await api.runs.list({});
    const want = plainList(all, {});
    expect(page.total).toBe(N);
    expect(page.rows).toHaveLength(100);
    expect(page.rows.map(comparable)).toEqual(want.slice(0, 100).map(comparable));
  });

  it.each(RUN_SORTS.flatMap((by) => (['asc', 'desc'] as const).map((dir) => ({ by, dir }))))('sort $by $dir: pages concatenate to the plain order', async (sort) => {
    const want = plainList(all, { sort }).map((r) => r.id);
    const got: number[] = [];
    for (let offset = 0; offset < N; offset += 250) {
      const page = await api.runs.list({ sort, offset, limit: 250 });
      expect(page.total).toBe(N);
      got.push(...page.rows.map((r) => r.id));
    }
    expect(got).toEqual(want);
  });

  it.each([
    { q: 'alice' },
    { q: 'ALICE' },
    { q: 'fourier' },
    { q: '/lab/tb/' },
    { q: '50%' },
    { q: '_masks' },
    { q: '%' },
    { q: 'no such run anywhere' },
    { status: ['running', 'stalled'] as RunStatus[] },
    { kind: ['lightning'] as RunKind[] },
    { q: 'lama', status: ['finished'] as RunStatus[], kind: ['lama'] as RunKind[], sort: { by: 'keyMetric' as const, dir: 'desc' as const } },
    { status: ['failed'] as RunStatus[], sort: { by: 'points' as const, dir: 'asc' as const } },
  ])('filter %j: total and rows equal the plain filter', async (f) => {
    const want = plainList(all, f);
    const page = await api.runs.list({ ...f, limit: 1000 });
    expect(page.total).toBe(want.length);
    expect(page.rows.map(comparable)).toEqual(want.map(comparable));
    if (f.q === '%') expect(page.total).toBe(all.filter((r) => r.configName?.includes('%')).length); // a literal %, not a wildcard
  });

  it('paging: the last partial page, an offset past the end, and input outside the allow-list', async () => {
    const want = plainList(all, { sort: { by: 'name', dir: 'asc' } });
    const last = await api.runs.list({ sort: { by: 'name', dir: 'asc' }, offset: 990, limit: 25 });
    expect(last.rows.map((r) => r.id)).toEqual(want.slice(990).map((r) => r.id));
    const past = await api.runs.list({ offset: 5000, limit: 10 });
    expect(past).toEqual({ rows: [], total: N });
    await expect(api.runs.list({ sort: { by: 'config' as RunSort, dir: 'asc' } })).rejects.toThrow();
    await expect(api.runs.list({ limit: 1001 })).rejects.toThrow();
  });

  it('runs.get and runs.byIds give the same row (byIds with the tags, in the order asked)', async () => {
    const ids = [all[500].id, all[3].id, 999_999, all[42].id];
    const got = await api.runs.byIds({ ids });
    expect(got.map((r) => r.id)).toEqual([all[500].id, all[3].id, all[42].id]);
    const one = await api.runs.get({ id: all[3].id });
    const { tags, ...row } = got[1];
    expect(comparable(row)).toEqual(comparable(all.find((r) => r.id === all[3].id)!));
    expect(one).toMatchObject(row);
    expect(tags).toHaveLength(row.nTags);
  });

  it('lrscope runs prints the same query (sort, filter, limit)', async () => {
    const r = await cli('runs', '--db', dbFile, '--json', '--sort', 'points:desc', '--filter', 'bob', '--limit', '7');
    expect(r.code).toBe(0);
    const got = (JSON.parse(r.out) as { runs: { id: number; points: number; tags: string[] }[] }).runs;
    const want = plainList(all, { q: 'bob', sort: { by: 'points', dir: 'desc' } }).slice(0, 7);
    expect(got.map((x) => [x.id, x.points])).toEqual(want.map((x) => [x.id, x.points]));
    expect(got.every((x) => x.tags.length > 0)).toBe(true);
    expect((await cli('runs', '--db', dbFile, '--sort', 'bogus')).code).toBe(2);
  });
});

describe('summary columns follow what is stored', () => {
  let tmp: string;
  let dbFile: string;
  let h: DbHandle;
  let store: Store;
  let api: ReturnType<typeof appRouter.createCaller>;
  const identity = { size: 1, inode: 1, mtimeMs: 1, head: '', tail: '' };
  const row = async (id: number) => {
    const { tags: _tags, ...r } = (await api.runs.byIds({ ids: [id] }))[0];
    return comparable(r);
  };
  const plain = (id: number) => comparable(plainRuns(h).find((r) => r.id === id)!);

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-runs-summary-'));
    dbFile = testDbUrl(tmp, 'db');
    h = openDb(dbFile);
    store = new Store(h);
    api = appRouter.createCaller({ db: h });
  });

  afterAll(() => {
    h?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('new points, GPU samples and findings update the row; a dropped file and an old database are recomputed', async () => {
    const id = store.upsertRun({ key: 'path:/x/run', name: 'run', path: '/x/run', kind: 'lightning' });
    expect(await row(id)).toMatchObject({ points: 0, lastStep: null, keyMetric: null, meanGpuUtil: null, findings: { info: 0, warning: 0, critical: 0, kinds: [] } });

    // a training loss and a validation loss: the checkpoint metric is val_loss (min)
    const ev = store.ensureFile(id, '/x/run/events', 'tfevents', '');
    store.commitChunk({
      file: ev, offset: 1, identity, state: null,
      scalars: [
        { tag: 'train_loss', step: 0, wallTime: 1, value: 2 },
        { tag: 'train_loss', step: 10, wallTime: 2, value: 1 },
        { tag: 'val_loss', step: 10, wallTime: 2, value: 0.9 },
        { tag: 'epoch', step: 10, wallTime: 2, value: 0 },
      ],
    });
    expect(await row(id)).toMatchObject({ points: 4, nTags: 3, lastStep: 10, epoch: 0, keyMetric: { tag: 'val_loss', mode: 'min', value: 0.9, step: 10 } });

    // a better value later, a worse one, a non-finite one: the best so far stays the minimum
    store.commitChunk({
      file: ev, offset: 2, identity, state: null,
      scalars: [
        { tag: 'val_loss', step: 20, wallTime: 3, value: 0.5 },
        { tag: 'val_loss', step: 30, wallTime: 4, value: 0.7 },
        { tag: 'val_loss', step: 35, wallTime: 4, value: 0.5 }, // as good, later: the earlier step stays
        { tag: 'val_loss', step: 40, wallTime: 5, value: -Infinity },
        { tag: 'epoch', step: 40, wallTime: 5, value: 3 },
      ],
    });
    expect(await row(id)).toMatchObject({ points: 9, lastStep: 40, epoch: 3, keyMetric: { tag: 'val_loss', value: 0.5, step: 20 } });

    // LaMa's checkpoint metric appears (a second file with a prefix would work the same): it takes over
    const ev2 = store.ensureFile(id, '/x/run/events2', 'tfevents', '');
    store.commitChunk({
      file: ev2, offset: 1, identity, state: null,
      scalars: [
        { tag: KEY, step: 40, wallTime: 5, value: 0.61 },
        { tag: KEY, step: 50, wallTime: 6, value: 0.8 },
        { tag: KEY, step: 60, wallTime: 7, value: 0.8 },
      ],
    });
    expect(await row(id)).toMatchObject({ points: 12, nTags: 4, lastStep: 60, keyMetric: { tag: KEY, mode: 'max', value: 0.8, step: 50 } });

    // GPU samples: the mean of the non-null utilisations
    const gpu = store.ensureFile(id, '/x/run/gpu.log', 'gpu_log', '');
    const sample = (util: number | null) => ({ gpu: 0, time: 1, util, memUtil: null, memUsedMb: null, memTotalMb: null, powerW: null, tempC: null });
    store.commitChunk({ file: gpu, offset: 1, identity, state: null, gpu: { source: 'nvidia-smi', samples: [sample(50), sample(null), sample(90)] } });
    expect((await row(id)).meanGpuUtil).toBe(70);
    store.commitChunk({ file: gpu, offset: 2, identity, state: null, gpu: { source: 'nvidia-smi', samples: [sample(100)] } });
    expect((await row(id)).meanGpuUtil).toBeCloseTo(80, 9);

    // findings replace the counts and kinds
    const f = (kind: 'plateau' | 'divergence' | 'oscillation', severity: 'info' | 'warning' | 'critical') => ({
      kind, severity, metrics: ['val_loss'], startStep: 0, endStep: 10, summary: '', evidence: {}, suggestions: [],
    });
    saveFindings(h.sqlite, id, [f('plateau', 'info'), f('divergence', 'critical'), f('plateau', 'warning')]);
    expect((await row(id)).findings).toEqual({ info: 1, warning: 1, critical: 1, kinds: ['divergence', 'plateau'] });
    saveFindings(h.sqlite, id, [f('oscillation', 'warning')]);
    expect((await row(id)).findings).toEqual({ info: 0, warning: 1, critical: 0, kinds: ['oscillation'] });
    expect(await row(id)).toEqual(plain(id));

    // the second event file is dropped (replaced on disk): its points and the metric it brought go
    store.resetFile(store.getFile('/x/run/events2')!);
    expect(await row(id)).toMatchObject({ points: 9, lastStep: 40, keyMetric: { tag: 'val_loss', value: 0.5, step: 20 } });
    store.resetFile(store.getFile('/x/run/gpu.log')!);
    expect((await row(id)).meanGpuUtil).toBeNull();
    expect(await row(id)).toEqual(plain(id));

    // a database from before run_summaries (or an older summary version): recomputed when it opens
    const before = await row(id);
    h.sqlite.prepare('DELETE FROM run_summaries').run();
    expect((await row(id)).points).toBe(0);
    h.close();
    h = openDb(dbFile);
    store = new Store(h);
    api = appRouter.createCaller({ db: h });
    expect(await row(id)).toEqual(before);
  });
});
