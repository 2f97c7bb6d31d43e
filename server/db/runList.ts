// The runs table as a query: one page of runs, filtered and sorted by SQL over runs + run_summaries
// (summary columns kept by the store, see runSummary.ts), with the total that matches. Shared by
// `runs.list`, `runs.get`, the comparison page and `lrscope runs`.
import { and, asc, desc, eq, inArray, isNotNull, isNull, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Db } from './open';
import { deletedRuns, runs, runSummaries, series, type DeletedRun, type RunKind, type RunStatus } from './schema';

/** Columns the runs table sorts by (the allow-list of `runs.list`). */
export const RUN_SORTS = [
  'name', 'status', 'kind', 'configName', 'startedAt', 'updatedAt', 'duration', 'lastStep', 'epoch', 'genLr', 'discLr',
  'batchSize', 'points', 'meanGpuUtil', 'keyMetric', 'findings',
] as const;
export type RunSort = (typeof RUN_SORTS)[number];

export interface RunListQuery {
  /** substring of the name, path, config name, alias, notes or user tags (case-insensitive for ASCII) */
  q?: string;
  status?: readonly RunStatus[];
  kind?: readonly RunKind[];
  /** archived runs: hidden (the default), shown with the others, or only them */
  archived?: 'hide' | 'include' | 'only';
  /** default: newest first (startedAt desc); missing values sort last either way, ties by id */
  sort?: { by: RunSort; dir: 'asc' | 'desc' };
  offset?: number;
  /** undefined: every matching run */
  limit?: number;
}

export interface RunRow {
  id: number;
  name: string;
  path: string;
  kind: RunKind;
  configName: string | null;
  status: RunStatus;
  statusMessage: string | null;
  host: string | null;
  genLr: number | null;
  discLr: number | null;
  batchSize: number | null;
  startedAt: number | null;
  /** ms since epoch of the newest data (the last activity) */
  updatedAt: number | null;
  lastStep: number | null;
  points: number;
  nTags: number;
  /** fractional epochs from limit_train_batches when the logged `epoch` counter agrees, else the counter */
  epoch: number | null;
  meanGpuUtil: number | null;
  /** the checkpoint metric's best value so far and where (LaMa: val_ssim_fid100_f1_total_mean, max) */
  keyMetric: { tag: string; mode: 'min' | 'max'; value: number | null; step: number | null } | null;
  /** diagnosis findings by severity, and their kinds (most severe first) */
  findings: { info: number; warning: number; critical: number; kinds: string[] };
  /** what the user said about the run: a short alias, notes, their own labels, archived when (ms) */
  alias: string | null;
  notes: string | null;
  userTags: string[];
  archivedAt: number | null;
}

const r = runs;
const s = runSummaries;
// fractional epochs from limit_train_batches while the logged epoch counter agrees with it (within one
// epoch); else the counter: limit_train_batches is only a cap (a data set with fewer batches has shorter
// epochs: a run that logged epoch 1499 at step 2999 is at epoch 1499, not 2999 / 25000 = 0.1)
const fromCap = sql`(${s.lastStep} + 1.0) / ${r.limitTrainBatches}`;
const epoch = sql<number | null>`CASE
  WHEN ${r.limitTrainBatches} > 1 AND ${s.lastStep} IS NOT NULL AND (${s.epochTag} IS NULL OR ABS(${fromCap} - (${s.epochTag} + 1)) <= 1) THEN ${fromCap}
  ELSE ${s.epochTag} END`;
const meanGpu = sql<number | null>`CASE WHEN ${s.gpuUtilN} > 0 THEN ${s.gpuUtilSum} * 1.0 / ${s.gpuUtilN} END`;
const points = sql<number>`COALESCE(${s.nPoints}, 0)`;
const findingsRank = sql<number>`COALESCE(${s.findingsCritical}, 0) * 1000000 + COALESCE(${s.findingsWarning}, 0) * 1000 + COALESCE(${s.findingsInfo}, 0)`;

const SORT_EXPR: Record<RunSort, SQLWrapper> = {
  name: r.name,
  status: r.status,
  kind: r.kind,
  configName: r.configName,
  startedAt: r.startedAt,
  updatedAt: r.updatedAt,
  duration: sql`${r.updatedAt} - ${r.startedAt}`,
  lastStep: s.lastStep,
  epoch,
  genLr: r.genLr,
  discLr: r.discLr,
  batchSize: r.batchSize,
  points,
  meanGpuUtil: meanGpu,
  keyMetric: s.bestValue,
  findings: findingsRank,
};

const COLUMNS = {
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
  startedAt: r.startedAt,
  updatedAt: r.updatedAt,
  lastStep: s.lastStep,
  points,
  nTags: sql<number>`COALESCE(${s.nTags}, 0)`,
  epoch,
  meanGpuUtil: meanGpu,
  bestTag: s.bestTag,
  bestMode: s.bestMode,
  bestValue: s.bestValue,
  bestStep: s.bestStep,
  info: sql<number>`COALESCE(${s.findingsInfo}, 0)`,
  warning: sql<number>`COALESCE(${s.findingsWarning}, 0)`,
  critical: sql<number>`COALESCE(${s.findingsCritical}, 0)`,
  kinds: s.findingKinds,
  alias: r.alias,
  notes: r.notes,
  userTags: r.userTags,
  archivedAt: r.archivedAt,
};

function selectRows(db: Db) {
  return db.select(COLUMNS).from(r).leftJoin(s, eq(s.runId, r.id));
}
type Selected = ReturnType<ReturnType<typeof selectRows>['all']>[number];

function toRow(x: Selected): RunRow {
  return {
    id: x.id,
    name: x.name,
    path: x.path,
    kind: x.kind,
    configName: x.configName,
    status: x.status,
    statusMessage: x.statusMessage,
    host: x.host,
    genLr: x.genLr,
    discLr: x.discLr,
    batchSize: x.batchSize,
    startedAt: x.startedAt,
    updatedAt: x.updatedAt,
    lastStep: x.lastStep,
    points: x.points,
    nTags: x.nTags,
    epoch: x.epoch,
    meanGpuUtil: x.meanGpuUtil,
    keyMetric: x.bestTag && x.bestMode ? { tag: x.bestTag, mode: x.bestMode, value: x.bestValue, step: x.bestStep } : null,
    findings: { info: x.info, warning: x.warning, critical: x.critical, kinds: x.kinds ? (JSON.parse(x.kinds) as string[]) : [] },
    alias: x.alias,
    notes: x.notes,
    userTags: parseTags(x.userTags),
    archivedAt: x.archivedAt,
  };
}

function parseTags(json: string | null): string[] {
  try {
    const v: unknown = JSON.parse(json ?? '[]');
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

/** LIKE pattern for a substring, with the wildcards of the text escaped. */
function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

function where(query: RunListQuery): SQL | undefined {
  const conds: SQL[] = [];
  if (query.q) {
    const p = containsPattern(query.q);
    conds.push(
      or(
        sql`${r.name} LIKE ${p} ESCAPE '\\'`,
        sql`${r.path} LIKE ${p} ESCAPE '\\'`,
        sql`${r.configName} LIKE ${p} ESCAPE '\\'`,
        sql`${r.alias} LIKE ${p} ESCAPE '\\'`,
        sql`${r.userTags} LIKE ${p} ESCAPE '\\'`,
        sql`${r.notes} LIKE ${p} ESCAPE '\\'`,
      )!,
    );
  }
  const archived = query.archived ?? 'hide';
  if (archived === 'hide') conds.push(isNull(r.archivedAt));
  else if (archived === 'only') conds.push(isNotNull(r.archivedAt));
  if (query.status?.length) conds.push(inArray(r.status, [...query.status]));
  if (query.kind?.length) conds.push(inArray(r.kind, [...query.kind]));
  return conds.length ? and(...conds) : undefined;
}

/** One page of the runs table and how many runs match the filters. */
export function listRuns(db: Db, query: RunListQuery = {}): { rows: RunRow[]; total: number } {
  const w = where(query);
  const sort = query.sort ?? { by: 'startedAt', dir: 'desc' };
  const e = SORT_EXPR[sort.by];
  const order = sort.dir === 'asc' ? sql`${e} ASC NULLS LAST` : sql`${e} DESC NULLS LAST`;
  const rows = selectRows(db)
    .where(w)
    .orderBy(order, asc(r.id))
    .limit(query.limit ?? -1) // -1: no limit (SQLite needs one for an offset)
    .offset(query.offset ?? 0)
    .all()
    .map(toRow);
  const total = db.select({ n: sql<number>`COUNT(*)` }).from(r).where(w).get()!.n;
  return { rows, total };
}

/** The runs table row of these runs, in the order asked (unknown ids are left out). */
export function runRows(db: Db, ids: readonly number[]): RunRow[] {
  if (!ids.length) return [];
  const got = selectRows(db).where(inArray(r.id, [...ids])).all().map(toRow);
  const byId = new Map(got.map((x) => [x.id, x]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Every run's tags, by run id (the comparison page's metric picker, `lrscope runs --json`). */
export function tagsOfRuns(db: Db, ids?: readonly number[]): Map<number, string[]> {
  const rows = db
    .select({ runId: series.runId, tag: series.tag })
    .from(series)
    .where(ids ? inArray(series.runId, [...ids]) : undefined)
    .orderBy(asc(series.runId), asc(series.tag))
    .all();
  const out = new Map<number, string[]>();
  for (const x of rows) {
    const l = out.get(x.runId);
    if (l) l.push(x.tag);
    else out.set(x.runId, [x.tag]);
  }
  return out;
}

/** Runs the user deleted (their tombstones), newest first: the runs table offers to restore them. */
export function listDeletedRuns(db: Db): DeletedRun[] {
  return db.select().from(deletedRuns).orderBy(desc(deletedRuns.deletedAt), asc(deletedRuns.key)).all();
}
