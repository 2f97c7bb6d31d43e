// Ingest errors, as `lrscope errors` and the API list them.
import type { SqlDb, SqlStatement } from './sqlDb';

export interface IngestErrorRow {
  id: number;
  runId: number | null;
  run: string | null;
  file: string;
  offset: number | null;
  line: number | null;
  reason: string;
  createdAt: number;
}

export function listErrors(sqlite: SqlDb, runId?: number): IngestErrorRow[] {
  const where = runId === undefined ? '' : 'WHERE e.run_id = ?';
  return sqlite
    .prepare(
      `SELECT e.id, e.run_id AS runId, r.name AS run, e.path AS file, e."offset" AS "offset", e.line, e.reason, e.created_at AS createdAt
       FROM ingest_errors e LEFT JOIN runs r ON r.id = e.run_id ${where} ORDER BY e.path, e."offset", e.line, e.id`,
    )
    .all(...(runId === undefined ? [] : [runId])) as IngestErrorRow[];
}
