// The epoch of a run whose data set has fewer batches than limit_train_batches: the logged `epoch`
// counter is the truth (LaMa's config caps an epoch at 25 000 batches; 8 images at batch 4 make 2-step
// epochs). The runs table's epoch, the run page's epoch axis (stepsPerEpoch) and the diagnosis agree.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openDb, type DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';
import { appRouter } from '../../server/api/root';
import { testDbUrl } from '../helpers/testDb';

const DEVSET = path.resolve('tests/fixtures/lama-devset');
const RUN = 'k.ivanova_2026-12-01_13-12-04_train_lama-tiny32_'; // the overfitting run: 2 steps per epoch

describe('epochs from the logged counter', () => {
  let tmp: string;
  let h: DbHandle;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-epochs-'));
    for (const sub of ['experiments', 'tb_logs']) fs.cpSync(path.join(DEVSET, sub, RUN), path.join(tmp, 'p', sub, RUN), { recursive: true });
    h = openDb(testDbUrl(tmp, 'db'));
    ingestPaths(new Store(h), [path.join(tmp, 'p')]);
  });
  afterAll(() => {
    h.sqlite.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('runs.list shows the logged epoch, not last step ÷ limit_train_batches', async () => {
    const api = appRouter.createCaller({ db: h });
    const { rows } = await api.runs.list({});
    expect(rows).toHaveLength(1);
    const r = rows[0];
    const cap = (h.sqlite.prepare('SELECT limit_train_batches AS l FROM runs WHERE id = ?').get(r.id) as { l: number }).l;
    expect(cap).toBeGreaterThan(1000); // the config's cap
    const lastEpoch = h.sqlite.prepare("SELECT p.value AS v FROM points p JOIN series s ON s.id = p.series_id WHERE s.run_id = ? AND s.tag = 'epoch' ORDER BY p.step DESC LIMIT 1").get(r.id) as { v: number };
    expect(r.epoch).toBe(lastEpoch.v);
    expect(r.epoch!).toBeGreaterThan(100); // hundreds of 2-step epochs, not "0.1"
  });

  it('runs.get gives the steps per epoch the run trained, which the epoch axis divides by', async () => {
    const api = appRouter.createCaller({ db: h });
    const { rows } = await api.runs.list({});
    const got = await api.runs.get({ id: rows[0].id });
    // a few steps per epoch (2 batches, LaMa's global step also counting the discriminator's), never the cap
    expect(got.stepsPerEpoch).toBeGreaterThanOrEqual(2);
    expect(got.stepsPerEpoch).toBeLessThanOrEqual(4);
    // the epoch axis at the last step lands on the logged epoch (± the epoch in progress)
    expect(Math.abs((got.lastStep! + 1) / got.stepsPerEpoch! - rows[0].epoch!)).toBeLessThanOrEqual(1);
  });
});
