import { openDb } from '/work/main/server/db/open';
const h = openDb('/tmp/lrs-prof/db.sqlite');
const s = h.sqlite;
console.log(s.prepare('select sqlite_version() v').get());
const vals = [Math.fround(0.1), Math.fround(1/3), 1795841128.123456, 0.1 + 0.2, Math.fround(4.2e-7), 1e300*10, -1e300*10];
for (const v of vals) { const r = s.prepare("SELECT json_array(?) j").get(v) as any; const back = JSON.parse(r.j)[0]; console.log(v, r.j, back === v); }
const sid = 1;
const T = (label: string, f: () => unknown) => { const t = performance.now(); let r; for (let k = 0; k < 3; k++) r = f(); console.log(label.padEnd(60), ((performance.now() - t) / 3).toFixed(1), 'ms'); return r; };
T('json 4 arrays', () => { const r = s.prepare('SELECT json_group_array(seg) a, json_group_array(step) b, json_group_array(wall_time) c, json_group_array(value) d FROM (SELECT seg, step, wall_time, value FROM points WHERE series_id = ? ORDER BY seg, step, dup)').get(sid) as any; return [JSON.parse(r.a), JSON.parse(r.b), JSON.parse(r.c), JSON.parse(r.d)]; });
T('json 2 arrays (step, value)', () => { const r = s.prepare('SELECT json_group_array(step) b, json_group_array(value) d FROM (SELECT step, value FROM points WHERE series_id = ? ORDER BY seg, step, dup)').get(sid) as any; return [JSON.parse(r.b), JSON.parse(r.d)]; });
T('raw 4 cols', () => s.prepare('SELECT seg, step, wall_time, value FROM points WHERE series_id = ? ORDER BY seg, step, dup').raw(true).all(sid));
