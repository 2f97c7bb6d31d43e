// A run as the analysis sees it: every tag with a role, at full resolution, with restart segments and
// wall times, the GPU samples and the logged LR tags (plain arrays, no SQL types).
import type { SqlDb, SqlStatement } from './sqlDb';
import { getRun } from './runs';
import { loggedEpochSteps } from '../analysis/signals';
import { bucketSize, LEVELS } from './pyramid';
import { classifyTag } from '../domain/tags';
import type { RunData, SeriesInput } from '../analysis/types';
import { configNameFromRunName, datasetOf, gpCoefOf, numWorkersOf, type ConfigValue } from '../ingest/hydraConfig';

/** A stored JSON column, or null when it is absent or does not parse. */
function json(text: string | null): ConfigValue {
  if (!text) return null;
  try {
    return JSON.parse(text) as ConfigValue;
  } catch {
    return null;
  }
}

/**
 * Series longer than this are read from their summaries (series_summary), not point by point: the
 * diagnosis works on block statistics anyway, so a 10M-point series costs ~8k rows, in bounded memory.
 */
export const RAW_MAX = 32_768;
/** points per series when read from the summaries (the finest level with at most this many buckets) */
const SUMMARY_POINTS = 8_192;
const GPU_MAX = 65_536;

type Row = [number, number, number | null, number | null];

function fromRows(tag: string, rows: Row[]): SeriesInput {
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
}

/**
 * A long series as one point per summary bucket: the mean of its finite values at the bucket's last
 * step (NaN when it holds none), plus the first non-finite points themselves (a divergence needs its
 * exact step; the partial index over non-finite points makes that a seek).
 */
function loadSummarised(sqlite: SqlDb, seriesId: number, tag: string, n: number): SeriesInput {
  let level = 1;
  while (level < LEVELS && n / bucketSize(level) > SUMMARY_POINTS) level++;
  const rows = sqlite
    .prepare('SELECT seg, last_step, last_wall, n, n_bad, sum FROM series_summary WHERE series_id = ? AND level = ? ORDER BY seg, idx')
    .raw(true)
    .all(seriesId, level) as [number, number, number | null, number, number, number][];
  if (!rows.length) return fromRows(tag, sqlite.prepare('SELECT seg, step, wall_time, value FROM points WHERE series_id = ? ORDER BY seg, step, dup').raw(true).all(seriesId) as Row[]);
  const bad = sqlite
    // the partial index of non-finite points (the planner would walk the whole series by its key)
    .prepare('SELECT seg, step, wall_time, value FROM points INDEXED BY points_nonfinite WHERE series_id = ? AND (value IS NULL OR abs(value) > 1.7976931348623157e308) ORDER BY seg, step, dup LIMIT 16')
    .raw(true)
    .all(seriesId) as Row[];
  const out: Row[] = rows.map(([seg, step, wall, cnt, nBad, sum]) => [seg, step, wall, cnt > nBad ? sum / (cnt - nBad) : null]);
  for (const b of bad) out.push(b);
  out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return fromRows(tag, out);
}

/** The logged epoch counter reduced to the first step of each epoch (all the analysis needs from it). */
function loadEpochStarts(sqlite: SqlDb, seriesId: number): SeriesInput {
  const rows = sqlite
    .prepare('SELECT MIN(step) AS step, value FROM points WHERE series_id = ? AND value IS NOT NULL GROUP BY value ORDER BY step')
    .raw(true)
    .all(seriesId) as [number, number][];
  return { tag: 'epoch', steps: rows.map((r) => r[0]), values: rows.map((r) => r[1]) };
}

/**
 * Steps per epoch as the run trained them: from the logged `epoch` counter when there is one (the
 * config's limit_train_batches is only a cap: 8 images at batch 4 make 2-step epochs, not 25 000), else
 * limit_train_batches. The runs table, the run page's epoch axis and the diagnosis agree on it.
 */
export function stepsPerEpoch(sqlite: SqlDb, runId: number, limitTrainBatches: number | null): number | null {
  const t = sqlite.prepare("SELECT id FROM series WHERE run_id = ? AND tag = 'epoch'").get(runId) as { id: number } | undefined;
  const logged = t ? loggedEpochSteps({ epoch: loadEpochStarts(sqlite, t.id) }) : null;
  return logged ?? (limitTrainBatches && limitTrainBatches > 1 ? limitTrainBatches : null);
}

/** The run as the detectors see it: every tag with a role, full resolution, segments and wall times. */
export function loadRunData(sqlite: SqlDb, runId: number): RunData | null {
  const run = getRun(sqlite, runId);
  if (!run) return null;
  const tags = sqlite.prepare('SELECT id, tag, last_step AS l, n_points AS n FROM series WHERE run_id = ?').all(runId) as { id: number; tag: string; l: number | null; n: number }[];
  const stmt = sqlite.prepare('SELECT seg, step, wall_time, value FROM points WHERE series_id = ? ORDER BY seg, step, dup').raw(true);
  const load = (id: number, tag: string, n: number): SeriesInput => (n > RAW_MAX ? loadSummarised(sqlite, id, tag, n) : fromRows(tag, stmt.all(id) as Row[]));
  const series: SeriesInput[] = [];
  const lr: SeriesInput[] = [];
  // Lightning's logged epoch counter: the real epoch length when the data has fewer batches than
  // limit_train_batches says
  let epoch: SeriesInput | undefined;
  let lastStep: number | null = null;
  for (const t of tags) {
    if (t.l !== null && (lastStep === null || t.l > lastStep)) lastStep = t.l;
    const role = classifyTag(t.tag).role;
    if (role === 'lr') lr.push(load(t.id, t.tag, t.n));
    else if (role !== 'ignore') series.push(load(t.id, t.tag, t.n));
    else if (t.tag === 'epoch') epoch = loadEpochStarts(sqlite, t.id);
  }
  // the data set and workers come from the stored config, not from columns: nothing else needs them
  const config = json(run.config);
  const overrides = json(run.overrides);
  // LaMa folders carry the config name (`<user>_<date>_train_<config>_`) when .hydra/hydra.yaml is missing
  const configName = run.configName ?? (run.kind === 'lama' ? configNameFromRunName(run.name, run.runTitle) : null);
  // nvidia-smi every second for days: every k-th sample is enough for window medians and idle shares
  const nGpu = (sqlite.prepare('SELECT COUNT(*) AS n FROM gpu_samples WHERE run_id = ?').get(runId) as { n: number }).n;
  const stride = Math.max(1, Math.ceil(nGpu / GPU_MAX));
  const gpu = sqlite
    .prepare(`SELECT time, util FROM gpu_samples WHERE run_id = ?${stride > 1 ? ' AND id % ? = 0' : ''} ORDER BY time, id`)
    .all(...(stride > 1 ? [runId, stride] : [runId])) as { time: number | null; util: number | null }[];
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
      configName,
      dataset: datasetOf(config, Array.isArray(overrides) ? overrides.map(String) : null, configName),
      numWorkers: numWorkersOf(config),
      gpCoef: gpCoefOf(config),
    },
    series,
    gpu,
    lr,
    ...(epoch ? { epoch } : {}),
  };
}

