import fs from 'node:fs';
import path from 'node:path';
import { openDb } from '/work/main/server/db/open';
import { Store } from '/work/main/server/db/store';
import { ingestPaths } from '/work/main/server/ingest/ingest';
import { querySeries } from '/work/main/server/db/series';
import { minMaxDownsample } from '/work/main/server/analysis/downsample';
import { encodeFileVersionEvent, encodeScalarEvent, eventRecord, eventFileName } from '/work/main/server/ingest/tfeventsWriter';
const dir = '/tmp/lrs-prof';
const db = path.join(dir, 'db.sqlite');
const TAGS = ['train_gen_l1','train_gen_adv','train_gen_fm','train_gen_resnet_pl','train_discr_adv','train_adv_discr_real_out','train_adv_discr_fake_out','train_adv_discr_real_gp','val_gen_l1','val_gen_fm','lr-Adam','lr-Adam-1'];
if (!fs.existsSync(db)) {
  const tb = path.join(dir, 'logs', 'run_a', 'version_0'); fs.mkdirSync(tb, { recursive: true });
  const fd = fs.openSync(path.join(tb, eventFileName(1.79e9, 'h', 1)), 'w');
  let parts: Buffer[] = [eventRecord(encodeFileVersionEvent(1.79e9))];
  for (let i = 0; i < 200000; i++) { for (const tag of TAGS) parts.push(eventRecord(encodeScalarEvent({ tag, step: i * 10 + 9, wallTime: 1.79e9 + i, value: Math.random() }))); if (parts.length > 12000) { fs.writeSync(fd, Buffer.concat(parts)); parts = []; } }
  fs.writeSync(fd, Buffer.concat(parts)); fs.closeSync(fd);
  const h = openDb(db); ingestPaths(new Store(h), [path.join(dir, 'logs')]); h.close();
}
const h = openDb(db);
const s = h.sqlite;
const sid = (s.prepare("SELECT id FROM series WHERE tag='train_gen_l1'").get() as any).id;
const T = (label: string, f: () => unknown) => { const t = performance.now(); let r; for (let k = 0; k < 3; k++) r = f(); console.log(label.padEnd(60), ((performance.now() - t) / 3).toFixed(1), 'ms'); return r; };
T('raw all 4 cols (seg, step, wall, value)', () => s.prepare('SELECT seg, step, wall_time, value FROM points WHERE series_id = ? ORDER BY seg, step, dup').raw(true).all(sid));
T('raw all 2 cols (step, value)', () => s.prepare('SELECT step, value FROM points WHERE series_id = ? ORDER BY seg, step, dup').raw(true).all(sid));
T('count(*) only (C-side scan)', () => s.prepare('SELECT count(*), sum(value) FROM points WHERE series_id = ?').get(sid));
T('querySeries 1 tag (step axis, 2000)', () => querySeries(s, { runIds: [1], tags: ['train_gen_l1'], x: 'step', maxPoints: 2000 }));
const rows = s.prepare('SELECT step, value FROM points WHERE series_id = ? ORDER BY seg, step, dup').raw(true).all(sid) as [number, number][];
const xs = rows.map(r => r[0]); const ys = rows.map(r => r[1]);
T('minMaxDownsample 200k → 2000', () => minMaxDownsample(xs, ys, 2000));
// SQL-side min/max per bucket
const lo = 9, hi = 1999999, B = 999;
const q = s.prepare(`WITH b AS (SELECT seg, step, value, CAST((step - @lo) * @b / (@hi - @lo + 1) AS INTEGER) AS k FROM points WHERE series_id = @sid AND value IS NOT NULL)
 SELECT seg, k, MIN(value) AS mn, MAX(value) AS mx, COUNT(*) AS n FROM b GROUP BY seg, k ORDER BY seg, k`).raw(true);
T('SQL GROUP BY bucket (min,max, no positions)', () => q.all({lo, hi, b: B, sid}));
const q2 = s.prepare(`SELECT seg, CAST((step - @lo) * @b / (@hi - @lo + 1) AS INTEGER) AS k, step, MIN(value) FROM points WHERE series_id = @sid AND value IS NOT NULL GROUP BY seg, k`).raw(true);
const q3 = s.prepare(`SELECT seg, CAST((step - @lo) * @b / (@hi - @lo + 1) AS INTEGER) AS k, step, MAX(value) FROM points WHERE series_id = @sid AND value IS NOT NULL GROUP BY seg, k`).raw(true);
T('SQL 2 queries bare-column min + max with step', () => [q2.all({lo, hi, b: B, sid}), q3.all({lo, hi, b: B, sid})]);
T('querySeries run page: 12 tags', () => querySeries(s, { runIds: [1], tags: TAGS, x: 'step', maxPoints: 2000 }));
T('querySeries 12 tags x=epoch', () => querySeries(s, { runIds: [1], tags: TAGS, x: 'epoch', maxPoints: 2000 }));
T('querySeries 12 tags x=relative', () => querySeries(s, { runIds: [1], tags: TAGS, x: 'relative', maxPoints: 2000 }));
T('pluck step + pluck value (2 scans)', () => [s.prepare('SELECT step FROM points WHERE series_id = ? ORDER BY seg, step, dup').pluck().all(sid), s.prepare('SELECT value FROM points WHERE series_id = ? ORDER BY seg, step, dup').pluck().all(sid)]);
T('pluck value only', () => s.prepare('SELECT value FROM points WHERE series_id = ? ORDER BY seg, step, dup').pluck().all(sid));
T('json_group_array(step), json_group_array(value) + JSON.parse', () => { const r = s.prepare('SELECT json_group_array(step) AS xs, json_group_array(value) AS ys FROM (SELECT step, value FROM points WHERE series_id = ? ORDER BY seg, step, dup)').get(sid) as any; return [JSON.parse(r.xs), JSON.parse(r.ys)]; });
T('group by k with ORDER-free (k via integer division, no CAST)', () => s.prepare('SELECT seg, (step - @lo) * @b / (@hi - @lo + 1) AS k, MIN(value), MAX(value) FROM points WHERE series_id = @sid GROUP BY seg, k').raw(true).all({lo, hi, b: B, sid}));
