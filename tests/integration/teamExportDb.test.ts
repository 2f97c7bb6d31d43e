// Moving data (issue 12): `lrscope export-db` copies a local SQLite history into PostgreSQL and back —
// every table of a run (runs with notes/tags/alias/archive, series, points, summaries, GPU samples,
// validation tables, findings, files with their offsets) — idempotently (a second copy changes nothing),
// and a later ingest on the destination continues from the copied offsets (adds nothing).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../helpers/pgCluster';
import { cli } from '../helpers/cli';
import { dump } from '../helpers/dbDump';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import type { Finding } from '../../server/analysis/types';

let pg: PgCluster;
let tmp: string;
beforeAll(async () => {
  pg = await startPgCluster();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-team-export-'));
});
afterAll(() => {
  pg?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const TABLES = ['runs', 'series', 'points', 'series_summary', 'run_summaries', 'gpu_samples', 'validation_tables', 'findings', 'source_files', 'ingest_errors'];

function counts(db: string): Record<string, number> {
  const h = openDb(db, { readonly: true });
  try {
    return Object.fromEntries(TABLES.map((t) => [t, Number(h.sqlite.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get())]));
  } finally {
    h.close();
  }
}

/** What the user said about the runs, and their findings, by run name. */
function userFacts(db: string): unknown[] {
  const h = openDb(db, { readonly: true });
  try {
    return h.sqlite
      .prepare(
        `SELECT r.name, r.alias, r.notes, r.user_tags, r.archived_at, f.kind, f.severity, f.summary, f.suggestions
         FROM runs r LEFT JOIN findings f ON f.run_id = r.id ORDER BY r.name, f.kind`,
      )
      .raw()
      .all();
  } finally {
    h.close();
  }
}

async function exportDb(from: string, to: string): Promise<string> {
  const r = await cli('export-db', '--from', from, '--to', to);
  expect(r.code, r.err).toBe(0);
  return r.out;
}

describe('lrscope export-db', () => {
  it('copies a SQLite history into PostgreSQL and back, idempotently, and ingest continues from the copied offsets', async () => {
    const src = path.resolve('tests/fixtures/lama-run');
    const file = path.join(tmp, 'local.db');
    expect((await cli('ingest', src, '--db', file)).code).toBe(0);
    // what the user adds in the dashboard, and a finding
    const h = openDb(file);
    try {
      const store = new Store(h);
      const runId = Number(h.sqlite.prepare('SELECT id FROM runs').pluck().get());
      store.setRunMeta(runId, { alias: 'baseline', notes: 'first try\twith a tab', tags: ['celeba', 'lr'] });
      store.setArchived(runId, true, 1_795_000_000_000);
      const finding: Finding = {
        kind: 'lr-too-high' as Finding['kind'], severity: 'warning', metrics: ['train_gen_l1'], startStep: 10, endStep: 90,
        summary: 'loss spikes', evidence: { spikes: 3 }, suggestions: [],
      };
      store.saveFindings(runId, [finding], 1_795_000_000_000);
    } finally {
      h.close();
    }
    const want = counts(file);
    for (const t of TABLES.filter((x) => x !== 'ingest_errors')) expect(want[t], t).toBeGreaterThan(0);

    // file → PostgreSQL, twice
    const url = pg.createDb('exported');
    expect(await exportDb(file, url)).toMatch(/Copied 1 run \(782 points\)/);
    expect(counts(url)).toEqual(want);
    expect(await exportDb(file, url)).toMatch(/Copied 0 runs \(0 points\).*1 already there unchanged/);
    expect(counts(url)).toEqual(want);
    expect(userFacts(url)).toEqual(userFacts(file));
    // PostgreSQL → a new file, twice: the same rows as the original
    const back = path.join(tmp, 'back.db');
    expect(await exportDb(url, back)).toMatch(/Copied 1 run/);
    expect(await exportDb(url, back)).toMatch(/Copied 0 runs.*1 already there unchanged/);
    expect(counts(back)).toEqual(want);
    expect(dump(back)).toEqual(dump(file));
    expect(userFacts(back)).toEqual(userFacts(file));
    const local = await cli('ingest', src, '--db', back);
    expect(local.out).toMatch(/, 0 points,/);

    // this machine's files are this machine's on PostgreSQL too: an ingest there continues from the offsets
    const again = await cli('ingest', src, '--db', url);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/, 0 points,/);
    expect(counts(url)).toEqual(want);

    // a changed source run replaces the destination's copy (not a second run)
    const h2 = openDb(file);
    try {
      new Store(h2).setRunMeta(Number(h2.sqlite.prepare('SELECT id FROM runs').pluck().get()), { notes: 'second thoughts' });
    } finally {
      h2.close();
    }
    expect(await exportDb(file, url)).toMatch(/Copied 1 run/);
    expect(counts(url)).toEqual(want);
    expect(userFacts(url)).toEqual(userFacts(file));
  }, 120_000);
});
