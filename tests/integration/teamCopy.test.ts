// The bridge's binary COPY (pg/copyBinary.ts): coalesced point INSERTs and series-summary upserts reach
// PostgreSQL with every value as written — NaN as NULL, ±Infinity, negative and large integers, the last
// of several rows with one key — in the order the statements were issued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../helpers/pgCluster';
import { openDb } from '../../server/db/open';

let pg: PgCluster;
beforeAll(async () => {
  pg = await startPgCluster();
});
afterAll(() => pg?.stop());

describe('binary COPY through the bridge', () => {
  it('stores points and summary upserts exactly, NaN as NULL, ±Infinity, big and negative integers', () => {
    const h = openDb(pg.createDb('copy'));
    try {
      const s = h.sqlite;
      const one = '(?,?,?,?,?,?,?)';
      const ins = s.prepare(`INSERT INTO points (series_id, seg, step, dup, file_id, wall_time, value) VALUES ${one}`);
      const many = s.prepare(`INSERT INTO points (series_id, seg, step, dup, file_id, wall_time, value) VALUES ${one},${one}`);
      const values = [0.1, -2.5e-300, Infinity, -Infinity, NaN, 1 / 3, 0, -0.75];
      s.transaction(() => {
        values.forEach((v, i) => ins.run(7, 0, i * 1000 - 2000, 0, 3, i === 2 ? null : 1_795_000_000.125 + i, v));
        many.run([8, 2 ** 40, 2 ** 52, 1, 3, null, 5, 8, 0, -(2 ** 45), 0, 3, 1.5, NaN]);
      }).immediate();
      const rows = s.prepare('SELECT series_id, seg, step, dup, file_id, wall_time, value FROM points ORDER BY series_id, seg, step').raw().all();
      expect(rows).toEqual([
        ...values.map((v, i) => [7, 0, i * 1000 - 2000, 0, 3, i === 2 ? null : 1_795_000_000.125 + i, Number.isNaN(v) ? null : v]),
        [8, 0, -(2 ** 45), 0, 3, 1.5, null],
        [8, 2 ** 40, 2 ** 52, 1, 3, null, 5],
      ]);

      const cols = 'series_id, seg, level, idx, n, n_bad, sum, min, min_step, min_wall, max, max_step, max_wall, first_step, first_dup, first_wall, first_value, last_step, last_wall, last_value';
      const up = s.prepare(`INSERT OR REPLACE INTO series_summary (${cols}) VALUES (${Array(20).fill('?').join(',')})`);
      const row = (idx: number, n: number) => [1, 0, 1, idx, n, 0, n * 0.5, -Infinity, 1, null, Infinity, 2, null, 0, 0, null, NaN, 9, null, 0.25];
      // one row written before the transaction (the open bucket of an earlier batch), then 40 rows of which
      // several repeat a key: the last write of each key wins
      up.run(row(0, 3));
      s.transaction(() => {
        for (let i = 0; i < 40; i++) up.run(row(i % 25, i));
      }).immediate();
      const got = s.prepare('SELECT idx, n, min, max, first_value FROM series_summary ORDER BY idx').raw().all() as number[][];
      expect(got.length).toBe(25);
      for (const [idx, n, min, max, first] of got) {
        expect(n).toBe(idx + (idx < 15 ? 25 : 0));
        expect([min, max, first]).toEqual([-Infinity, Infinity, null]);
      }
      // a fraction in a bigint column is refused (as PostgreSQL refuses it), and nothing of the transaction stays
      expect(() => s.transaction(() => ins.run(9, 0, 1.5, 0, 3, null, 1)).immediate()).toThrow(/bigint/);
      expect(s.prepare('SELECT COUNT(*) FROM points WHERE series_id = 9').pluck().get()).toBe(0);
    } finally {
      h.close();
    }
  });
});
