// Live updates on PostgreSQL by LISTEN/NOTIFY (issue 12): a commit that appends to the change log, from
// any connection, wakes the dashboard's listener (server/db/pg/notify.ts) — the trigger the migrations
// install notifies at commit; without a notification a wait ends only at its safety timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../helpers/pgCluster';
import { until } from '../helpers/watchProcess';
import { openDb, type DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { changeListener, stopChangeListeners } from '../../server/db/pg/notify';
import type { PgDatabase } from '../../server/db/pg/database';

let pg: PgCluster;
let h: DbHandle;
beforeAll(async () => {
  pg = await startPgCluster();
});
afterAll(() => {
  stopChangeListeners();
  h?.close();
  pg?.stop();
});

describe('LISTEN/NOTIFY on the change log', () => {
  it('a commit that appends to the log wakes the listener; nothing else does', async () => {
    const url = pg.createDb('notify');
    h = openDb(url); // migrates: installs the trigger
    expect(h.sqlite.prepare("SELECT tgname FROM pg_trigger WHERE tgname = 'changes_notify'").pluck().all()).toEqual(['changes_notify']);
    const listener = changeListener((h.sqlite as PgDatabase).url)!;
    await until(() => listener.listening, 30_000, 20);

    // no change: the wait ends by its timeout, the generation unchanged
    let g = listener.generation;
    await listener.wait(g, 300, undefined);
    expect(listener.generation).toBe(g);

    // a Store write that appends to the log (run-added), committed: the listener wakes
    const store = new Store(h);
    g = listener.generation;
    const tx = h.sqlite.transaction(() => {
      store.upsertRun({ key: 'path:/n', name: 'n', path: '/n', kind: 'tensorboard' }); // run-added → changes
    });
    tx();
    await listener.wait(g, 30_000, undefined);
    expect(listener.generation).toBeGreaterThan(g);

    // another connection (another process's writer) wakes it too
    const other = openDb(url);
    try {
      g = listener.generation;
      other.sqlite.prepare("INSERT INTO changes (run_id, kind, created_at) VALUES (1, 'findings', 0)").run();
      await listener.wait(g, 30_000, undefined);
      expect(listener.generation).toBeGreaterThan(g);
    } finally {
      other.close();
    }
  }, 60_000);
});
