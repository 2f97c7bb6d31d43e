'use client';
import Link from 'next/link';
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from './trpc';
import { useUrlState } from './useUrlState';
import { useLive } from './useLive';
import { StatusBadge } from './StatusBadge';
import { fmtDuration, fmtNum, fmtTime } from './format';
import { FindingCounts } from './Findings';

const STATUSES = ['running', 'stalled', 'finished', 'failed', 'interrupted', 'missing', 'unknown'] as const;
type SortBy = 'name' | 'status' | 'configName' | 'startedAt' | 'updatedAt' | 'lastStep' | 'genLr' | 'discLr' | 'batchSize' | 'points' | 'meanGpuUtil' | 'keyMetric' | 'epoch';

const COLUMNS: { key: SortBy | null; label: string }[] = [
  { key: 'status', label: 'status' },
  { key: 'name', label: 'name' },
  { key: 'configName', label: 'config' },
  { key: 'startedAt', label: 'started' },
  { key: 'updatedAt', label: 'duration' },
  { key: 'lastStep', label: 'step / epoch' },
  { key: 'genLr', label: 'lr G' },
  { key: 'discLr', label: 'lr D' },
  { key: 'batchSize', label: 'batch' },
  { key: 'keyMetric', label: 'key val metric' },
  { key: 'meanGpuUtil', label: 'GPU util' },
  { key: null, label: 'findings' },
];

export default function RunsTable() {
  const trpc = useTRPC();
  const { get, set } = useUrlState();
  const q = get('q');
  const status = get('status').split(',').filter(Boolean) as (typeof STATUSES)[number][];
  const sortBy = (get('sort', 'startedAt') as SortBy) || 'startedAt';
  const dir = get('dir', 'desc') === 'asc' ? 'asc' : 'desc';
  const [selected, setSelected] = useState<number[]>([]);
  useLive(null);
  const list = useQuery(trpc.runs.list.queryOptions({ q: q || undefined, status: status.length ? status : undefined, sort: { by: sortBy, dir }, limit: 500, offset: 0 }));

  const toggleSort = (k: SortBy) => set({ sort: k, dir: sortBy === k && dir === 'desc' ? 'asc' : 'desc' });
  const total = list.data?.total ?? 0;

  if (list.data && total === 0 && !q && !status.length) {
    return (
      <div className="empty" data-testid="empty">
        <h2>No runs yet</h2>
        <p>
          Point lrscope at a LaMa <code>experiments/</code> folder, a run folder or a whole project and it follows every run live:
        </p>
        <pre>lrscope watch ~/inpainting-lama</pre>
        <p>
          Or read a folder once with <code>lrscope ingest &lt;folder&gt;</code>, or start a simulated job with <code>lrscope demo</code>.
        </p>
      </div>
    );
  }
  return (
    <div>
      <div className="controls">
        <input className="filter" data-testid="runs-filter" placeholder="filter by name, config or path" value={q} onChange={(e) => set({ q: e.target.value || null })} />
        <span className="statuses">
          {STATUSES.map((s) => (
            <label key={s}>
              <input type="checkbox" checked={status.includes(s)} onChange={(e) => set({ status: (e.target.checked ? [...status, s] : status.filter((x) => x !== s)).join(',') || null })} /> {s}
            </label>
          ))}
        </span>
        <span className="spacer" />
        <Link
          className={`button ${selected.length < 2 ? 'disabled' : ''}`}
          data-testid="compare"
          href={selected.length >= 2 ? `/compare?runs=${selected.join(',')}` : '#'}
          aria-disabled={selected.length < 2}
        >
          Compare {selected.length ? `(${selected.length})` : ''}
        </Link>
      </div>
      <table className="runs" data-testid="runs">
        <thead>
          <tr>
            <th />
            {COLUMNS.map((c) => (
              <th key={c.label} className={c.key ? 'sortable' : ''} onClick={() => c.key && toggleSort(c.key)} data-sort={c.key === sortBy ? dir : undefined}>
                {c.label}
                {c.key === sortBy ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {list.data?.rows.map((r) => (
            <tr key={r.id} data-run-id={r.id}>
              <td>
                <input type="checkbox" aria-label={`select ${r.name}`} checked={selected.includes(r.id)} onChange={(e) => setSelected(e.target.checked ? [...selected, r.id] : selected.filter((x) => x !== r.id))} />
              </td>
              <td><StatusBadge status={r.status} /></td>
              <td className="name"><Link href={`/runs/${r.id}`}>{r.name}</Link><div className="muted small">{r.kind}</div></td>
              <td>{r.configName ?? '—'}</td>
              <td>{fmtTime(r.startedAt)}</td>
              <td>{fmtDuration(r.startedAt && r.updatedAt ? r.updatedAt - r.startedAt : null)}</td>
              <td className="num" data-testid="run-step">{r.lastStep ?? '—'}{r.epoch ? <span className="muted"> / {r.epoch.toFixed(1)}</span> : null}</td>
              <td className="num">{fmtNum(r.genLr)}</td>
              <td className="num">{fmtNum(r.discLr)}</td>
              <td className="num">{r.batchSize ?? '—'}</td>
              <td className="num" title={r.keyMetric?.tag}>{r.keyMetric ? fmtNum(r.keyMetric.value) : '—'}</td>
              <td className="num">{r.meanGpuUtil === null ? '—' : `${r.meanGpuUtil.toFixed(0)} %`}</td>
              <td className="findings" data-testid="findings-cell"><FindingCounts c={r.findings} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data ? <p className="muted">{total} run{total === 1 ? '' : 's'}</p> : <p className="muted">Loading…</p>}
    </div>
  );
}
