// A run as the analysis sees it: every tag with a role, at full resolution, with restart segments and
// wall times, the GPU samples and the logged LR tags (plain arrays, no SQL types).
import type Database from 'better-sqlite3';
import { getRun } from './runs';
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
  // Lightning's logged epoch counter: the real epoch length when the data has fewer batches than
  // limit_train_batches says
  let epoch: SeriesInput | undefined;
  let lastStep: number | null = null;
  for (const t of tags) {
    if (t.l !== null && (lastStep === null || t.l > lastStep)) lastStep = t.l;
    const role = classifyTag(t.tag).role;
    if (role === 'lr') lr.push(load(t.id, t.tag));
    else if (role !== 'ignore') series.push(load(t.id, t.tag));
    else if (t.tag === 'epoch') epoch = load(t.id, t.tag);
  }
  // the data set and workers come from the stored config, not from columns: nothing else needs them
  const config = json(run.config);
  const overrides = json(run.overrides);
  // LaMa folders carry the config name (`<user>_<date>_train_<config>_`) when .hydra/hydra.yaml is missing
  const configName = run.configName ?? (run.kind === 'lama' ? configNameFromRunName(run.name, run.runTitle) : null);
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

