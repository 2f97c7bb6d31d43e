// A LaMa validation whose metrics were all NaN: train.log shows `Empty DataFrame / Columns: [] /
// Index: []` instead of a table (real lama-devset run `…_lrramp_`, epochs 9–13). Ingested, that is
// an all-NaN validation table per epoch, not an ingest error; the diagnosis sees the NaN validations
// in the series (here the event file logged them as NaN).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cli } from '../helpers/cli';
import { FIXTURES } from '../helpers/fixtures';
import { openDb, type DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { loadRunData } from '../../server/db/runData';
import { ingestPaths } from '../../server/ingest/ingest';
import { testDbUrl } from '../helpers/testDb';

const RUN = 't.nguyen_2026-12-01_13-04-34_train_lama-tiny32_lrramp_';
const EMPTY_STEPS = [999, 1099, 1199, 1299, 1399];

describe('ingesting the lrramp run (validations with every metric NaN)', () => {
  let tmp: string;
  let db: string;
  let h: DbHandle;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-it-nan-'));
    const project = path.join(tmp, 'lama-runs');
    // the run alone, laid out as in the devset: experiments/<run> and tb_logs/<run>
    for (const sub of ['experiments', 'tb_logs']) {
      fs.cpSync(path.join(FIXTURES, 'lama-devset', sub, RUN), path.join(project, sub, RUN), { recursive: true, preserveTimestamps: true });
    }
    db = testDbUrl(tmp, 'db');
    h = openDb(db);
    // what `lrscope ingest` does before it diagnoses (the detectors are not under test here)
    const summary = ingestPaths(new Store(h), [project]);
    expect(summary.runs).toHaveLength(1);
    expect(summary.errors).toBe(0);
  });

  afterAll(() => {
    h?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('records no ingest error', async () => {
    const r = await cli('errors', '--db', db, '--json');
    expect((JSON.parse(r.out) as { errors: unknown[] }).errors).toEqual([]);
  });

  it('stores each empty validation as an all-NaN table for its epoch', () => {
    const rows = h.sqlite
      .prepare('SELECT kind, epoch, iterations, sanity, all_nan AS allNaN, columns, rows FROM validation_tables ORDER BY iterations, kind')
      .all() as { kind: string; epoch: number; iterations: number; sanity: number; allNaN: number; columns: string; rows: string }[];
    expect(rows).toHaveLength(30);
    const empty = rows.filter((r) => r.allNaN === 1);
    expect(empty.map((r) => [r.kind, r.epoch, r.iterations])).toEqual(
      EMPTY_STEPS.flatMap((s, i) => [['test', 9 + i, s], ['val', 9 + i, s]]),
    );
    for (const r of empty) expect([r.sanity, JSON.parse(r.columns), JSON.parse(r.rows)]).toEqual([0, [], []]);
    for (const r of rows.filter((x) => x.allNaN === 0)) expect((JSON.parse(r.columns) as unknown[]).length).toBe(6);
  });

  it('the API flags them for the run page', async () => {
    const { appRouter } = await import('../../server/api/root');
    const run = h.sqlite.prepare('SELECT id FROM runs').get() as { id: number };
    const api = appRouter.createCaller({ db: h });
    const tables = await api.logs.validationTables({ runId: run.id });
    expect(tables.filter((t) => t.allNaN).map((t) => `${t.kind}@${t.epoch}`)).toEqual(
      EMPTY_STEPS.flatMap((_, i) => [`test@${9 + i}`, `val@${9 + i}`]),
    );
    expect(tables.find((t) => t.kind === 'val' && t.epoch === 8)?.allNaN).toBe(false);
  });

  it('the series the diagnosis sees are NaN at those validations', () => {
    const run = h.sqlite.prepare('SELECT id FROM runs').get() as { id: number };
    const data = loadRunData(h.sqlite, run.id)!;
    for (const tag of ['val_ssim_total_mean', 'val_fid_total_mean', 'val_ssim_fid100_f1_total_mean']) {
      const s = data.series.find((x) => x.tag === tag)!;
      expect(s, tag).toBeDefined();
      for (const step of EMPTY_STEPS) {
        const i = s.steps.indexOf(step);
        expect(i, `${tag}@${step}`).toBeGreaterThanOrEqual(0);
        expect(s.values[i], `${tag}@${step}`).toBeNaN();
      }
      expect(Number.isFinite(s.values[s.steps.indexOf(899)]), `${tag}@899`).toBe(true);
    }
  });
});
