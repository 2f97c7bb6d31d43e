// Diagnosis results in the database: load a run's series for the analysis (plain arrays), run it,
// and store the findings as a set that replaces the previous one.
import type Database from 'better-sqlite3';
import { getRun } from './runs';
import { classifyTag, type Finding, type RunData, type SeriesInput, type Severity } from '../analysis/types';
import { diagnoseRun } from '../analysis/diagnose';

const LR_TAG = /^lr[-_/]/i;

/** The run as the detectors see it: every tag with a role, full resolution, segments and wall times. */
export function loadRunData(sqlite: Database.Database, runId: number): RunData | null {
  const run = getRun(sqlite, runId);
  if (!run) return null;
  const tags = sqlite.prepare('SELECT id, tag, last_step AS l FROM series WHERE run_id = ?').all(runId) as { id: number; tag: string; l: number | null }[];
  const stmt = sqlite.prepare('SELECT seg, step, wall_time, value FROM points WHERE series_id = ? ORDER BY seg, step, dup').raw(true);
  const load = (id: number, tag: string): SeriesInput => {
    const rows = stmt.all(id) as [number, number, number | null, number | null][];
    const n = rows.length;
    const steps = new Array<number>(n);
    const values = new Array<number>(n);
    const segments = new Array<number>(n);
    const wallTimes = new Array<number | null>(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      segments[i] = r[0];
      steps[i] = r[1];
      wallTimes[i] = r[2];
      values[i] = r[3] === null ? NaN : r[3];
    }
    return { tag, steps, values, segments, wallTimes };
  };
  const series: SeriesInput[] = [];
  const lr: SeriesInput[] = [];
  let lastStep: number | null = null;
  for (const t of tags) {
    if (t.l !== null && (lastStep === null || t.l > lastStep)) lastStep = t.l;
    if (LR_TAG.test(t.tag)) lr.push(load(t.id, t.tag));
    else if (classifyTag(t.tag).role !== 'ignore') series.push(load(t.id, t.tag));
  }
  const gpu = sqlite.prepare('SELECT time, util FROM gpu_samples WHERE run_id = ? ORDER BY time, id').all(runId) as { time: number | null; util: number | null }[];
  return {
    context: {
      genLr: run.genLr,
      discLr: run.discLr,
      genOptimizer: run.genOptimizer,
      batchSize: run.batchSize,
      maxEpochs: run.maxEpochs,
      limitTrainBatches: run.limitTrainBatches,
      valCheckInterval: run.valCheckInterval,
      logEveryNSteps: run.logEveryNSteps,
      gradientClipVal: run.gradientClipVal,
      scheduler: run.scheduler ? (JSON.parse(run.scheduler) as unknown) : null,
      lastStep,
    },
    series,
    gpu,
    lr,
  };
}

/** Diagnoses a stored run and saves the result; logs a `findings` change when the set changed. */
export function refreshFindings(sqlite: Database.Database, runId: number, now = Date.now()): Finding[] {
  const data = loadRunData(sqlite, runId);
  if (!data) return [];
  const found = diagnoseRun(data);
  saveFindings(sqlite, runId, found, now);
  return found;
}

function fingerprint(f: { kind: string; severity: string; startStep: number; endStep: number }[]): string {
  return f.map((x) => `${x.kind}/${x.severity}/${x.startStep}`).sort().join('|');
}

export function saveFindings(sqlite: Database.Database, runId: number, found: Finding[], now = Date.now()): void {
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
    if (fingerprint(before) !== fingerprint(found)) {
      sqlite.prepare("INSERT INTO changes (run_id, kind, created_at) VALUES (?, 'findings', ?)").run(runId, now);
    }
  })();
}

export function listFindings(sqlite: Database.Database, runId: number): Finding[] {
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

export function findingCounts(sqlite: Database.Database): Map<number, Record<Severity, number>> {
  const rows = sqlite.prepare('SELECT run_id AS runId, severity, COUNT(*) AS n FROM findings GROUP BY run_id, severity').all() as { runId: number; severity: Severity; n: number }[];
  const out = new Map<number, Record<Severity, number>>();
  for (const r of rows) {
    const c = out.get(r.runId) ?? { info: 0, warning: 0, critical: 0 };
    c[r.severity] = r.n;
    out.set(r.runId, c);
  }
  return out;
}
