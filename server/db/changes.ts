// Reading the change log (the `changes` table) that the live subscription follows. Written by the
// store (data, run-added), status updates and findings; read here only.
import type { SqlDb, SqlStatement } from './sqlDb';

export interface ChangeRow {
  seq: number;
  runId: number;
  kind: 'data' | 'run-added' | 'status-changed' | 'findings';
  lastStep: number | null;
  /** JSON array of tag names, for 'data' */
  tags: string | null;
  status: string | null;
}

const statements = new WeakMap<SqlDb, { after: SqlStatement; last: SqlStatement }>();

function stmts(sqlite: SqlDb) {
  let s = statements.get(sqlite);
  if (!s) {
    s = {
      after: sqlite.prepare('SELECT seq, run_id AS runId, kind, last_step AS lastStep, tags, status FROM changes WHERE seq > ? ORDER BY seq LIMIT ?'),
      last: sqlite.prepare('SELECT MAX(seq) AS s FROM changes'),
    };
    statements.set(sqlite, s);
  }
  return s;
}

/** Changes after `seq`, oldest first, at most `limit`. */
export function changesAfter(sqlite: SqlDb, seq: number, limit: number): ChangeRow[] {
  return stmts(sqlite).after.all(seq, limit) as ChangeRow[];
}

/** The newest change's sequence number (0 when the log is empty). */
export function lastChangeSeq(sqlite: SqlDb): number {
  return (stmts(sqlite).last.get() as { s: number | null }).s ?? 0;
}
