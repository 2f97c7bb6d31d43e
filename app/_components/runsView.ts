// The runs table's view as it lives in the URL (q, status, kind, sort, dir, archived) and the runs.list input of one
// page of it. Shared by the page (which renders the first page on the server) and the table, so both ask
// for exactly the same thing and the first page is not fetched twice.
import type { RunSort } from '@/server/db/runList';

export const STATUSES = ['running', 'stalled', 'finished', 'failed', 'interrupted', 'missing', 'unknown'] as const;
export const KINDS = ['lama', 'lightning', 'tensorboard'] as const;
const SORTS: readonly RunSort[] = [
  'name', 'status', 'kind', 'configName', 'startedAt', 'updatedAt', 'duration', 'lastStep', 'epoch', 'genLr', 'discLr',
  'batchSize', 'points', 'meanGpuUtil', 'keyMetric', 'findings',
];
/** rows per request: the table asks for the pages its rendered rows fall in */
export const PAGE = 100;

export interface RunsView {
  q: string;
  status: (typeof STATUSES)[number][];
  kind: (typeof KINDS)[number] | null;
  sortBy: RunSort;
  dir: 'asc' | 'desc';
  /** show archived runs too (archived=1) */
  archived: boolean;
}

export function readRunsView(get: (k: string) => string | null | undefined): RunsView {
  const status = (get('status') ?? '').split(',').filter((s): s is (typeof STATUSES)[number] => (STATUSES as readonly string[]).includes(s));
  const kind = get('kind') ?? '';
  const sort = get('sort') ?? '';
  return {
    q: get('q') ?? '',
    status,
    kind: (KINDS as readonly string[]).includes(kind) ? (kind as (typeof KINDS)[number]) : null,
    sortBy: (SORTS as readonly string[]).includes(sort) ? (sort as RunSort) : 'startedAt',
    dir: get('dir') === 'asc' ? 'asc' : 'desc',
    archived: get('archived') === '1',
  };
}

/** The filters and sort of runs.list for a view (the same object for the same view). */
export function listFilters(v: RunsView) {
  return {
    q: v.q || undefined,
    status: v.status.length ? v.status : undefined,
    kind: v.kind ? [v.kind] : undefined,
    sort: { by: v.sortBy, dir: v.dir },
    archived: v.archived ? ('include' as const) : undefined,
  };
}
