import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testDbUrl } from '../helpers/testDb';
import { describe, it, expect } from 'vitest';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { querySeries } from '../../server/db/series';
import type { ScalarRecord } from '../../server/ingest/types';

const identity = { size: 1, inode: 1, mtimeMs: 1, head: '', tail: '' };
const pts = (from: number, to: number, f: (s: number) => number): ScalarRecord[] =>
  Array.from({ length: to - from }, (_, i) => ({ tag: 'loss', step: from + i, wallTime: 1000 + from + i, value: f(from + i) }));

describe('metrics.series reads (appends, restarts, replaced files)', () => {
  it('sees appended points, new segments and replaced files — never stale summaries', () => {
    const h = openDb(testDbUrl(fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-sq-'))));
    const store = new Store(h);
    const runId = store.upsertRun({ key: 'path:/r', name: 'r', path: '/r', kind: 'tensorboard' });
    const f1 = store.ensureFile(runId, '/r/a', 'tfevents', '');
    const q = () => querySeries(h.sqlite, { runIds: [runId], tags: ['loss'], x: 'step', maxPoints: 100_000 })[0];
    store.commitChunk({ file: f1, offset: 1, identity, state: null, scalars: pts(0, 100, (s) => s) });
    expect(q().segments[0].x).toHaveLength(100);
    store.commitChunk({ file: f1, offset: 2, identity, state: null, scalars: pts(100, 150, (s) => s) });
    expect(q().segments[0].x.at(-1)).toBe(149); // appended rows seen
    store.commitChunk({ file: f1, offset: 3, identity, state: null, scalars: pts(10, 20, (s) => -s) }); // a resumed job
    const r = q();
    expect(r.segments.map((s) => s.x.length)).toEqual([150, 10]);
    expect(r.segments[1].y[0]).toBe(-10);
    // the file is replaced by one holding as many points with other values: the summaries must follow
    store.resetFile(store.getFile('/r/a')!);
    const again = store.getFile('/r/a')!;
    store.commitChunk({ file: again, offset: 1, identity, state: null, scalars: [...pts(0, 150, (s) => s * 2), ...pts(10, 20, (s) => s * 3)] });
    const r2 = q();
    expect(r2.segments[0].y[5]).toBe(10);
    expect(r2.segments[1].y[0]).toBe(30);
    // a zoomed range reads full resolution from the table
    const z = querySeries(h.sqlite, { runIds: [runId], tags: ['loss'], x: 'step', range: { min: 40, max: 49 }, maxPoints: 100 })[0];
    expect(z.segments[0].x).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    h.close();
  });
});
