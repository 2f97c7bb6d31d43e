// The runs table's per-run summary (table run_summaries), written by the store in the same transaction
// as the rows it summarises, so listing a thousand runs reads a thousand small rows and nothing else:
// - after each chunk of points: points, tags, last step and the logged epoch from the run's series rows
//   (a hundred rows, not the points); the checkpoint metric's best value from the chunk's own points
//   (a scan of that one series only when the checkpoint metric changes, e.g. LaMa's first validation);
//   GPU utilisation as a running sum and count;
// - with each set of findings: counts by severity and the kinds;
// - recomputed from the stored rows when a file's rows are dropped, and when the database opens with
//   summaries of an older SUMMARY_VERSION (or runs that have none: databases from before this table).
import type { SqlDb, SqlStatement } from './sqlDb';
import type { GpuSample } from '../ingest/types';
import type { ScalarColumns } from '../ingest/scalarColumns';
import { betterCheckpointTag, checkpointMetric } from '../domain/checkpointMetric';

/** Bump when what a summary holds or how it is computed changes: every run is recomputed at open. */
export const SUMMARY_VERSION = 1;

const SEVERITIES = ['critical', 'warning', 'info'] as const;
type Severity = (typeof SEVERITIES)[number];

// finite values only: SQLite stores ±Infinity as they are, and 9e999 reads as Infinity
const FINITE = 'value > -9e999 AND value < 9e999';

function prepare(s: SqlDb) {
  return {
    ensure: s.prepare(`INSERT INTO run_summaries (run_id, version) VALUES (?, ${SUMMARY_VERSION}) ON CONFLICT (run_id) DO NOTHING`),
    fromSeries: s.prepare(
      `UPDATE run_summaries SET (n_points, n_tags, last_step, epoch_tag) =
         (SELECT COALESCE(SUM(n_points), 0), COUNT(*), MAX(last_step), MAX(CASE WHEN tag = 'epoch' THEN last_value END)
          FROM series WHERE run_id = @id)
       WHERE run_id = @id`,
    ),
    getBest: s.prepare('SELECT best_tag AS tag, best_mode AS mode, best_value AS value, best_step AS step FROM run_summaries WHERE run_id = ?'),
    nTags: s.prepare('SELECT n_tags FROM run_summaries WHERE run_id = ?').pluck(),
    setBest: s.prepare('UPDATE run_summaries SET best_tag = ?, best_mode = ?, best_value = ?, best_step = ? WHERE run_id = ?'),
    bestMax: s.prepare(
      `SELECT value, step FROM points WHERE series_id = (SELECT id FROM series WHERE run_id = ? AND tag = ?) AND ${FINITE} ORDER BY value DESC, step LIMIT 1`,
    ),
    bestMin: s.prepare(
      `SELECT value, step FROM points WHERE series_id = (SELECT id FROM series WHERE run_id = ? AND tag = ?) AND ${FINITE} ORDER BY value, step LIMIT 1`,
    ),
    tags: s.prepare('SELECT tag FROM series WHERE run_id = ?').pluck(),
    addGpu: s.prepare('UPDATE run_summaries SET gpu_util_sum = gpu_util_sum + ?, gpu_util_n = gpu_util_n + ? WHERE run_id = ?'),
    gpuFromRows: s.prepare(
      `UPDATE run_summaries SET (gpu_util_sum, gpu_util_n) =
         (SELECT COALESCE(SUM(util), 0), COUNT(util) FROM gpu_samples WHERE run_id = @id AND util > -9e999 AND util < 9e999)
       WHERE run_id = @id`,
    ),
    findingRows: s.prepare('SELECT kind, severity FROM findings WHERE run_id = ?'),
    setFindings: s.prepare(
      'UPDATE run_summaries SET findings_info = ?, findings_warning = ?, findings_critical = ?, finding_kinds = ? WHERE run_id = ?',
    ),
    setVersion: s.prepare(`UPDATE run_summaries SET version = ${SUMMARY_VERSION} WHERE run_id = ?`),
    stale: s
      .prepare(`SELECT r.id FROM runs r LEFT JOIN run_summaries s ON s.run_id = r.id WHERE s.version IS NOT ${SUMMARY_VERSION}`)
      .pluck(),
  };
}

const STMTS = new WeakMap<SqlDb, ReturnType<typeof prepare>>();
function stmts(s: SqlDb): ReturnType<typeof prepare> {
  let st = STMTS.get(s);
  if (!st) STMTS.set(s, (st = prepare(s)));
  return st;
}

interface Best {
  tag: string | null;
  mode: 'min' | 'max' | null;
  value: number | null;
  step: number | null;
}

/** Whether (value, step) beats the best so far: a better value, or the same value earlier. */
function beats(mode: 'min' | 'max', value: number, step: number, best: Best): boolean {
  if (best.value === null || best.step === null) return true;
  if (value === best.value) return step < best.step;
  return mode === 'max' ? value > best.value : value < best.value;
}

function scanBest(s: SqlDb, runId: number, tag: string, mode: 'min' | 'max'): Best {
  const st = stmts(s);
  const row = (mode === 'max' ? st.bestMax : st.bestMin).get(runId, tag) as { value: number; step: number } | undefined;
  return { tag, mode, value: row?.value ?? null, step: row?.step ?? null };
}

/**
 * Called by the store inside the transaction that wrote a chunk's rows (after they were written):
 * `prefix` is the file's series-name prefix (tags in `scalars` are without it).
 */
export function summariseChunk(
  s: SqlDb,
  runId: number,
  prefix: string,
  scalars: ScalarColumns | null | undefined,
  gpu: readonly GpuSample[] | undefined,
): void {
  const hasScalars = !!scalars && scalars.n > 0;
  const hasGpu = !!gpu && gpu.length > 0;
  if (!hasScalars && !hasGpu) return;
  const st = stmts(s);
  st.ensure.run(runId);
  if (hasScalars) {
    const tagsBefore = st.nTags.get(runId) as number;
    st.fromSeries.run({ id: runId });
    const best = st.getBest.get(runId) as Best;
    // a tag new to the run (this chunk made its series) may be a better checkpoint metric than the current one
    let better: string | null = null;
    if ((st.nTags.get(runId) as number) !== tagsBefore) {
      for (const t of st.tags.all(runId) as string[]) if (betterCheckpointTag(t, better ?? best.tag)) better = t;
    }
    if (better !== null) {
      const m = checkpointMetric([better])!;
      const b = scanBest(s, runId, m.tag, m.mode);
      st.setBest.run(b.tag, b.mode, b.value, b.step, runId);
    } else if (best.tag !== null && best.mode !== null && best.tag.startsWith(prefix)) {
      const local = scalars.tags.indexOf(best.tag.slice(prefix.length));
      const mode = best.mode;
      let changed = false;
      for (let i = 0; local >= 0 && i < scalars.n; i++) {
        const value = scalars.value[i];
        const step = scalars.step[i];
        if (scalars.tag[i] !== local || !Number.isFinite(value) || !beats(mode, value, step, best)) continue;
        best.value = value;
        best.step = step;
        changed = true;
      }
      if (changed) st.setBest.run(best.tag, mode, best.value, best.step, runId);
    }
  }
  if (hasGpu) {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < gpu.length; i++) {
      const u = gpu[i].util;
      if (u !== null && Number.isFinite(u)) {
        sum += u;
        n++;
      }
    }
    if (n) st.addGpu.run(sum, n, runId);
  }
}

/** Finding counts by severity, and the distinct kinds most severe first (then by name). */
export function findingFacts(found: readonly { kind: string; severity: Severity }[]): { counts: Record<Severity, number>; kinds: string[] } {
  const counts: Record<Severity, number> = { info: 0, warning: 0, critical: 0 };
  const worst = new Map<string, number>();
  for (const f of found) {
    counts[f.severity]++;
    const rank = SEVERITIES.indexOf(f.severity);
    const w = worst.get(f.kind);
    if (w === undefined || rank < w) worst.set(f.kind, rank);
  }
  const kinds = [...worst.keys()].sort((a, b) => worst.get(a)! - worst.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
  return { counts, kinds };
}

/** Called by saveFindings inside the transaction that replaced a run's findings. */
export function summariseFindings(s: SqlDb, runId: number, found: readonly { kind: string; severity: Severity }[]): void {
  const st = stmts(s);
  const { counts, kinds } = findingFacts(found);
  st.ensure.run(runId);
  st.setFindings.run(counts.info, counts.warning, counts.critical, JSON.stringify(kinds), runId);
}

/** Recomputes a run's summary from the stored rows (after rows were dropped; old summaries). */
export function refreshRunSummary(s: SqlDb, runId: number): void {
  const st = stmts(s);
  s.transaction(() => {
    st.ensure.run(runId);
    st.fromSeries.run({ id: runId });
    const m = checkpointMetric(st.tags.all(runId) as string[]);
    const b: Best = m ? scanBest(s, runId, m.tag, m.mode) : { tag: null, mode: null, value: null, step: null };
    st.setBest.run(b.tag, b.mode, b.value, b.step, runId);
    st.gpuFromRows.run({ id: runId });
    summariseFindings(s, runId, st.findingRows.all(runId) as { kind: string; severity: Severity }[]);
    st.setVersion.run(runId);
  })();
}

/** Brings every run's summary to SUMMARY_VERSION (runs from before the table, or an older version). */
export function refreshStaleSummaries(s: SqlDb): number {
  const ids = stmts(s).stale.all() as number[];
  if (ids.length) s.transaction(() => ids.forEach((id) => refreshRunSummary(s, id)))();
  return ids.length;
}
