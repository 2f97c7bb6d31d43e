// One-shot ingestion of paths: discovery → per-file ingest → run metadata. Shared by `lrscope ingest`,
// `lrscope diagnose <path>` and the watcher's initial scan.
import type { Store } from '../db/store';
import { discoverRuns, type RunPlan } from './discover';
import { ingestFileIsolated } from './isolate';
import { refreshRunMeta } from './runMeta';
import { parseLamaRunName } from './runName';

export interface IngestSummary {
  runs: { id: number; name: string; path: string; kind: string; points: number; files: number; changed: number; issues: number; isNew: boolean }[];
  points: number;
  files: number;
  changedFiles: number;
  errors: number;
  /** folders of runs the user deleted, not read (ingestPaths with includeDeleted reads and restores them) */
  skippedDeleted: string[];
}

/** Registers a planned run and its files; returns the run id. */
export function registerRun(store: Store, plan: RunPlan): { runId: number; isNew: boolean } {
  const before = store.runIdByKey(plan.key) !== null;
  const runId = store.upsertRun({
    key: plan.key,
    name: plan.name,
    path: plan.path,
    kind: plan.kind,
    startedAt: parseLamaRunName(plan.name)?.startedAt ?? null,
  });
  for (const f of plan.files) store.ensureFile(runId, f.path, f.kind, f.tagPrefix);
  return { runId, isNew: !before };
}

export function ingestPlan(store: Store, plan: RunPlan): IngestSummary["runs"][number] {
  const { runId, isNew } = registerRun(store, plan);
  let points = 0;
  let issues = 0;
  let changed = 0;
  let configChanged = false;
  for (const f of plan.files) {
    const file = store.getFile(f.path)!;
    const r = ingestFileIsolated(store, file); // a file that fails is an ingest error; the others are read
    points += r.points;
    issues += r.issues;
    if (r.bytes > 0 || r.replaced) {
      changed++;
      if (f.kind !== 'tfevents' && f.kind !== 'train_log' && f.kind !== 'gpu_log' && f.kind !== 'metrics_csv') configChanged = true;
    }
  }
  if (configChanged || isNew) refreshRunMeta(store, runId);
  store.refreshStatus(runId, Date.now());
  return { id: runId, name: plan.name, path: plan.path, kind: plan.kind, points, files: plan.files.length, issues, isNew, changed };
}

/**
 * The plans of runs the user did not delete (store.deleteRun leaves a tombstone by key and folder);
 * with includeDeleted, deleted ones are restored and kept.
 */
export function skipDeleted(store: Store, plans: RunPlan[], includeDeleted = false): RunPlan[] {
  return plans.filter((p) => {
    if (!store.isDeletedRun(p.key, p.path)) return true;
    if (includeDeleted) store.restoreRun(p.key, p.path);
    return includeDeleted;
  });
}

export function ingestPaths(store: Store, paths: string[], opts: { includeDeleted?: boolean } = {}): IngestSummary {
  const found = discoverRuns(paths);
  const summary: IngestSummary = { runs: [], points: 0, files: 0, changedFiles: 0, errors: 0, skippedDeleted: [] };
  for (const i of found.issues) summary.errors += store.recordIssues(null, i.path, [{ reason: i.reason }]);
  const plans = skipDeleted(store, found.runs, opts.includeDeleted);
  for (const p of found.runs) if (!plans.includes(p)) summary.skippedDeleted.push(p.path);
  for (const plan of plans) {
    const r = ingestPlan(store, plan);
    summary.runs.push(r);
    summary.points += r.points;
    summary.files += r.files;
    summary.changedFiles += r.changed;
    summary.errors += r.issues;
  }
  return summary;
}
