// Every table an ingest writes, as plain rows without row ids: two databases that hold the same data dump
// equal (the decode worker against the in-thread path; an incremental ingest against one pass).
import { openDb } from '../../server/db/open';

/** Every table the ingest writes, without row ids (they may differ only where the order of runs does). */
export function dump(dbFile: string): Record<string, unknown[]> {
  const h = openDb(dbFile, { readonly: true });
  try {
    const q = (sql: string) => h.sqlite.prepare(sql).raw(true).all();
    // GPU samples folded by (run, gpu, time): Lightning's per-field tags may be split by a chunk boundary
    const gpu = new Map<string, Record<string, unknown>>();
    for (const r of h.sqlite.prepare('SELECT run_id, source, gpu, time, util, mem_util, mem_used_mb, mem_total_mb, power_w, temp_c FROM gpu_samples ORDER BY id').all() as Record<string, unknown>[]) {
      const k = `${r.run_id}/${r.source}/${r.gpu}/${r.time}`;
      const cur = gpu.get(k) ?? {};
      for (const [f, v] of Object.entries(r)) if (v !== null) cur[f] = v;
      gpu.set(k, cur);
    }
    return {
      runs: q('SELECT key, name, kind, status, started_at, updated_at, host FROM runs ORDER BY key'),
      series: q('SELECT r.key, s.tag, s.plugin, s.segment, s.last_step, s.dup_at_last, s.n_points, s.first_step, s.last_wall_time, s.last_value FROM series s JOIN runs r ON r.id = s.run_id ORDER BY r.key, s.tag'),
      points: q('SELECT s.tag, p.seg, p.step, p.dup, p.wall_time, p.value FROM points p JOIN series s ON s.id = p.series_id ORDER BY s.run_id, s.tag, p.seg, p.step, p.dup'),
      summaries: q('SELECT s.tag, m.* FROM series_summary m JOIN series s ON s.id = m.series_id ORDER BY s.run_id, s.tag, m.seg, m.level, m.idx').map((r) => (r as unknown[]).filter((_, i) => i !== 1)),
      runSummaries: q('SELECT r.key, m.* FROM run_summaries m JOIN runs r ON r.id = m.run_id ORDER BY r.key').map((r) => (r as unknown[]).filter((_, i) => i !== 1)),
      gpu: [...gpu.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      tables: q('SELECT kind, name, epoch, iterations, sanity, time, line, columns, rows, all_nan FROM validation_tables ORDER BY kind, name, epoch, iterations'),
      errors: q('SELECT path, "offset", line, reason FROM ingest_errors ORDER BY path, "offset", line, reason'),
      files: q('SELECT path, kind, "offset", size, head, tail, state FROM source_files ORDER BY path'),
    };
  } finally {
    h.close();
  }
}
