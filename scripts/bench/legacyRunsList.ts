// The runs list as it was before run_summaries (commit 3597444 and earlier): every run's summary built in
// JavaScript from per-run queries on each call, then filtered, sorted and paged in memory. Kept only so
// `npm run bench:runs` can measure it beside the SQL query in the same run. Not used by the app.
import type { SqlDb } from '../../server/db/sqlDb';
import type { Run, RunStatus } from '../../server/db/schema';

const RUN_COLUMNS = `id, key, name, path, kind, config_name AS configName, run_title AS runTitle, status,
  status_message AS statusMessage, host, started_at AS startedAt, updated_at AS updatedAt, created_at AS createdAt,
  gen_optimizer AS genOptimizer, gen_lr AS genLr, disc_optimizer AS discOptimizer, disc_lr AS discLr,
  batch_size AS batchSize, max_epochs AS maxEpochs, limit_train_batches AS limitTrainBatches,
  val_check_interval AS valCheckInterval, log_every_n_steps AS logEveryNSteps, gradient_clip_val AS gradientClipVal,
  scheduler, config, hparams, overrides`;

const KEY_METRIC = 'val_ssim_fid100_f1_total_mean';

type Severity = 'info' | 'warning' | 'critical';
function findingCounts(sqlite: SqlDb): Map<number, Record<Severity, number>> {
  const rows = sqlite.prepare('SELECT run_id AS runId, severity, COUNT(*) AS n FROM findings GROUP BY run_id, severity').all() as { runId: number; severity: Severity; n: number }[];
  const out = new Map<number, Record<Severity, number>>();
  for (const r of rows) {
    const c = out.get(r.runId) ?? { info: 0, warning: 0, critical: 0 };
    c[r.severity] = r.n;
    out.set(r.runId, c);
  }
  return out;
}

export interface RunSummary {
  id: number;
  name: string;
  path: string;
  kind: Run['kind'];
  configName: string | null;
  status: RunStatus;
  statusMessage: string | null;
  host: string | null;
  genLr: number | null;
  discLr: number | null;
  batchSize: number | null;
  lastStep: number | null;
  points: number;
  tags: string[];
  startedAt: number | null;
  updatedAt: number | null;
  /** fractional epoch at the last step (LaMa: limit_train_batches steps per epoch) */
  epoch: number | null;
  meanGpuUtil: number | null;
  /** val_ssim_fid100_f1_total_mean for LaMa (the checkpoint metric), else the first val_* tag */
  keyMetric: { tag: string; value: number | null; step: number | null } | null;
  /** diagnosis findings by severity */
  findings: { info: number; warning: number; critical: number };
}

/** Every run's summary, or only run `onlyId`'s (the run page needs one, not all). */
function listRunSummaries(sqlite: SqlDb, onlyId?: number): RunSummary[] {
  const runs = (
    onlyId === undefined
      ? sqlite.prepare(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY started_at, id`).all()
      : sqlite.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`).all(onlyId)
  ) as Run[];
  const seriesStmt = sqlite.prepare('SELECT tag, n_points AS n, last_step AS lastStep FROM series WHERE run_id = ? ORDER BY tag');
  const counts = findingCounts(sqlite);
  const gpuStmt = sqlite.prepare('SELECT AVG(util) AS u FROM gpu_samples WHERE run_id = ? AND util IS NOT NULL');
  const lastValue = sqlite.prepare('SELECT last_value AS v, last_step AS s FROM series WHERE run_id = ? AND tag = ?');
  return runs.map((r) => {
    const s = seriesStmt.all(r.id) as { tag: string; n: number; lastStep: number | null }[];
    const keyTag = s.some((x) => x.tag === KEY_METRIC) ? KEY_METRIC : s.find((x) => /^val[_/]/.test(x.tag))?.tag;
    const key = keyTag ? (lastValue.get(r.id, keyTag) as { v: number | null; s: number | null }) : null;
    let lastStep: number | null = null;
    let points = 0;
    for (const x of s) {
      points += x.n;
      if (x.lastStep !== null && (lastStep === null || x.lastStep > lastStep)) lastStep = x.lastStep;
    }
    return {
      id: r.id,
      name: r.name,
      path: r.path,
      kind: r.kind,
      configName: r.configName,
      status: r.status,
      statusMessage: r.statusMessage,
      host: r.host,
      genLr: r.genLr,
      discLr: r.discLr,
      batchSize: r.batchSize,
      lastStep,
      points,
      tags: s.map((x) => x.tag),
      startedAt: r.startedAt,
      updatedAt: r.updatedAt,
      epoch: lastStep !== null && r.limitTrainBatches && r.limitTrainBatches > 1 ? (lastStep + 1) / r.limitTrainBatches : null,
      meanGpuUtil: (gpuStmt.get(r.id) as { u: number | null }).u,
      keyMetric: keyTag && key ? { tag: keyTag, value: key.v, step: key.s } : null,
      findings: counts.get(r.id) ?? { info: 0, warning: 0, critical: 0 },
    };
  });
}

const SORTABLE = ['name', 'status', 'configName', 'startedAt', 'updatedAt', 'lastStep', 'genLr', 'discLr', 'batchSize', 'points', 'meanGpuUtil', 'keyMetric', 'epoch'] as const;
export type LegacySort = (typeof SORTABLE)[number];

function sortValue(r: RunSummary, by: LegacySort): string | number | null {
  if (by === 'keyMetric') return r.keyMetric?.value ?? null;
  return r[by];
}

/** The old `runs.list` body. */
export function legacyRunsList(
  sqlite: SqlDb,
  input: { q?: string; status?: RunStatus[]; sort?: { by: LegacySort; dir: 'asc' | 'desc' }; limit: number; offset: number },
): { total: number; runs: RunSummary[] } {
  let runs = listRunSummaries(sqlite);
  if (input.q) {
    const q = input.q.toLowerCase();
    runs = runs.filter((r) => [r.name, r.configName ?? '', r.path].some((f) => f.toLowerCase().includes(q)));
  }
  if (input.status?.length) {
    const want = new Set(input.status);
    runs = runs.filter((r) => want.has(r.status));
  }
  const sort = input.sort ?? { by: 'startedAt', dir: 'desc' };
  const dir = sort.dir === 'asc' ? 1 : -1;
  runs.sort((a, b) => {
    const va = sortValue(a, sort.by);
    const vb = sortValue(b, sort.by);
    if (va === vb) return a.id - b.id;
    if (va === null) return 1; // missing values last either way
    if (vb === null) return -1;
    return (va < vb ? -1 : 1) * dir;
  });
  return { total: runs.length, runs: runs.slice(input.offset, input.offset + input.limit) };
}
