// One schema, two dialects (issue 12): the PostgreSQL tables generated from the same definitions as
// SQLite's, and the fixtures ingested into both give the same rows — runs, series, points, the series
// pyramid (series_summary), run_summaries, GPU samples, validation tables, errors, file offsets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { startPgCluster, type PgCluster } from '../helpers/pgCluster';
import { cli } from '../helpers/cli';
import { dump } from '../helpers/dbDump';
import { openDb } from '../../server/db/open';
import { pgTypeOf, LITE_TABLES } from '../../server/db/pg/schema';
import { getTableConfig } from 'drizzle-orm/sqlite-core';

let pg: PgCluster;
let tmp: string;
beforeAll(async () => {
  pg = await startPgCluster();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-team-'));
});
afterAll(() => {
  pg?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const sortRows = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

describe('PostgreSQL schema', () => {
  it('has the same tables and columns (names, nullability, keys) as the SQLite schema after migration', async () => {
    const url = pg.createDb('schema');
    const liteFile = path.join(tmp, 'schema.db');
    openDb(liteFile).close();
    const h = openDb(url);
    const lite = new Database(liteFile, { readonly: true });
    try {
      const liteTables = (lite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name").pluck().all() as string[]);
      const pgTables = h.sqlite.prepare("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name").pluck().all() as string[];
      expect(pgTables).toEqual(liteTables);
      expect(liteTables.length).toBe(Object.keys(LITE_TABLES).length);
      for (const t of liteTables) {
        const lc = (lite.prepare(`SELECT name, "notnull" AS nn, pk FROM pragma_table_info('${t}') ORDER BY name`).all() as { name: string; nn: number; pk: number }[]).map((c) => [c.name, c.nn === 1 || c.pk > 0]);
        const pc = (h.sqlite.prepare("SELECT column_name AS name, is_nullable AS nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ? ORDER BY column_name").all(t) as { name: string; nullable: string }[]).map((c) => [c.name, c.nullable === 'NO']);
        expect(pc, t).toEqual(lc);
        const lIdx = (lite.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all(t) as string[]);
        const pIdx = (h.sqlite.prepare("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = ? AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_pk' ORDER BY indexname").pluck().all(t) as string[]);
        expect(pIdx, t).toEqual(lIdx);
      }
      // the type mapping is the documented one: keys bigint, SQLite REAL and other integers float8
      const types = h.sqlite.prepare("SELECT table_name AS t, column_name AS c, data_type AS d FROM information_schema.columns WHERE table_schema = 'public'").all() as { t: string; c: string; d: string }[];
      for (const table of Object.values(LITE_TABLES)) {
        const cfg = getTableConfig(table);
        for (const col of cfg.columns) {
          const want = pgTypeOf(table, col);
          const got = types.find((x) => x.t === cfg.name && x.c === col.name)!.d;
          expect(got, `${cfg.name}.${col.name}`).toBe(want === 'bigserial' ? 'bigint' : want);
        }
      }
    } finally {
      lite.close();
      h.close();
    }
  });
});

describe('ingest into PostgreSQL and into SQLite', () => {
  // the same host on both (SQLite's default, ''): a store with a host adds it to run keys and shows it as the
  // run's host (teamHosts.test.ts); here the dialects are compared, nothing else
  let host: string | undefined;
  beforeAll(() => {
    host = process.env.LRSCOPE_SOURCE_HOST;
    process.env.LRSCOPE_SOURCE_HOST = '';
  });
  afterAll(() => {
    if (host === undefined) delete process.env.LRSCOPE_SOURCE_HOST;
    else process.env.LRSCOPE_SOURCE_HOST = host;
  });
  for (const fixture of ['lama-run', 'lama-devset', 'torch-corpus']) {
    it(`stores the same data for tests/fixtures/${fixture}`, async () => {
      const src = path.resolve('tests/fixtures', fixture);
      const liteFile = path.join(tmp, `${fixture}.db`);
      const url = pg.createDb(fixture.replace(/-/g, '_'));
      const a = await cli('ingest', src, '--db', liteFile);
      const b = await cli('ingest', src, '--db', url);
      expect(a.code).toBe(0);
      expect(b.code, b.err).toBe(0);
      expect(b.out.replace(/into \S+/, '')).toBe(a.out.replace(/into \S+/, '').replace(new RegExp(liteFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g'), url));
      const want = dump(liteFile);
      const got = dump(url);
      expect(Object.keys(got)).toEqual(Object.keys(want));
      expect((got.points as unknown[]).length).toBeGreaterThan(500);
      expect((got.summaries as unknown[]).length).toBeGreaterThan(500);
      for (const k of Object.keys(want)) {
        // validation tables of different runs tie in the dump's order: compared as sets
        if (k === 'tables') expect(sortRows(got[k]), k).toEqual(sortRows(want[k]));
        else expect(got[k], k).toEqual(want[k]);
      }
      // a second ingest adds nothing on either
      const again = await cli('ingest', src, '--db', url);
      expect(again.out).toMatch(/, 0 points,/);
      expect(dump(url).points).toEqual(want.points);
    });
  }
});
