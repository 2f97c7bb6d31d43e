'use client';
// The runs table at a lab's scale: sorted, filtered and paged by the server (runs.list answers from the
// summary columns), rendered as a window over a fixed row height (useWindowRows): only the rows in
// view and a few around them are in the DOM, fetched as pages of PAGE rows. View state is in the URL.
import Link from 'next/link';
import { useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { useQueries } from '@tanstack/react-query';
import type { RunRow, RunSort } from '@/server/db/runList';
import { useTRPC } from './trpc';
import { useUrlState } from './useUrlState';
import { useLive } from './useLive';
import { useWindowRows } from './useWindowRows';
import { StatusBadge } from './StatusBadge';
import { fmtDuration, fmtNum, fmtTime } from './format';
import { FindingCounts } from './Findings';
import { KINDS, PAGE, STATUSES, listFilters, readRunsView } from './runsView';
import { DeletedRuns } from './DeletedRuns';
import './runMeta.css';

/** The first page of the view, rendered on the server (page.tsx) so the rows come with the HTML. */
export interface FirstPage {
  /** JSON of listFilters() it answers */
  view: string;
  data: { rows: RunRow[]; total: number };
}
/** every run row is this tall (CSS: table.runs tr.run td), so a row's index gives its position */
export const ROW_H = 44;
/** rows rendered above and below the visible ones */
const OVERSCAN = 12;

// key columns first; widths fit 1280 px, the name takes what is left (truncated, full name on hover)
const COLUMNS: { key: RunSort | null; label: string; width?: number; num?: boolean }[] = [
  { key: 'status', label: 'status', width: 96 },
  { key: 'name', label: 'name' },
  { key: 'keyMetric', label: 'best val metric', width: 130, num: true },
  { key: 'findings', label: 'findings', width: 112 },
  { key: 'lastStep', label: 'step / epoch', width: 118, num: true },
  { key: 'meanGpuUtil', label: 'GPU util', width: 76, num: true },
  { key: 'configName', label: 'config', width: 116 },
  { key: 'genLr', label: 'lr G', width: 66, num: true },
  { key: 'discLr', label: 'lr D', width: 66, num: true },
  { key: 'batchSize', label: 'batch', width: 60, num: true },
  { key: 'startedAt', label: 'started', width: 122 },
];

/** 2026-10-27 20:58 (local time): short and sortable by eye */
function shortTime(ms: number | null): string {
  if (ms === null) return '—';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export default function RunsTable({ initial }: { initial?: FirstPage }) {
  const trpc = useTRPC();
  const { get, set } = useUrlState();
  const { q, status, kind, sortBy, dir, archived } = readRunsView(get);
  const [selected, setSelected] = useState<number[]>([]);
  useLive(null);

  const viewKey = JSON.stringify(listFilters({ q, status, kind, sortBy, dir, archived }));
  const filters = useMemo(() => JSON.parse(viewKey) as ReturnType<typeof listFilters>, [viewKey]);

  const body = useRef<HTMLTableSectionElement>(null);
  const controls = useRef<HTMLDivElement>(null);
  const [headTop, setHeadTop] = useState(0);
  useEffect(() => {
    const el = controls.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeadTop(el.offsetHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // the total of the latest answer for this view (kept while the next one loads)
  const totalRef = useRef<{ key: string; total: number } | null>(null);
  const win = useWindowRows(body, ROW_H, OVERSCAN, [totalRef.current?.total, viewKey]);
  const knownTotal = totalRef.current?.total ?? null;
  const firstPage = Math.floor(win.first / PAGE);
  const lastPage = Math.max(firstPage, Math.floor((Math.min(win.last, knownTotal ?? win.last) - 1) / PAGE));
  const pageNos = Array.from({ length: lastPage - firstPage + 1 }, (_, i) => firstPage + i);
  const pages = useQueries({
    queries: pageNos.map((p) => ({
      ...trpc.runs.list.queryOptions({ ...filters, offset: p * PAGE, limit: PAGE }),
      // another page's rows are no placeholder for this one (the default keeps the previous data)
      placeholderData: undefined,
      initialData: p === 0 && initial?.view === viewKey ? initial.data : undefined,
    })),
  });
  // rows shown per page number: this view's, else the previous view's until this one arrives
  const shown = useRef(new Map<number, RunRow[]>());
  pages.forEach((pg, i) => {
    if (!pg.data) return;
    shown.current.set(pageNos[i], pg.data.rows);
    totalRef.current = { key: viewKey, total: pg.data.total };
  });
  const total = totalRef.current?.total ?? null;
  const fresh = totalRef.current?.key === viewKey;

  // a new sort or filter starts at the top of the table
  const lastView = useRef(viewKey);
  useEffect(() => {
    if (lastView.current === viewKey) return;
    lastView.current = viewKey;
    const top = body.current?.getBoundingClientRect().top;
    if (top !== undefined && top < headTop) window.scrollBy(0, top - headTop - 30);
  }, [viewKey, headTop]);

  const toggleSort = (k: RunSort) => set({ sort: k, dir: sortBy === k && dir === 'desc' ? 'asc' : 'desc' });

  if (total === 0 && fresh && !q && !status.length && !kind && !archived) {
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

  const end = Math.min(win.last, total ?? 0);
  const start = Math.min(win.first, end);
  const rows: ReactElement[] = [];
  const used = new Set<number>();
  for (let i = start; i < end; i++) {
    const p = Math.floor(i / PAGE);
    const r = shown.current.get(p)?.[i - p * PAGE];
    if (!r) {
      rows.push(
        <tr key={`loading-${i}`} className="run loading">
          <td colSpan={COLUMNS.length + 1} className="muted">…</td>
        </tr>,
      );
      continue;
    }
    const key = used.has(r.id) ? `${r.id}:${i}` : r.id; // a run that moved pages between two fetches
    used.add(r.id);
    rows.push(
      <Row
        key={key}
        r={r}
        index={i}
        selected={selected.includes(r.id)}
        onSelect={(on) => setSelected((s) => (on ? [...s, r.id] : s.filter((x) => x !== r.id)))}
      />,
    );
  }

  return (
    <div>
      <div className="controls" ref={controls}>
        <input className="filter" data-testid="runs-filter" placeholder="filter by name, alias, tag, notes, config or path" value={q} onChange={(e) => set({ q: e.target.value || null })} />
        <span className="statuses">
          {STATUSES.map((s) => (
            <label key={s}>
              <input type="checkbox" checked={status.includes(s)} onChange={(e) => set({ status: (e.target.checked ? [...status, s] : status.filter((x) => x !== s)).join(',') || null })} /> {s}
            </label>
          ))}
        </span>
        <select data-testid="runs-kind" value={kind ?? ''} onChange={(e) => set({ kind: e.target.value || null })} aria-label="kind">
          <option value="">every kind</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>{k}</option>
          ))}
        </select>
        <label className="small" title="archived runs are hidden unless this is ticked">
          <input type="checkbox" data-testid="show-archived" checked={archived} onChange={(e) => set({ archived: e.target.checked ? '1' : null })} /> show archived
        </label>
        <DeletedRuns />
        <span className="spacer" />
        <span className="muted" data-testid="runs-count">
          {total === null ? 'Loading…' : `${total} run${total === 1 ? '' : 's'}`}
        </span>
        <Link
          className={`button ${selected.length < 2 ? 'disabled' : ''}`}
          data-testid="compare"
          href={selected.length >= 2 ? `/compare?runs=${selected.join(',')}` : '#'}
          aria-disabled={selected.length < 2}
        >
          Compare {selected.length ? `(${selected.length})` : ''}
        </Link>
      </div>
      <table className="runs" data-testid="runs" data-total={total ?? undefined}>
        <colgroup>
          <col style={{ width: 30 }} />
          {COLUMNS.map((c) => (
            <col key={c.label} style={c.width ? { width: c.width } : undefined} />
          ))}
        </colgroup>
        <thead>
          <tr>
            <th style={{ top: headTop }} />
            {COLUMNS.map((c) => (
              <th
                key={c.label}
                style={{ top: headTop }}
                className={`${c.key ? 'sortable' : ''} ${c.num ? 'num' : ''}`}
                onClick={() => c.key && toggleSort(c.key)}
                data-sort={c.key === sortBy ? dir : undefined}
              >
                {c.label}
                {c.key === sortBy ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody ref={body}>
          {start > 0 ? (
            <tr className="spacer" aria-hidden style={{ height: start * ROW_H }}>
              <td colSpan={COLUMNS.length + 1} />
            </tr>
          ) : null}
          {rows}
          {total !== null && end < total ? (
            <tr className="spacer" aria-hidden style={{ height: (total - end) * ROW_H }}>
              <td colSpan={COLUMNS.length + 1} />
            </tr>
          ) : null}
        </tbody>
      </table>
      {total === 0 ? <p className="muted">No runs match.</p> : null}
    </div>
  );
}

function Row({ r, index, selected, onSelect }: { r: RunRow; index: number; selected: boolean; onSelect: (on: boolean) => void }) {
  const k = r.keyMetric;
  const duration = r.startedAt && r.updatedAt ? r.updatedAt - r.startedAt : null;
  return (
    <tr className="run" data-run-id={r.id} data-index={index}>
      <td>
        <input type="checkbox" aria-label={`select ${r.name}`} checked={selected} onChange={(e) => onSelect(e.target.checked)} />
      </td>
      <td><StatusBadge status={r.status} /></td>
      <td className="name" title={r.path}>
        <div className="l1">
          {r.alias ? <strong className="run-alias" data-testid="row-alias">{r.alias} </strong> : null}
          <Link href={`/runs/${r.id}`} title={r.name} prefetch={false}>{r.name}</Link>
          {r.host ? <span className="muted small" data-testid="row-host" title="host"> @{r.host}</span> : null}
        </div>
        <div className="l2 muted small">
          {r.archivedAt ? <span className="user-tag archived" data-testid="row-archived">archived</span> : null}
          {r.userTags.map((t) => (
            <span key={t} className="user-tag" data-testid="row-tag">{t}</span>
          ))}
          {r.notes ? <span className="row-notes" title={r.notes} data-testid="row-notes">✎ {r.notes}</span> : null}
          {r.notes || r.userTags.length ? null : <>{r.kind} · {r.path}</>}
        </div>
      </td>
      <td className="num" title={k ? `best (${k.mode}) ${k.tag}${k.step !== null ? ` at step ${k.step}` : ''}` : 'no checkpoint metric logged'}>
        <div className="l1">{k ? fmtNum(k.value) : '—'}</div>
        {k ? <div className="l2 muted small">{k.step !== null ? `@${k.step} · ` : ''}{k.tag}</div> : null}
      </td>
      <td className="findings" data-testid="findings-cell">
        <div className="l1"><FindingCounts c={r.findings} /></div>
        {r.findings.kinds.length ? (
          <div className="l2 small kinds" title={r.findings.kinds.join(', ')}>
            {r.findings.kinds.map((x) => (
              <Link key={x} href={`/runs/${r.id}#findings`} className="kind" prefetch={false}>{x.replace(/_/g, ' ')}</Link>
            ))}
          </div>
        ) : null}
      </td>
      <td className="num" data-testid="run-step">{r.lastStep ?? '—'}{r.epoch ? <span className="muted"> / {r.epoch.toFixed(1)}</span> : null}</td>
      <td className="num">{r.meanGpuUtil === null ? '—' : `${r.meanGpuUtil.toFixed(0)} %`}</td>
      <td title={r.configName ?? undefined}>{r.configName ?? '—'}</td>
      <td className="num">{fmtNum(r.genLr)}</td>
      <td className="num">{fmtNum(r.discLr)}</td>
      <td className="num">{r.batchSize ?? '—'}</td>
      <td title={r.startedAt ? fmtTime(r.startedAt) : undefined}>
        <div className="l1">{shortTime(r.startedAt)}</div>
        <div className="l2 muted small">{duration !== null ? fmtDuration(duration) : '—'}</div>
      </td>
    </tr>
  );
}
