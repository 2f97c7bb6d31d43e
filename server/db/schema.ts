// The one source of table types. Migrations in drizzle/ are generated from this file by drizzle-kit.
import { sql } from 'drizzle-orm';
import { sqliteTable, integer, text, real, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';

export const RUN_KINDS = ['lama', 'lightning', 'tensorboard'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
export const RUN_STATUSES = ['unknown', 'running', 'stalled', 'finished', 'failed', 'interrupted', 'missing'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const runs = sqliteTable(
  'runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** stable identity: `lama:<run folder name>` for timestamped LaMa runs, else `path:<absolute folder>`; on a store with a host (a team database) followed by `@<host>` */
    key: text('key').notNull(),
    name: text('name').notNull(),
    path: text('path').notNull(),
    kind: text('kind', { enum: RUN_KINDS }).notNull(),
    configName: text('config_name'),
    runTitle: text('run_title'),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('unknown'),
    statusMessage: text('status_message'),
    host: text('host'),
    /** ms since epoch */
    startedAt: integer('started_at'),
    /** ms since epoch of the newest data seen (log record, event wall time, GPU sample) */
    updatedAt: integer('updated_at'),
    createdAt: integer('created_at').notNull(),
    genOptimizer: text('gen_optimizer'),
    genLr: real('gen_lr'),
    discOptimizer: text('disc_optimizer'),
    discLr: real('disc_lr'),
    batchSize: integer('batch_size'),
    maxEpochs: integer('max_epochs'),
    limitTrainBatches: real('limit_train_batches'),
    valCheckInterval: real('val_check_interval'),
    logEveryNSteps: integer('log_every_n_steps'),
    gradientClipVal: real('gradient_clip_val'),
    /** JSON: any scheduler configuration found in the config, or null (stock LaMa has none) */
    scheduler: text('scheduler'),
    /** JSON: the full config (config.yaml / .hydra/config.yaml, unresolved `${…}` kept as text) */
    config: text('config'),
    /** JSON: resolved hparams.yaml written beside the event files */
    hparams: text('hparams'),
    /** JSON array of Hydra command-line overrides */
    overrides: text('overrides'),
    /** the user's own short name for the run (shown before the name, in compare labels), or null */
    alias: text('alias'),
    /** the user's free-text notes about the run */
    notes: text('notes'),
    /** JSON array of the user's labels for the run (not metric tags), e.g. ["baseline","celeba"] */
    userTags: text('user_tags').notNull().default('[]'),
    /** ms since epoch when the user archived the run (hidden from the runs table by default), or null */
    archivedAt: integer('archived_at'),
  },
  (t) => [
    uniqueIndex('runs_key').on(t.key),
    // the runs table's default order and its common sorts / filters
    index('runs_started').on(t.startedAt),
    index('runs_updated').on(t.updatedAt),
    index('runs_status').on(t.status),
  ],
);

/**
 * What the runs table shows about a run's data, kept up to date by the store in the same transaction
 * as the rows it summarises (points, GPU samples, findings), so listing runs never scans them. One row
 * per run; a run without a row has no data yet. See db/runSummary.ts.
 */
/**
 * Runs the user deleted: their rows are gone, their folders untouched. Ingest and watch skip a run whose key
 * or folder is here (server/ingest/ingest.ts, skipDeleted) until it is restored (the runs table's "deleted
 * runs", `runs.restore`) or `lrscope ingest --include-deleted` reads it again.
 */
export const deletedRuns = sqliteTable(
  'deleted_runs',
  {
    /** the run's stable identity (runs.key) */
    key: text('key').primaryKey(),
    path: text('path').notNull(),
    name: text('name').notNull(),
    deletedAt: integer('deleted_at').notNull(),
  },
  (t) => [index('deleted_runs_path').on(t.path)],
);
export type DeletedRun = typeof deletedRuns.$inferSelect;

export const runSummaries = sqliteTable('run_summaries', {
  runId: integer('run_id').primaryKey().references(() => runs.id, { onDelete: 'cascade' }),
  /** points over all series */
  nPoints: integer('n_points').notNull().default(0),
  nTags: integer('n_tags').notNull().default(0),
  /** highest current last step over the run's series */
  lastStep: integer('last_step'),
  /** last value of a logged `epoch` tag (the epoch column when limit_train_batches is unknown) */
  epochTag: real('epoch_tag'),
  /** sum and count of non-null GPU utilisation samples (mean = sum / n) */
  gpuUtilSum: real('gpu_util_sum').notNull().default(0),
  gpuUtilN: integer('gpu_util_n').notNull().default(0),
  /** the checkpoint metric (domain/checkpointMetric.ts) and its best finite value so far */
  bestTag: text('best_tag'),
  bestMode: text('best_mode', { enum: ['min', 'max'] }),
  bestValue: real('best_value'),
  bestStep: integer('best_step'),
  findingsInfo: integer('findings_info').notNull().default(0),
  findingsWarning: integer('findings_warning').notNull().default(0),
  findingsCritical: integer('findings_critical').notNull().default(0),
  /** JSON array of the distinct finding kinds, most severe first */
  findingKinds: text('finding_kinds').notNull().default('[]'),
  /** how these values were computed; a run with an older version is recomputed when the database opens */
  version: integer('version').notNull().default(0),
});
export type RunSummaryRow = typeof runSummaries.$inferSelect;

/** One metric tag of one run ("series"); keeps running aggregates so listing runs never scans points. */
export const series = sqliteTable(
  'series',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    plugin: text('plugin'),
    nPoints: integer('n_points').notNull().default(0),
    firstStep: integer('first_step'),
    lastStep: integer('last_step'),
    lastWallTime: real('last_wall_time'),
    lastValue: real('last_value'),
    /** current restart segment: a step lower than the last one stored starts segment + 1 */
    segment: integer('segment').notNull().default(0),
    /** how many points share lastStep in the current segment (LaMa logs some tags twice per step) */
    dupAtLast: integer('dup_at_last').notNull().default(0),
    /** bumped whenever points are removed (a file replaced or shrunk): readers' caches of the series are stale */
    generation: integer('generation').notNull().default(0),
  },
  (t) => [uniqueIndex('series_run_tag').on(t.runId, t.tag)],
);

/**
 * Scalar points: the big table (tens of millions of rows). WITHOUT ROWID (added to the generated
 * migration by hand), clustered by (series, segment, step, dup): "one tag of one run ordered by step"
 * is one contiguous range read with no second index. value NULL means NaN (SQLite turns NaN into NULL);
 * ±Infinity are stored as they are.
 */
export const points = sqliteTable(
  'points',
  {
    seriesId: integer('series_id').notNull(),
    seg: integer('seg').notNull(),
    step: integer('step').notNull(),
    dup: integer('dup').notNull(),
    fileId: integer('file_id').notNull(),
    wallTime: real('wall_time'),
    value: real('value'),
  },
  (t) => [
    primaryKey({ columns: [t.seriesId, t.seg, t.step, t.dup] }),
    // NaN / ±Infinity points only (a partial index: finite rows cost nothing here): the series markers read
    // exactly the non-finite points in range. Queries name it (INDEXED BY) and repeat its WHERE verbatim.
    index('points_nonfinite').on(t.seriesId, t.seg, t.step, t.dup).where(sql`value IS NULL OR abs(value) > 1.7976931348623157e308`),
  ],
);

/**
 * Multi-resolution summaries of `points` (a pyramid, see server/db/pyramid.ts): per series, restart segment
 * and level L, bucket `idx` holds the points of ordinals [idx·B(L), (idx+1)·B(L)) of the segment in
 * (step, dup) order, B(L) = 16·4^(L-1). Kept by the store in the same transaction as the points; the last
 * bucket of each level is the open one (count < B(L)). WITHOUT ROWID (added to the migration by hand).
 * min/max/sum are over finite values only (NULL min/max when there are none); first/last are the first and
 * last points whatever their value (NULL value = NaN, as in `points`).
 */
export const seriesSummary = sqliteTable(
  'series_summary',
  {
    seriesId: integer('series_id').notNull(),
    seg: integer('seg').notNull(),
    level: integer('level').notNull(),
    idx: integer('idx').notNull(),
    n: integer('n').notNull(),
    /** NaN / ±Infinity points */
    nBad: integer('n_bad').notNull(),
    sum: real('sum').notNull(),
    min: real('min'),
    minStep: integer('min_step'),
    minWall: real('min_wall'),
    max: real('max'),
    maxStep: integer('max_step'),
    maxWall: real('max_wall'),
    firstStep: integer('first_step').notNull(),
    firstDup: integer('first_dup').notNull(),
    firstWall: real('first_wall'),
    firstValue: real('first_value'),
    lastStep: integer('last_step').notNull(),
    lastWall: real('last_wall'),
    lastValue: real('last_value'),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.seg, t.level, t.idx] })],
);

export const validationTables = sqliteTable(
  'validation_tables',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    fileId: integer('file_id'),
    kind: text('kind', { enum: ['val', 'test', 'extra_val'] }).notNull(),
    /** extra_val dataset name, '' otherwise */
    name: text('name').notNull().default(''),
    epoch: integer('epoch').notNull(),
    iterations: integer('iterations').notNull(),
    /** the sanity-check table printed before training (`total 0 iterations`) */
    sanity: integer('sanity', { mode: 'boolean' }).notNull(),
    time: integer('time'),
    line: integer('line'),
    /** JSON [{score, stat}] */
    columns: text('columns').notNull(),
    /** JSON [{label, values: (number|null)[]}] — null is the literal NaN of the log */
    rows: text('rows').notNull(),
    /** LaMa printed `Empty DataFrame` (every metric NaN): no columns, a validation all the same */
    allNaN: integer('all_nan', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [uniqueIndex('validation_tables_key').on(t.runId, t.kind, t.name, t.epoch, t.iterations)],
);

export const gpuSamples = sqliteTable(
  'gpu_samples',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    fileId: integer('file_id').notNull(),
    source: text('source', { enum: ['nvidia-smi', 'tensorboard'] }).notNull(),
    gpu: integer('gpu').notNull(),
    time: integer('time'),
    util: real('util'),
    memUtil: real('mem_util'),
    memUsedMb: real('mem_used_mb'),
    memTotalMb: real('mem_total_mb'),
    powerW: real('power_w'),
    tempC: real('temp_c'),
  },
  (t) => [index('gpu_samples_run').on(t.runId, t.gpu, t.time)],
);

export const FILE_KINDS = [
  'tfevents',
  'train_log',
  'hydra_config',
  'hydra_hydra',
  'hydra_overrides',
  'config',
  'hparams',
  'gpu_log',
  'metrics_csv',
] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export const sourceFiles = sqliteTable(
  'source_files',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    /**
     * the machine (or file-system namespace) the path belongs to: a file is (host, path). '' = this machine
     * (a local SQLite database); on a shared PostgreSQL each writer's `--host` (default: its host name)
     */
    host: text('host').notNull().default(''),
    path: text('path').notNull(),
    kind: text('kind', { enum: FILE_KINDS }).notNull(),
    /** bytes ingested so far: the next read starts here */
    offset: integer('offset').notNull().default(0),
    /** identity of the file the offset belongs to */
    size: integer('size').notNull().default(0),
    inode: integer('inode'),
    mtimeMs: real('mtime_ms'),
    /** hex of the first bytes, to notice a file replaced by another of the same size and inode */
    head: text('head'),
    /** hex of the bytes just before `offset`: a file rewritten in place (same size, same first bytes) differs here */
    tail: text('tail'),
    /** JSON reader state carried between chunks (plugin names per tag, CSV header, line count…) */
    state: text('state'),
    /** series-name prefix for event files in add_scalars sub-folders */
    tagPrefix: text('tag_prefix').notNull().default(''),
    ingestedAt: integer('ingested_at'),
  },
  (t) => [uniqueIndex('source_files_host_path').on(t.host, t.path), index('source_files_run').on(t.runId)],
);

export const ingestErrors = sqliteTable(
  'ingest_errors',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').references(() => runs.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    offset: integer('offset'),
    line: integer('line'),
    reason: text('reason').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  // the store de-duplicates each new error by (path, offset, line, reason): indexed, so recording n errors
  // of one file is n lookups, not n scans of that file's errors (40k ragged CSV rows: quadratic before)
  (t) => [index('ingest_errors_key').on(t.path, t.offset, t.line)],
);

export type Run = typeof runs.$inferSelect;
export type NewRun = typeof runs.$inferInsert;
export type Series = typeof series.$inferSelect;
export type SourceFile = typeof sourceFiles.$inferSelect;
export type IngestError = typeof ingestErrors.$inferSelect;
export type ValidationTableRow = typeof validationTables.$inferSelect;
export type GpuSampleRow = typeof gpuSamples.$inferSelect;

/**
 * A log of what changed, for live updates: the API's subscription polls it (cheap, indexed by seq), so
 * any process that writes the database — the watcher, `lrscope ingest` in another terminal — is seen.
 */
export const changes = sqliteTable('changes', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  runId: integer('run_id').notNull(),
  kind: text('kind', { enum: ['data', 'run-added', 'status-changed', 'findings'] }).notNull(),
  lastStep: integer('last_step'),
  /** JSON array of tags that gained points */
  tags: text('tags'),
  status: text('status'),
  createdAt: integer('created_at').notNull(),
});
export type Change = typeof changes.$inferSelect;

/** Diagnosis results, recomputed while runs train; one row per finding, replaced as a set per run. */
export const findings = sqliteTable(
  'findings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
    /** JSON array of tags */
    metrics: text('metrics').notNull(),
    startStep: integer('start_step').notNull(),
    endStep: integer('end_step').notNull(),
    summary: text('summary').notNull(),
    /** JSON: statistics and thresholds that fired */
    evidence: text('evidence').notNull(),
    /** JSON: suggestions with params, YAML, code and the what-if LR preview */
    suggestions: text('suggestions').notNull(),
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [index('findings_run').on(t.runId)],
);
