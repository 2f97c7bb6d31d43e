'use client';
// Runs compared: one chart per picked metric with every run overlaid, labelled by what differs between
// them (runs.configDiff resolves the configs and builds the labels), coloured by run (palette.ts), a
// legend that hides or isolates runs, a searchable metric picker, a summary row per run keyed by tag,
// and the config keys that differ. Everything is in the URL: runs, tags, hide, lr, x, zoom….
import Link from 'next/link';
import { useMemo, useState, type MouseEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_components/trpc';
import { useStartEarly, EARLY } from '@/app/_components/useStartEarly';
import { useUrlState } from '@/app/_components/useUrlState';
import { useLive } from '@/app/_components/useLive';
import LineChart, { type ChartSeries, type LrSeries } from '@/app/_components/LineChart';
import { Controls, readView, zoomParam } from '@/app/_components/Controls';
import { isLrTag } from '@/app/_components/tagGroups';
import { fmtNum, xFormatter, X_LABEL } from '@/app/_components/format';
import { StatusBadge } from '@/app/_components/StatusBadge';
import { runColors } from './palette';
import './compare.css';

const DEFAULT_TAGS = ['train_gen_l1', 'train_discr_adv', 'val_ssim_fid100_f1_total_mean', 'val_gen_l1'];
/** matches listed at once in the picker (the search narrows them) */
const PICKER_LIST = 200;

const idList = (s: string) => [...new Set(s.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0))];

/** A search typed in the picker: /regex/ (case-insensitive) or a substring; null when the regex is bad. */
export function tagMatcher(text: string): ((tag: string) => boolean) | null {
  const t = text.trim();
  if (!t) return () => true;
  const re = /^\/(.+)\/$/.exec(t);
  if (re) {
    try {
      const r = new RegExp(re[1], 'i');
      return (tag) => r.test(tag);
    } catch {
      return null;
    }
  }
  const low = t.toLowerCase();
  return (tag) => tag.toLowerCase().includes(low);
}

export default function CompareView() {
  const trpc = useTRPC();
  const { get, set } = useUrlState();
  // the LR overlay is off here unless asked for (lr=1): with many runs it doubles the legend
  const v = { ...readView(get), showLr: get('lr') === '1' };
  const setView = (patch: Record<string, string | number | boolean | null | undefined>) =>
    set('lr' in patch ? { ...patch, lr: patch.lr === null ? '1' : null } : patch);
  const runIds = useMemo(() => idList(get('runs')), [get]);
  const hidden = useMemo(() => new Set(idList(get('hide'))), [get]);
  useLive(runIds.length ? runIds : null);
  const picked = useQuery(trpc.runs.byIds.queryOptions({ ids: runIds }));
  const runs = useMemo(() => picked.data ?? [], [picked.data]);
  const diff = useQuery({ ...trpc.runs.configDiff.queryOptions({ runIds: runIds.length >= 2 ? runIds : [0, 0] }), enabled: runIds.length >= 2 });
  const summaries = useQuery({ ...trpc.runs.compareSummaries.queryOptions({ runIds: runIds.length ? runIds : [0] }), enabled: runIds.length > 0 });
  const allTags = useMemo(() => [...new Set(runs.flatMap((r) => r.tags))].filter((t) => !t.startsWith('gpu_id: ')).sort(), [runs]);
  const chosen = get('tags') ? get('tags').split(',').filter((t) => allTags.includes(t)) : DEFAULT_TAGS.filter((t) => allTags.includes(t));
  const tags = chosen.length ? chosen : allTags.slice(0, 3);
  const lrTags = v.showLr ? allTags.filter(isLrTag) : [];
  const seriesOptions = {
    ...trpc.metrics.series.queryOptions({ runIds: runIds.length ? runIds : [0], tags: [...(tags.length ? tags : ['-']), ...lrTags], x: v.x, range: v.zoom ?? undefined, maxPoints: 2000 }, EARLY),
    enabled: runIds.length > 0 && tags.length > 0,
  };
  useStartEarly(seriesOptions);
  const series = useQuery(seriesOptions);
  const colors = useMemo(() => runColors(runIds), [runIds]);

  if (runIds.length < 2) return <p>Pick two or more runs on the <Link href="/">runs table</Link> and press Compare.</p>;
  const labelById = new Map<number, string>();
  diff.data?.runIds.forEach((id, i) => labelById.set(id, diff.data!.labels[i]));
  const labelOf = (id: number) => labelById.get(id) ?? runs.find((r) => r.id === id)?.alias ?? runs.find((r) => r.id === id)?.name ?? `#${id}`;
  const colorOf = (id: number) => colors.get(id) ?? '#888888';
  const fmt = xFormatter(v.x);
  const shown = (id: number) => !hidden.has(id);

  const onLegend = (id: number, e: MouseEvent) => {
    const others = runs.map((r) => r.id).filter((x) => x !== id);
    let next: number[];
    if (e.altKey || e.shiftKey) {
      // isolate: only this run; the same again shows every run
      const isolated = !hidden.has(id) && others.every((x) => hidden.has(x));
      next = isolated ? [] : others;
    } else next = hidden.has(id) ? [...hidden].filter((x) => x !== id) : [...hidden, id];
    set({ hide: next.length ? next.join(',') : null });
  };

  const lrFor = (tag: string, chartSeries: ChartSeries[]): LrSeries[] => {
    const out: LrSeries[] = [];
    for (const r of runs) {
      if (!shown(r.id)) continue;
      const logged = series.data?.series.filter((s) => s.runId === r.id && isLrTag(s.tag)) ?? [];
      if (logged.length) {
        for (const s of logged) out.push({ label: `${labelOf(r.id)} ${s.tag}`, color: colorOf(r.id), points: s.segments.flatMap((seg) => seg.x.map((x, j) => ({ x, y: seg.y[j] }))) });
        continue;
      }
      const lr = /discr/.test(tag) ? r.discLr : r.genLr;
      const mine = chartSeries.find((c) => c.key.startsWith(`${r.id}:`));
      const xs = mine?.segments.flatMap((s) => s.x) ?? [];
      if (lr && xs.length) out.push({ label: `${labelOf(r.id)} lr ${lr}`, color: colorOf(r.id), points: [{ x: xs[0], y: lr }, { x: xs[xs.length - 1], y: lr }] });
    }
    return out;
  };

  // the summary's loss columns: every tag any run has, each value under its own tag's header
  const lossTags = [...new Set((summaries.data ?? []).flatMap((s) => s.lastLosses.map((l) => l.tag)))].sort();
  const bestTags = [...new Set(runs.flatMap((r) => (r.keyMetric ? [r.keyMetric.tag] : [])))];

  return (
    <div data-testid="compare-page" className="compare">
      <h1>Compare {runs.length} runs</h1>
      <div className="legend-chips cmp-legend" data-testid="legend" role="group" aria-label="runs">
        {runs.map((r) => (
          <span className={`chip cmp-run ${shown(r.id) ? '' : 'off'}`} key={r.id} data-run-id={r.id} data-hidden={shown(r.id) ? undefined : 'true'}>
            <button type="button" className="cmp-toggle" data-testid="legend-entry" aria-pressed={shown(r.id)} onClick={(e) => onLegend(r.id, e)}
              title={`${shown(r.id) ? 'hide' : 'show'} this run; shift- or alt-click: show it alone`}>
              <i style={{ background: colorOf(r.id) }} data-color={colorOf(r.id)} /> <strong data-testid="run-label">{labelOf(r.id)}</strong>
            </button>
            <Link href={`/runs/${r.id}`} className="muted small cmp-name" title={r.name}>{r.name}</Link> <StatusBadge status={r.status} />
          </span>
        ))}
      </div>
      <p className="muted small cmp-hint" data-testid="legend-hint">
        Click a run to hide or show it; shift- or alt-click shows it alone (again: all runs).{hidden.size ? ' ' : ''}
        {hidden.size ? <button type="button" className="linklike" onClick={() => set({ hide: null })}>Show all</button> : null}
      </p>
      <Controls v={v} set={setView} axes={['step', 'epoch', 'samples', 'relative']} />
      <MetricPicker allTags={allTags} tags={tags} onChange={(next) => set({ tags: next.join(',') || null })} />
      <div className="grid">
        {tags.map((tag) => {
          const cs: ChartSeries[] = (series.data?.series ?? [])
            .filter((s) => s.tag === tag && shown(s.runId))
            .map((s) => ({ key: `${s.runId}:${tag}`, label: labelOf(s.runId), color: colorOf(s.runId), segments: s.segments, nonFinite: s.nonFinite.length }));
          return (
            <LineChart key={tag} title={tag} series={cs} lr={v.showLr ? lrFor(tag, cs) : []} showLr={v.showLr && !isLrTag(tag)} smoothing={v.smoothing} logY={v.logY}
              ignoreOutliers={v.ignoreOutliers} xLabel={X_LABEL[v.x]} formatX={fmt} zoom={v.zoom} onZoom={(z) => set({ zoom: zoomParam(z) })} />
          );
        })}
      </div>
      <h2>Summary</h2>
      <div className="cmp-scroll">
        <table data-testid="summary" className="cmp-summary">
          <thead>
            <tr>
              <th>run</th>
              <th data-tag="best" title="the checkpoint metric's best value">best {bestTags.length === 1 ? <code>{bestTags[0]}</code> : 'checkpoint metric'}</th>
              <th>at step</th>
              {lossTags.map((t) => <th key={t} data-tag={t}>last {t}</th>)}
              <th>steps/s</th>
              <th>GPU util</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => {
              const s = summaries.data?.find((x) => x.runId === r.id);
              const k = r.keyMetric;
              return (
                <tr key={r.id} data-run-id={r.id} className={shown(r.id) ? '' : 'off'}>
                  <td><i className="swatch" style={{ background: colorOf(r.id) }} /> {labelOf(r.id)}</td>
                  <td className="num" data-tag="best" title={k ? `${k.tag} (${k.mode})` : 'no checkpoint metric logged'}>
                    {k?.value != null ? fmtNum(k.value, 5) : '—'}{k && bestTags.length > 1 ? <span className="muted small"> {k.tag}</span> : null}
                  </td>
                  <td className="num">{k?.step ?? '—'}</td>
                  {lossTags.map((t) => {
                    const l = s?.lastLosses.find((x) => x.tag === t);
                    return <td key={t} className="num" data-tag={t}>{l ? fmtNum(l.value) : <span className="muted">—</span>}</td>;
                  })}
                  <td className="num">{s?.stepsPerSec ? s.stepsPerSec.toFixed(1) : '—'}</td>
                  <td className="num">{s?.meanGpuUtil == null ? '—' : `${s.meanGpuUtil.toFixed(0)} %`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h2>Config diff</h2>
      {diff.data?.rows.length ? (
        <div className="cmp-scroll">
          <table data-testid="config-diff">
            <thead><tr><th>key</th>{diff.data.runIds.map((id) => <th key={id}>{labelOf(id)}</th>)}</tr></thead>
            <tbody>
              {diff.data.rows.map((row) => (
                <tr key={row.key}><td><code>{row.key}</code></td>{row.values.map((val, i) => <td key={i}>{val === null ? <span className="muted">—</span> : String(val)}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted" data-testid="config-diff">The configs do not differ.</p>
      )}
    </div>
  );
}

/** The picked metrics as removable chips, and a search (substring or /regex/) over every tag to add more. */
function MetricPicker({ allTags, tags, onChange }: { allTags: string[]; tags: string[]; onChange: (tags: string[]) => void }) {
  const [q, setQ] = useState('');
  const match = tagMatcher(q);
  const found = match ? allTags.filter(match) : [];
  const addable = found.filter((t) => !tags.includes(t));
  return (
    <section className="cmp-picker" data-testid="metric-picker">
      <div className="cmp-picked">
        <span className="muted small">Metrics ({tags.length} of {allTags.length}):</span>
        {tags.map((t) => (
          <span key={t} className="chip cmp-tag" data-testid="picked-metric">
            {t}
            <button type="button" aria-label={`remove ${t}`} onClick={() => onChange(tags.filter((x) => x !== t))}>×</button>
          </span>
        ))}
      </div>
      <input
        type="search"
        className="filter"
        data-testid="metric-search"
        placeholder={`search ${allTags.length} metrics (text or /regex/)`}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        aria-invalid={match === null}
      />
      {match === null ? <span className="small bad"> not a valid regular expression</span> : null}
      {q.trim() ? (
        <div className="cmp-matches">
          <div className="small muted">
            {found.length} match{found.length === 1 ? '' : 'es'}
            {found.length > PICKER_LIST ? `, first ${PICKER_LIST} shown` : ''}
            {addable.length ? (
              <> · <button type="button" className="linklike" data-testid="add-all" onClick={() => onChange([...tags, ...addable])}>add all {addable.length}</button></>
            ) : null}
          </div>
          {found.slice(0, PICKER_LIST).map((t) => (
            <label key={t} className="cmp-option">
              <input type="checkbox" checked={tags.includes(t)} onChange={(e) => onChange(e.target.checked ? [...tags, t] : tags.filter((x) => x !== t))} /> {t}
            </label>
          ))}
        </div>
      ) : null}
    </section>
  );
}
