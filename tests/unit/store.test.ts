import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeEach } from 'vitest';
import { openDb, type DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { iteratePoints } from '../../server/db/points';
import type { ScalarRecord } from '../../server/ingest/types';
import { onPg, queryPlan, testDbUrl } from '../helpers/testDb';

const identity = { size: 100, inode: 1, mtimeMs: 1, head: 'aa', tail: '' };

describe('store', () => {
  let h: DbHandle;
  let store: Store;
  let runId: number;

  beforeEach(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-store-'));
    h = openDb(testDbUrl(dir, 'db'));
    store = new Store(h);
    runId = store.upsertRun({ key: 'path:/x', name: 'x', path: '/x', kind: 'tensorboard' });
  });

  it('uses WAL and the points primary key serves one tag of one run in step order', () => {
    if (!onPg()) expect(h.sqlite.pragma('journal_mode', { simple: true })).toBe('wal'); // SQLite's own
    const detail = queryPlan(h.sqlite, 'SELECT step, value FROM points WHERE series_id = ? ORDER BY seg, step, dup', 1);
    if (onPg()) {
      expect(detail).toMatch(/Index Scan using points_\w+ on points .*Index Cond: \(series_id = '1'::bigint\)/);
      expect(detail).not.toMatch(/Sort/);
    } else {
      expect(detail).toMatch(/SEARCH points USING PRIMARY KEY \(series_id=\?\)/);
      expect(detail).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('stores NaN and ±Infinity faithfully and starts a new segment when the step goes back', () => {
    const f = store.ensureFile(runId, '/x/ev', 'tfevents', '');
    const pts: ScalarRecord[] = [
      { tag: 'loss', step: 10, wallTime: 1, value: 0.5 },
      { tag: 'loss', step: 20, wallTime: 2, value: NaN },
      { tag: 'loss', step: 20, wallTime: 2, value: Infinity }, // same step twice (LaMa logs some tags per optimizer)
      { tag: 'loss', step: 30, wallTime: 3, value: -Infinity },
      { tag: 'loss', step: 15, wallTime: 4, value: 0.25 }, // resumed from an earlier checkpoint
      { tag: 'loss', step: 25, wallTime: 5, value: 0.125 },
    ];
    store.commitChunk({ file: f, offset: 100, identity, state: null, scalars: pts });
    const got = [...iteratePoints(h.sqlite, runId)];
    expect(got.map((p) => [p.seg, p.step, p.value])).toEqual([
      [0, 10, 0.5], [0, 20, NaN], [0, 20, Infinity], [0, 30, -Infinity], [1, 15, 0.25], [1, 25, 0.125],
    ]);
    const s = h.sqlite.prepare('SELECT n_points, segment, last_step FROM series').get();
    expect(s).toEqual({ n_points: 6, segment: 1, last_step: 25 });
    // the segment state carries across chunks
    store.commitChunk({ file: f, offset: 200, identity, state: null, scalars: [{ tag: 'loss', step: 5, wallTime: 6, value: 1 }] });
    expect([...iteratePoints(h.sqlite, runId)].at(-1)).toMatchObject({ seg: 2, step: 5 });
  });

  it('a chunk that fails half-way leaves neither its rows nor its offset', () => {
    const f = store.ensureFile(runId, '/x/ev', 'tfevents', '');
    store.commitChunk({ file: f, offset: 50, identity, state: { a: 1 }, scalars: [{ tag: 'a', step: 1, wallTime: 1, value: 1 }] });
    const many: ScalarRecord[] = Array.from({ length: 500 }, (_, i) => ({ tag: 'a', step: 2 + i, wallTime: 1, value: i }));
    many.push({ tag: 'a', step: NaN, wallTime: 1, value: 0 }); // binds as NULL: violates NOT NULL at the very end
    expect(() => store.commitChunk({ file: f, offset: 999, identity, state: { a: 2 }, scalars: many })).toThrow();
    expect([...iteratePoints(h.sqlite, runId)]).toHaveLength(1);
    expect(store.getFile('/x/ev')).toMatchObject({ offset: 50, state: '{"a":1}' });
    // and the in-memory series state was not left ahead of the database
    store.commitChunk({ file: f, offset: 60, identity, state: null, scalars: [{ tag: 'a', step: 2, wallTime: 1, value: 2 }] });
    expect([...iteratePoints(h.sqlite, runId)].map((p) => [p.seg, p.step])).toEqual([[0, 1], [0, 2]]);
  });

  it('records an issue once however often the same bad bytes are read', () => {
    expect(store.recordIssues(runId, '/x/ev', [{ offset: 5, reason: 'bad' }])).toBe(1);
    expect(store.recordIssues(runId, '/x/ev', [{ offset: 5, reason: 'bad' }])).toBe(0);
    expect(store.recordIssues(runId, '/x/ev', [{ offset: 6, reason: 'bad' }])).toBe(1);
  });

  it('resetting a file removes only what that file contributed', () => {
    const f1 = store.ensureFile(runId, '/x/ev1', 'tfevents', '');
    const f2 = store.ensureFile(runId, '/x/ev2', 'tfevents', '');
    store.commitChunk({ file: f1, offset: 10, identity, state: null, scalars: [{ tag: 'a', step: 1, wallTime: 1, value: 1 }] });
    store.commitChunk({ file: f2, offset: 10, identity, state: null, scalars: [{ tag: 'a', step: 2, wallTime: 1, value: 2 }, { tag: 'b', step: 2, wallTime: 1, value: 3 }] });
    store.resetFile(store.getFile('/x/ev2')!);
    expect([...iteratePoints(h.sqlite, runId)].map((p) => [p.tag, p.step])).toEqual([['a', 1]]);
    expect(h.sqlite.prepare('SELECT tag, n_points, last_step FROM series').all()).toEqual([{ tag: 'a', n_points: 1, last_step: 1 }]);
    expect(store.getFile('/x/ev2')).toMatchObject({ offset: 0 });
  });
});
