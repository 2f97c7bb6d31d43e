'use client';
import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_components/trpc';
import { useStartEarly, EARLY } from '@/app/_components/useStartEarly';
import { useUrlState } from '@/app/_components/useUrlState';
import { useLive } from '@/app/_components/useLive';
import LineChart, { type ChartSeries, type LrSeries } from '@/app/_components/LineChart';
import { Controls, readView, zoomParam, type ViewState } from '@/app/_components/Controls';
import { groupTags, isLrTag, PALETTE, type TagGroup } from '@/app/_components/tagGroups';
import { fmtNum, fmtTime, xFormatter, X_LABEL } from '@/app/_components/format';
import { StatusBadge } from '@/app/_components/StatusBadge';
import { FindingsPanel, SEVERITY_SHADE } from '@/app/_components/Findings';
import type { Shade } from '@/app/_components/LineChart';
import type { Finding } from '@/server/analysis/types';

type SeriesOut = { runId: number; tag: string; x: string; segments: { seg: number; x: number[]; y: number[] }[]; nonFinite: unknown[]; total: number };

function toChartSeries(s: SeriesOut, color: string, label = s.tag): ChartSeries {
  return { key: `${s.runId}:${s.tag}`, label, color, segments: s.segments, nonFinite: s.nonFinite.length };
}

function xExtent(series: ChartSeries[]): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) for (const seg of s.segments) if (seg.x.length) {
    min = Math.min(min, seg.x[0]);
    max = Math.max(max, seg.x[seg.x.length - 1]);
  }
  return min <= max ? { min, max } : null;
}

export default function RunView({ id }: { id: number }) {
  const trpc = useTRPC();
  const { get, set } = useUrlState();
  const v = readView(get);
  const tagFilter = get('q');
  useLive([id]);
  const run = useQuery(trpc.runs.get.queryOptions({ id }));
  const tags = useQuery(trpc.runs.tags.queryOptions({ runId: id }));
  const groups = useMemo(() => groupTags((tags.data ?? []).map((t) => t.tag)), [tags.data]);
  const lrTags = groups.find((g) => g.id === 'lr')?.tags ?? [];
  const lrData = useQuery({
    ...trpc.metrics.series.queryOptions({ runIds: [id], tags: lrTags.length ? lrTags : ['-'], x: v.x, maxPoints: 2000 }, EARLY),
    enabled: lrTags.length > 0,
  });

  const findings = useQuery(trpc.findings.list.queryOptions({ runId: id }));
  // loss charts wait for the logged LR they overlay: drawn once, complete, instead of twice (the LR
  // query resolves in its own render, which redrew every chart a second time: ~150 ms of a 12-chart load)
  const waitForLr = v.showLr && lrTags.length > 0 && lrData.isPending;
  const whatIf = get('whatif');

  if (run.error) return <p className="error">{run.error.message}</p>;
  if (!run.data) return <p className="muted">Loading…</p>;
  const r = run.data;
  const stepToX = (step: number): number =>
    v.x === 'epoch' && r.limitTrainBatches && r.limitTrainBatches > 1 ? (step + 1) / r.limitTrainBatches : v.x === 'samples' && r.batchSize ? step * r.batchSize : step;
  const stepAxis = v.x === 'step' || v.x === 'epoch' || v.x === 'samples';
  const shadesFor = (tag: string): Shade[] =>
    stepAxis
      ? (findings.data ?? []).filter((f) => f.metrics.includes(tag)).map((f) => ({ start: stepToX(f.startStep), end: stepToX(f.endStep), color: SEVERITY_SHADE[f.severity], label: f.kind }))
      : [];
  const whatIfSeries = ((): LrSeries | null => {
    const [fi, si] = whatIf.split('.').map(Number);
    const s = findings.data?.[fi]?.suggestions[si];
    if (!s || !stepAxis) return null;
    return { label: `what-if: ${s.scheduler}`, color: '#e8590c', dashed: true, points: s.previewLr.map(([step, lr]) => ({ x: stepToX(step), y: lr })) };
  })();
  const lrFor = (g: TagGroup, extent: { min: number; max: number } | null): LrSeries[] => {
    const base = lrForBase(g, extent);
    return whatIfSeries && g.lrRole === 'gen' ? [...base, whatIfSeries] : base;
  };
  const lrForBase = (g: TagGroup, extent: { min: number; max: number } | null): LrSeries[] => {
    if (lrData.data?.series.length) {
      return lrData.data.series.map((s, i) => ({
        label: s.tag,
        color: i === 0 ? '#495057' : '#868e96',
        points: s.segments.flatMap((seg) => seg.x.map((x, j) => ({ x, y: seg.y[j] }))),
      }));
    }
    const lr = g.lrRole === 'disc' ? r.discLr : g.lrRole === 'gen' ? r.genLr : null;
    if (!lr || !extent) return [];
    // stock LaMa logs no LR: it is the constant from the config, drawn over the run's steps
    return [{ label: `${g.lrRole === 'disc' ? 'D' : 'G'} lr ${lr} (config)`, color: '#495057', points: [{ x: extent.min, y: lr }, { x: extent.max, y: lr }] }];
  };

  return (
    <div className="run-page" data-testid="run-page">
      <header className="run-head">
        <h1>
          <StatusBadge status={r.status} /> {r.name}
        </h1>
        <dl className="facts">
          <div><dt>path</dt><dd title={r.path}>{r.path}</dd></div>
          <div><dt>host</dt><dd>{r.host ?? '—'}</dd></div>
          <div><dt>config</dt><dd>{r.configName ?? '—'}</dd></div>
          <div><dt>lr G / D</dt><dd>{fmtNum(r.genLr)} / {fmtNum(r.discLr)} {r.genOptimizer ? `(${r.genOptimizer})` : ''}</dd></div>
          <div><dt>batch</dt><dd>{r.batchSize ?? '—'}</dd></div>
          <div><dt>steps</dt><dd data-testid="last-step">{r.lastStep ?? '—'}{r.epoch ? ` (epoch ${r.epoch.toFixed(2)})` : ''}</dd></div>
          <div><dt>scheduler</dt><dd>{r.scheduler ? JSON.stringify(r.scheduler) : 'none (constant LR)'}</dd></div>
          <div><dt>updated</dt><dd>{fmtTime(r.updatedAt)}</dd></div>
        </dl>
        {r.statusMessage ? <p className="error">{r.statusMessage}</p> : null}
      </header>
      <Controls v={v} set={set} axes={r.batchSize ? ['step', 'epoch', 'samples', 'relative', 'wall'] : ['step', 'epoch', 'relative', 'wall']} />
      <FindingsPanel findings={(findings.data ?? []) as Finding[]} whatIf={whatIf} onWhatIf={(k) => set({ whatif: k, lr: null })} />
      {groups.filter((g) => g.id !== 'other').map((g) => (
        <MetricGroup key={g.id} runId={id} group={g} v={v} set={set} lrFor={lrFor} shadesFor={shadesFor} waitForLr={waitForLr} whatIf={whatIfSeries} />
      ))}
      {!lrTags.length && r.genLr && stepAxis && r.lastStep !== null ? (
        <ConfigLrChart
          genLr={r.genLr}
          discLr={r.discLr}
          from={stepToX(0)}
          to={stepToX(r.lastStep)}
          whatIf={whatIfSeries}
          v={v}
          set={set}
        />
      ) : null}
      <GpuSection runId={id} v={v} />
      {groups.some((g) => g.id === 'other') ? (
        <section>
          <h2>Other <input className="filter" data-testid="tag-filter" placeholder="filter tags" value={tagFilter} onChange={(e) => set({ q: e.target.value || null })} /></h2>
          <MetricGroup
            runId={id}
            group={{ ...groups.find((g) => g.id === 'other')!, tags: groups.find((g) => g.id === 'other')!.tags.filter((t) => t.toLowerCase().includes(tagFilter.toLowerCase())).slice(0, 24) }}
            v={v}
            set={set}
            lrFor={lrFor}
            shadesFor={shadesFor}
            waitForLr={waitForLr}
            bare
          />
        </section>
      ) : null}
      <ValidationTables runId={id} />
      <ConfigTree config={r.config} overrides={r.overrides} />
      <Samples runId={id} />
      <Errors runId={id} />
    </div>
  );
}

/** The what-if LR as a curve of its own (on an LR chart it shares the LR axis). */
function whatIfCurve(w: LrSeries): ChartSeries {
  return { key: 'what-if', label: w.label, color: w.color, segments: [{ x: w.points.map((p) => p.x), y: w.points.map((p) => p.y) }] };
}

/** Stock LaMa logs no LR: its learning-rate chart is the config's constant LRs, and the what-if beside them. */
function ConfigLrChart({ genLr, discLr, from, to, whatIf, v, set }: {
  genLr: number; discLr: number | null; from: number; to: number; whatIf: LrSeries | null; v: ViewState;
  set: (p: Record<string, string | number | boolean | null | undefined>) => void;
}) {
  const flat = (key: string, label: string, color: string, lr: number): ChartSeries => ({ key, label, color, segments: [{ x: [from, to], y: [lr, lr] }] });
  const series = [flat('g', `generator lr ${genLr} (config)`, PALETTE[0], genLr)];
  if (discLr) series.push(flat('d', `discriminator lr ${discLr} (config)`, PALETTE[1], discLr));
  if (whatIf) series.push(whatIfCurve(whatIf));
  return (
    <section data-testid="group-config-lr">
      <h2>Learning rate</h2>
      <div className="grid">
        <LineChart title="learning rate (config)" series={series} lr={[]} showLr={false} smoothing={0} logY ignoreOutliers={false}
          xLabel={X_LABEL[v.x]} formatX={xFormatter(v.x)} zoom={v.zoom} onZoom={(z) => set({ zoom: zoomParam(z) })} height={200} />
      </div>
    </section>
  );
}

function MetricGroup({ runId, group, v, set, lrFor, shadesFor, waitForLr, whatIf, bare }: {
  runId: number; group: TagGroup; v: ViewState; set: (p: Record<string, string | number | boolean | null | undefined>) => void;
  lrFor: (g: TagGroup, e: { min: number; max: number } | null) => LrSeries[]; shadesFor: (tag: string) => Shade[]; waitForLr?: boolean;
  whatIf?: LrSeries | null; bare?: boolean;
}) {
  const trpc = useTRPC();
  const seriesOptions = {
    ...trpc.metrics.series.queryOptions({ runIds: [runId], tags: group.tags.length ? group.tags : ['-'], x: v.x, range: v.zoom ?? undefined, maxPoints: 2000 }, EARLY),
    enabled: group.tags.length > 0,
  };
  useStartEarly(seriesOptions);
  const q = useQuery(seriesOptions);
  const small = group.id === 'buckets';
  const fmt = xFormatter(v.x);
  const body = (
    <div className={small ? 'grid small' : 'grid'}>
      {group.tags.map((tag, i) => {
        const s = waitForLr && group.id !== 'lr' && !small ? undefined : q.data?.series.find((x) => x.tag === tag);
        const series = s ? [toChartSeries(s, PALETTE[i % PALETTE.length])] : [];
        if (group.id === 'lr' && whatIf && series.length) series.push(whatIfCurve(whatIf));
        const lr = group.id === 'lr' || small ? [] : lrFor(group, xExtent(series));
        return (
          <LineChart
            key={tag}
            title={tag}
            series={series}
            lr={lr}
            showLr={v.showLr && !isLrTag(tag)}
            smoothing={group.id === 'lr' ? 0 : v.smoothing}
            logY={v.logY || group.id === 'lr'}
            ignoreOutliers={v.ignoreOutliers && group.id !== 'lr'}
            xLabel={X_LABEL[v.x]}
            formatX={fmt}
            zoom={v.zoom}
            onZoom={(z) => set({ zoom: zoomParam(z) })}
            shades={shadesFor(tag)}
            height={small ? 150 : 240}
          />
        );
      })}
    </div>
  );
  if (bare) return body;
  return (
    <section data-testid={`group-${group.id}`}>
      <h2>{group.title}</h2>
      {body}
    </section>
  );
}

function GpuSection({ runId, v }: { runId: number; v: ViewState }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.gpu.series.queryOptions({ runIds: [runId], maxPoints: 1500 }));
  const [zoom, setZoom] = useState<{ min: number; max: number } | null>(null);
  if (!q.data?.series.length) return null;
  const metrics: { key: string; title: string }[] = [
    { key: 'util', title: 'GPU utilization (%)' },
    { key: 'memUsedMb', title: 'GPU memory used (MB)' },
    { key: 'powerW', title: 'GPU power (W)' },
    { key: 'tempC', title: 'GPU temperature (°C)' },
  ];
  const timed = q.data.series.every((s) => s.x.length === 0 || s.x[0] > 1e11);
  return (
    <section data-testid="group-gpu">
      <h2>GPU</h2>
      <div className="grid">
        {metrics.map((m) => {
          const series = q.data.series.filter((s) => s.metric === m.key).map((s, i) => ({
            key: `${s.runId}:${s.gpu}:${m.key}`, label: `GPU ${s.gpu}`, color: PALETTE[i % PALETTE.length], segments: [{ x: s.x, y: s.y }],
          }));
          if (!series.length) return null;
          return (
            <LineChart key={m.key} title={m.title} series={series} lr={[]} showLr={false} smoothing={0} logY={false} ignoreOutliers={false}
              xLabel={timed ? 'time' : 'sample'} formatX={timed ? xFormatter('wall') : undefined} zoom={zoom} onZoom={setZoom} height={180} />
          );
        })}
      </div>
      {v.x !== 'wall' ? <p className="hint">GPU samples are drawn on wall-clock time.</p> : null}
    </section>
  );
}

function ValidationTables({ runId }: { runId: number }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.logs.validationTables.queryOptions({ runId }));
  if (!q.data?.length) return null;
  const tables = [...q.data].reverse();
  return (
    <section data-testid="validation-tables">
      <h2>Validation tables (train.log)</h2>
      {tables.map((t) => (
        <details key={`${t.kind}-${t.name}-${t.epoch}-${t.iterations}`} open={t === tables[0]} data-testid="validation-table">
          <summary>
            {t.kind === 'val' ? 'Validation' : t.kind === 'test' ? 'Test' : `Extra val ${t.name}`} metrics after epoch #{t.epoch}, total {t.iterations} iterations
            {t.sanity ? <span className="badge">sanity check</span> : null}
            {t.allNaN ? <span className="badge" data-testid="all-nan">all metrics NaN</span> : null}
          </summary>
          {t.allNaN ? (
            <p className="muted" data-testid="all-nan-note">
              all metrics NaN (LaMa printed an empty table)
              {t.rows.length ? ` for ${t.rows.map((row) => row.label).join(', ')}` : ''}
            </p>
          ) : (
            <table className="vtable">
              <thead>
                <tr><th />{t.columns.map((c, i) => <th key={i}>{i === 0 || t.columns[i - 1].score !== c.score ? c.score : ''}</th>)}</tr>
                <tr><th />{t.columns.map((c, i) => <th key={i} className="muted">{c.stat}</th>)}</tr>
              </thead>
              <tbody>
                {t.rows.map((row) => (
                  <tr key={row.label} className={row.label === 'total' ? 'total' : ''}>
                    <th>{row.label}</th>
                    {row.values.map((val, i) => <td key={i} className="num">{val === null ? 'NaN' : val.toFixed(6)}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </details>
      ))}
    </section>
  );
}

function ConfigTree({ config, overrides }: { config: unknown; overrides: string[] }) {
  const overridden = new Set(overrides.map((o) => o.replace(/^[+~]+/, '').split('=')[0]));
  if (!config || typeof config !== 'object') return null;
  const render = (v: unknown, path: string, key: string): React.ReactNode => {
    const hot = overridden.has(path);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return (
        <details key={path} open={path.split('.').length < 2 || [...overridden].some((o) => o.startsWith(path + '.'))}>
          <summary className={hot ? 'override' : ''}>{key}</summary>
          <div className="tree">{Object.entries(v as Record<string, unknown>).map(([k, c]) => render(c, path ? `${path}.${k}` : k, k))}</div>
        </details>
      );
    }
    return (
      <div key={path} className={hot ? 'leaf override' : 'leaf'} title={hot ? 'set on the command line (Hydra override)' : undefined}>
        <span className="k">{key}:</span> <span className="v">{JSON.stringify(v)}</span>
      </div>
    );
  };
  return (
    <section data-testid="config">
      <h2>Config</h2>
      {overrides.length ? <p>Hydra overrides: {overrides.map((o) => <code key={o} className="override">{o}</code>)}</p> : null}
      <div className="tree">{Object.entries(config as Record<string, unknown>).map(([k, c]) => render(c, k, k))}</div>
    </section>
  );
}

function Samples({ runId }: { runId: number }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.runs.samples.queryOptions({ runId }));
  if (!q.data?.length) return null;
  return (
    <section data-testid="samples">
      <h2>Samples</h2>
      {q.data.slice(0, 12).map((g) => (
        <div key={`${g.epoch}-${g.kind}`} className="samples">
          <div className="muted">epoch {g.epoch} · {g.kind}</div>
          {g.files.map((f) => (
            <a key={f} href={`/api/samples?run=${runId}&path=${encodeURIComponent(f)}`} target="_blank" rel="noreferrer">
              {/* eslint-disable-next-line @next/next/no-img-element */}
              <img src={`/api/samples?run=${runId}&path=${encodeURIComponent(f)}`} alt={f} loading="lazy" />
            </a>
          ))}
        </div>
      ))}
    </section>
  );
}

function Errors({ runId }: { runId: number }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.ingest.errors.queryOptions({ runId }));
  if (!q.data?.length) return null;
  return (
    <section data-testid="errors">
      <h2>Ingest errors</h2>
      <table>
        <thead><tr><th>file</th><th>where</th><th>reason</th></tr></thead>
        <tbody>
          {q.data.map((e) => (
            <tr key={e.id}><td>{e.file}</td><td>{e.line !== null ? `line ${e.line}` : e.offset !== null ? `byte ${e.offset}` : ''}</td><td>{e.reason}</td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
