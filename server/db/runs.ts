// Read queries about runs, shared by the CLI and the API.
import path from 'node:path';
import type { SqlDb, SqlStatement } from './sqlDb';
import type { Run, RunStatus } from './schema';
import { deriveStatus, type StatusFacts } from '../domain/status';

const RUN_COLUMNS = `id, key, name, path, kind, config_name AS configName, run_title AS runTitle, status,
  status_message AS statusMessage, host, started_at AS startedAt, updated_at AS updatedAt, created_at AS createdAt,
  gen_optimizer AS genOptimizer, gen_lr AS genLr, disc_optimizer AS discOptimizer, disc_lr AS discLr,
  batch_size AS batchSize, max_epochs AS maxEpochs, limit_train_batches AS limitTrainBatches,
  val_check_interval AS valCheckInterval, log_every_n_steps AS logEveryNSteps, gradient_clip_val AS gradientClipVal,
  scheduler, config, hparams, overrides`;

export function getRun(sqlite: SqlDb, id: number): Run | undefined {
  return sqlite.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`).get(id) as Run | undefined;
}

export class RunLookupError extends Error {}

/** `<run>` on the command line: an id, a unique name, or a path (the run folder or one of its files' folders). */
export function resolveRunRef(sqlite: SqlDb, ref: string): Run {
  if (/^\d+$/.test(ref)) {
    const r = getRun(sqlite, Number(ref));
    if (r) return r;
  }
  const byName = sqlite.prepare('SELECT id FROM runs WHERE name = ?').all(ref) as { id: number }[];
  if (byName.length === 1) return getRun(sqlite, byName[0].id)!;
  if (byName.length > 1) {
    throw new RunLookupError(`run name '${ref}' is ambiguous (ids ${byName.map((b) => b.id).join(', ')}); use an id or a path`);
  }
  const abs = path.resolve(ref.replace(/\/+$/, ''));
  const byPath = sqlite.prepare('SELECT id FROM runs WHERE path = ?').get(abs) as { id: number } | undefined;
  if (byPath) return getRun(sqlite, byPath.id)!;
  const byFile = sqlite
    .prepare("SELECT DISTINCT run_id AS id FROM source_files WHERE path = ? OR path LIKE ? ESCAPE '\\'")
    .all(abs, abs.replace(/[\\%_]/g, (c) => '\\' + c) + path.sep + '%') as { id: number }[];
  if (byFile.length === 1) return getRun(sqlite, byFile[0].id)!;
  throw new RunLookupError(`no run matches '${ref}' (give an id, a unique name or a path; see 'lrscope runs')`);
}

/** Recomputes a run's status from what is stored (see domain/status.ts) and saves it when it changed. */
export function refreshStatus(sqlite: SqlDb, runId: number, now: number, missing = false): RunStatus {
  const r = getRun(sqlite, runId);
  if (!r) return 'unknown';
  const agg = sqlite
    .prepare('SELECT MAX(last_step) AS lastStep FROM series WHERE run_id = ?')
    .get(runId) as { lastStep: number | null };
  const val = sqlite
    .prepare("SELECT MAX(epoch) AS e FROM validation_tables WHERE run_id = ? AND sanity = 0 AND kind = 'val'")
    .get(runId) as { e: number | null };
  const facts: StatusFacts = {
    current: r.status,
    updatedAt: r.updatedAt,
    writeIntervalMs: writeInterval(sqlite, runId),
    lastStep: agg.lastStep,
    maxEpochs: r.maxEpochs,
    limitTrainBatches: r.limitTrainBatches,
    lastValidatedEpoch: val.e,
    missing,
  };
  const status = deriveStatus(facts, now);
  if (status !== r.status) {
    sqlite.prepare('UPDATE runs SET status = ? WHERE id = ?').run(status, runId);
    sqlite
      .prepare("INSERT INTO changes (run_id, kind, status, created_at) VALUES (?, 'status-changed', ?, ?)")
      .run(runId, status, now);
  }
  return status;
}

/** Median gap between the last wall times of the run's busiest series (its usual write interval). */
function writeInterval(sqlite: SqlDb, runId: number): number | null {
  const s = sqlite
    .prepare('SELECT id FROM series WHERE run_id = ? ORDER BY n_points DESC LIMIT 1')
    .get(runId) as { id: number } | undefined;
  if (!s) return null;
  const rows = sqlite
    .prepare('SELECT wall_time AS w FROM points WHERE series_id = ? ORDER BY seg DESC, step DESC LIMIT 21')
    .all(s.id) as { w: number | null }[];
  const gaps: number[] = [];
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1].w;
    const b = rows[i].w;
    if (a !== null && b !== null && a > b) gaps.push((a - b) * 1000);
  }
  if (!gaps.length) return null;
  gaps.sort((x, y) => x - y);
  return gaps[Math.floor(gaps.length / 2)];
}

export interface CompareSummary {
  runId: number;
  lastLosses: { tag: string; value: number | null }[];
  stepsPerSec: number | null;
  meanGpuUtil: number | null;
}

/** The summary row of the comparison page: last losses, speed, GPU (the best checkpoint metric comes from runs.list). */
export function compareSummary(sqlite: SqlDb, runId: number): CompareSummary {
  const series = sqlite.prepare('SELECT id, tag, last_value AS v, first_step AS f, last_step AS l FROM series WHERE run_id = ?').all(runId) as {
    id: number; tag: string; v: number | null; f: number | null; l: number | null;
  }[];
  const lastLosses = series
    .filter((s) => /^train[_/](gen|discr)_/.test(s.tag))
    .sort((a, b) => a.tag.localeCompare(b.tag))
    .map((s) => ({ tag: s.tag, value: s.v }));
  const run = getRun(sqlite, runId);
  const lastStep = series.reduce<number | null>((m, s) => (s.l !== null && (m === null || s.l > m) ? s.l : m), null);
  const span = run?.startedAt && run.updatedAt ? (run.updatedAt - run.startedAt) / 1000 : null;
  const gpu = sqlite.prepare('SELECT AVG(util) AS u FROM gpu_samples WHERE run_id = ? AND util IS NOT NULL').get(runId) as { u: number | null };
  return { runId, lastLosses, stepsPerSec: lastStep !== null && span && span > 0 ? lastStep / span : null, meanGpuUtil: gpu.u };
}
