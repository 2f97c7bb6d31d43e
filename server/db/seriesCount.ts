// How many of some (run, tag) pairs have a stored series: what a series request will return, priced
// before anything is read (server/api/budget.ts).
import type { SqlDb, SqlStatement } from './sqlDb';

export function countSeries(sqlite: SqlDb, runIds: number[], tags: string[]): number {
  if (!runIds.length || !tags.length) return 0;
  const runs = [...new Set(runIds)];
  const names = [...new Set(tags)];
  const sql = `SELECT COUNT(*) AS n FROM series WHERE run_id IN (${runs.map(() => '?').join(',')}) AND tag IN (${names.map(() => '?').join(',')})`;
  return (sqlite.prepare(sql).get(...runs, ...names) as { n: number }).n;
}
