'use client';
import Link from 'next/link';
import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_components/trpc';
import { useStartEarly, EARLY } from '@/app/_components/useStartEarly';
import { useUrlState } from '@/app/_components/useUrlState';
import { useLive } from '@/app/_components/useLive';
import LineChart, { type ChartSeries, type LrSeries } from '@/app/_components/LineChart';
import { Controls, readView, zoomParam } from '@/app/_components/Controls';
import { differenceLabels, isLrTag, PALETTE } from '@/app/_components/tagGroups';
import { fmtNum, xFormatter, X_LABEL } from '@/app/_components/format';
import { StatusBadge } from '@/app/_components/StatusBadge';

const DEFAULT_TAGS = ['train_gen_l1', 'train_discr_adv', 'val_ssim_fid100_f1_total_mean', 'val_gen_l1'];

export default function CompareView() {
  const trpc = useTRPC();
  const { get, set } = useUrlState();
  const v = readView(get);
  const runIds = useMemo(() => get('runs').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0), [get]);
  useLive(runIds.length ? runIds : null);
  const picked = useQuery(trpc.runs.byIds.queryOptions({ ids: runIds }));
  const runs = useMemo(() => picked.data ?? [], [picked.data]);
  const diff = useQuery({ ...trpc.runs.configDiff.queryOptions({ runIds: runIds.length >= 2 ? runIds : [0, 0] }), enabled: runIds.length >= 2 });
  const summaries = useQuery({ ...trpc.runs.compareSummaries.queryOptions({ runIds: runIds.length ? runIds : [0] }), enabled: runIds.length > 0 });
  const allTags = useMemo(() => [...new Set(runs.flatMap((r) => r.tags))].filter((t) => !t.startsWith('gpu_id: ')).sort(), [runs]);
  const chosen = get('tags') ? get('tags').split(',').filter((t) => allTags.includes(t)) : DEFAULT_TAGS.filter((t) => allTags.includes(t));
  const tags = chosen.length ? chosen : allTags.slice(0, 3);
  const lrTags = allTags.filter(isLrTag);
  const seriesOptions = {
    ...trpc.metrics.series.queryOptions({ runIds: runIds.length ? runIds : [0], tags: [...(tags.length ? tags : ['-']), ...lrTags], x: v.x, range: v.zoom ?? undefined, maxPoints: 2000 }, EARLY),
    enabled: runIds.length > 0 && tags.length > 0,
  };
  useStartEarly(seriesOptions);
  const series = useQuery(seriesOptions);

  if (runIds.length < 2) return <p>Pick two or more runs on the <Link href="/">runs table</Link> and press Compare.</p>;
  const labels = differenceLabels(runs.map((r) => r.name), diff.data?.rows ?? []);
  const labelOf = (id: number) => labels[runs.findIndex((r) => r.id === id)] ?? String(id);
  const colorOf = (id: number) => PALETTE[runIds.indexOf(id) % PALETTE.length];
  const fmt = xFormatter(v.x);

  const lrFor = (tag: string, chartSeries: ChartSeries[]): LrSeries[] => {
    const out: LrSeries[] = [];
    for (const r of runs) {
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

  return (
    <div data-testid="compare-page">
      <h1>Compare {runs.length} runs</h1>
      <div className="legend-chips" data-testid="legend">
        {runs.map((r, i) => (
          <span className="chip" key={r.id}>
            <i style={{ background: colorOf(r.id) }} /> <strong>{labels[i]}</strong> <Link href={`/runs/${r.id}`} className="muted small">{r.name}</Link> <StatusBadge status={r.status} />
          </span>
        ))}
      </div>
      <Controls v={v} set={set} axes={['step', 'epoch', 'samples', 'relative']} />
      <details>
        <summary>Metrics ({tags.length} of {allTags.length})</summary>
        <div className="statuses" data-testid="metric-picker">
          {allTags.map((t) => (
            <label key={t}>
              <input type="checkbox" checked={tags.includes(t)} onChange={(e) => set({ tags: (e.target.checked ? [...tags, t] : tags.filter((x) => x !== t)).join(',') || null })} /> {t}
            </label>
          ))}
        </div>
      </details>
      <div className="grid">
        {tags.map((tag) => {
          const cs: ChartSeries[] = (series.data?.series ?? [])
            .filter((s) => s.tag === tag)
            .map((s) => ({ key: `${s.runId}:${tag}`, label: labelOf(s.runId), color: colorOf(s.runId), segments: s.segments, nonFinite: s.nonFinite.length }));
          return (
            <LineChart key={tag} title={tag} series={cs} lr={lrFor(tag, cs)} showLr={v.showLr && !isLrTag(tag)} smoothing={v.smoothing} logY={v.logY}
              ignoreOutliers={v.ignoreOutliers} xLabel={X_LABEL[v.x]} formatX={fmt} zoom={v.zoom} onZoom={(z) => set({ zoom: zoomParam(z) })} />
          );
        })}
      </div>
      <h2>Summary</h2>
      <table data-testid="summary">
        <thead>
          <tr><th>run</th><th>best checkpoint metric</th><th>at step</th>{summaries.data?.[0]?.lastLosses.map((l) => <th key={l.tag}>{l.tag}</th>)}<th>steps/s</th><th>GPU util</th></tr>
        </thead>
        <tbody>
          {summaries.data?.map((s) => (
            <tr key={s.runId}>
              <td><i style={{ background: colorOf(s.runId), width: 10, height: 10, display: 'inline-block' }} /> {labelOf(s.runId)}</td>
              <td className="num">{s.best ? fmtNum(s.best.value, 5) : '—'}</td>
              <td className="num">{s.best?.step ?? '—'}</td>
              {s.lastLosses.map((l) => <td key={l.tag} className="num">{fmtNum(l.value)}</td>)}
              <td className="num">{s.stepsPerSec ? s.stepsPerSec.toFixed(1) : '—'}</td>
              <td className="num">{s.meanGpuUtil === null ? '—' : `${s.meanGpuUtil.toFixed(0)} %`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Config diff</h2>
      {diff.data?.rows.length ? (
        <table data-testid="config-diff">
          <thead><tr><th>key</th>{runs.map((r) => <th key={r.id}>{labelOf(r.id)}</th>)}</tr></thead>
          <tbody>
            {diff.data.rows.map((row) => (
              <tr key={row.key}><td><code>{row.key}</code></td>{row.values.map((val, i) => <td key={i}>{val === null ? <span className="muted">—</span> : String(val)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted" data-testid="config-diff">The configs do not differ.</p>
      )}
    </div>
  );
}
