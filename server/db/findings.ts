// Diagnosis results in the database: the findings of a run are stored as a set that replaces the
// previous one (a change event when the set changed).
import type { SqlDb, SqlStatement } from './sqlDb';
import type { Finding, Severity } from '../analysis/types';
import { summariseFindings } from './runSummary';

function fingerprint(f: { kind: string; severity: string; startStep: number; endStep: number }[]): string {
  return f.map((x) => `${x.kind}/${x.severity}/${x.startStep}`).sort().join('|');
}

export function saveFindings(sqlite: SqlDb, runId: number, found: Finding[], now = Date.now()): void {
  sqlite.transaction(() => {
    const before = sqlite.prepare('SELECT kind, severity, start_step AS startStep, end_step AS endStep FROM findings WHERE run_id = ?').all(runId) as {
      kind: string; severity: string; startStep: number; endStep: number;
    }[];
    sqlite.prepare('DELETE FROM findings WHERE run_id = ?').run(runId);
    const ins = sqlite.prepare(
      'INSERT INTO findings (run_id, kind, severity, metrics, start_step, end_step, summary, evidence, suggestions, computed_at) VALUES (?,?,?,?,?,?,?,?,?,?)',
    );
    for (const f of found) {
      ins.run(runId, f.kind, f.severity, JSON.stringify(f.metrics), f.startStep, f.endStep, f.summary, JSON.stringify(f.evidence), JSON.stringify(f.suggestions), now);
    }
    summariseFindings(sqlite, runId, found);
    if (fingerprint(before) !== fingerprint(found)) {
      sqlite.prepare("INSERT INTO changes (run_id, kind, created_at) VALUES (?, 'findings', ?)").run(runId, now);
    }
  })();
}

export function listFindings(sqlite: SqlDb, runId: number): Finding[] {
  const rows = sqlite
    .prepare('SELECT kind, severity, metrics, start_step AS startStep, end_step AS endStep, summary, evidence, suggestions FROM findings WHERE run_id = ? ORDER BY id')
    .all(runId) as { kind: Finding['kind']; severity: Severity; metrics: string; startStep: number; endStep: number; summary: string; evidence: string; suggestions: string }[];
  return rows.map((r) => ({
    kind: r.kind,
    severity: r.severity,
    metrics: JSON.parse(r.metrics) as string[],
    startStep: r.startStep,
    endStep: r.endStep,
    summary: r.summary,
    evidence: JSON.parse(r.evidence) as Record<string, unknown>,
    suggestions: JSON.parse(r.suggestions) as Finding['suggestions'],
  }));
}
