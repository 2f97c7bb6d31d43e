'use client';
// The run page: every chart of a run, grouped as LaMa users read them, findable (a tag search over all
// charts, a jump list with each group's count, pinned charts on top), and fast with 100 charts: a chart
// is built when it comes near the viewport and redraws only while it is on screen. Search, collapsed
// groups and pins are in the URL and remembered in localStorage for the next visit.
import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';
import { useTRPC } from '@/app/_components/trpc';
import { EARLY, useStartEarly } from '@/app/_components/useStartEarly';
import { useUrlState } from '@/app/_components/useUrlState';
import { useLive } from '@/app/_components/useLive';
import LineChart, { type ChartSeries, type LrSeries } from '@/app/_components/LineChart';
import { Controls, readView, zoomParam, type ViewState } from '@/app/_components/Controls';
import { groupTags, isLrTag, nanExpected, tagMatcher, PALETTE, type TagGroup } from '@/app/_components/tagGroups';
import { fmtNum, fmtTime, xFormatter, X_LABEL } from '@/app/_components/format';
import { StatusBadge } from '@/app/_components/StatusBadge';
import { FindingsPanel, SEVERITY_SHADE } from '@/app/_components/Findings';
import type { Shade } from '@/app/_components/LineChart';
import type { Finding } from '@/server/analysis/types';
import { LazySlot } from './LazySlot';
import { NoRun } from './NoRun';
import RunMeta from '@/app/_components/RunMeta';

type Outputs = inferRouterOutputs<AppRouter>;
export type RunInitial = { run: Outputs['runs']['get']; tags: Outputs['runs']['tags'] };
type SeriesOut = { runId: number; tag: string; x: string; segments: { seg: number; x: number[]; y: number[] }[]; nonFinite: { value: string }[]; total: number };
type SetFn = (p: Record<string, string | number | boolean | null | undefined>) => void;

function toChartSeries(s: SeriesOut, color: string, label = s.tag): ChartSeries {
  // LaMa's NaN-by-rule tags (FID / std of a one-image bucket): their NaNs are expected, Inf is not
  const expected = nanExpected(s.tag) ? s.nonFinite.filter((n) => n.value === 'NaN').length : 0;
  return { key: `${s.runId}:${s.tag}`, label, color, segments: s.segments, nonFinite: s.nonFinite.length - expected, expectedNaN: expected };
}

function xExtent(series: ChartSeries[]): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) for (const seg of s.segments) if (seg.x.length) {
    min = Math.min(min, seg.x[0]);
    max = Math.max(max, seg.x[seg.x.length - 1]);
  }
  return min < max ? { min, max } : null;
}

/** Page state remembered for the next visit (keys of the URL). */
const REMEMBERED = ['q', 're', 'fold', 'pin'] as const;
const STORE_KEY = 'lrscope.runPage';
const list = (s: string): string[] => (s ? s.split(',').filter(Boolean) : []);

function readStore(): Partial<Record<(typeof REMEMBERED)[number], string>> {
  try {
    const v = JSON.parse(window.localStorage.getItem(STORE_KEY) ?? 'null') as unknown;
    return v && typeof v === 'object' ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** What the URL does not say comes from the last visit (localStorage); what the page shows is saved back. */
function useRemembered(get: (k: string) => string, set: SetFn): void {
  useEffect(() => {
    const url = new URLSearchParams(window.location.search);
    const saved = readStore();
    const patch: Record<string, string> = {};
    for (const k of REMEMBERED) if (!url.has(k) && saved[k]) patch[k] = saved[k]!;
    if (Object.keys(patch).length) set(patch);
    // once, when the page opens
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const values = REMEMBERED.map((k) => get(k));
  const key = values.join('\u0000');
  useEffect(() => {
    // (the first render's empty values are written after the restore above has read the stored ones)
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(Object.fromEntries(REMEMBERED.map((k, i) => [k, values[i]]))));
    } catch {
      // storage full or disabled: the URL still holds the state
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
}

interface Section {
  id: string;
  title: string;
  /** charts of the group matching the search (pinned ones excluded: they are on top) */
  tags: string[];
  total: number;
  group: TagGroup | null;
}

export default function RunView({ id, initial }: { id: number; initial?: RunInitial }) {
  const trpc = useTRPC();
  const { get, set } = useUrlState();
  const v = readView(get);
  const query = get('q');
  const regex = get('re') === '1';
  const folded = useMemo(() => new Set(list(get('fold'))), [get]);
  const pins = useMemo(() => list(get('pin')), [get]);
  useRemembered(get, set);
  const deferredQuery = useDeferredValue(query);
  useLive([id]);
  const run = useQuery({ ...trpc.runs.get.queryOptions({ id }), initialData: initial?.run, retry: false });
  const tags = useQuery({ ...trpc.runs.tags.queryOptions({ runId: id }), initialData: initial?.tags });
  const allTags = useMemo(() => (tags.data ?? []).map((t) => t.tag), [tags.data]);
  const groups = useMemo(() => groupTags(allTags), [allTags]);
  const lrTags = groups.find((g) => g.id === 'lr')?.tags ?? [];
  const lrData = useQuery({
    ...trpc.metrics.series.queryOptions({ runIds: [id], tags: lrTags.length ? lrTags : ['-'], x: v.x, maxPoints: 2000 }, EARLY),
    enabled: lrTags.length > 0,
  });
  const gpu = useQuery(trpc.gpu.series.queryOptions({ runIds: [id], maxPoints: 1500 }));

  const findings = useQuery(trpc.findings.list.queryOptions({ runId: id }));
  // loss charts wait for the logged LR they overlay: drawn once, complete, instead of twice
  const waitForLr = v.showLr && lrTags.length > 0 && lrData.isPending;
  const whatIf = get('whatif');

  const matcher = useMemo(() => tagMatcher(deferredQuery, regex), [deferredQuery, regex]);
  const present = useMemo(() => new Set(allTags), [allTags]);
  const pinned = pins.filter((t) => present.has(t));
  const sections: Section[] = useMemo(() => {
    const pinSet = new Set(pins);
    return groups.map((g) => ({ id: g.id, title: g.title, group: g, total: g.tags.length, tags: g.tags.filter((t) => !pinSet.has(t) && matcher.test(t)) }));
  }, [groups, pins, matcher]);
  const chartTotal = groups.reduce((n, g) => n + g.tags.length, 0);
  const matching = sections.reduce((n, s) => n + s.tags.length, 0) + pinned.length;

  if (run.error) return <NoRun id={String(id)} why={run.error.message} />;
  if (!run.data) return <p className="muted">Loading…</p>;
  const r = run.data;
  const stepToX = (step: number): number =>
    v.x === 'epoch' && r.stepsPerEpoch ? (step + 1) / r.stepsPerEpoch : v.x === 'samples' && r.batchSize ? step * r.batchSize : step;
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
  const lrForBase = (g: TagGroup, extent: { min: number; max: number } | null): LrSeries[] => {
    if (!extent) return [];
    if (lrData.data?.series.length) {
      return lrData.data.series.map((s, i) => ({
        label: s.tag,
        color: i === 0 ? '#495057' : '#868e96',
        points: s.segments.flatMap((seg) => seg.x.map((x, j) => ({ x, y: seg.y[j] }))),
      }));
    }
    const lr = g.lrRole === 'disc' ? r.discLr : g.lrRole === 'gen' ? r.genLr : null;
    if (!lr) return [];
    // stock LaMa logs no LR: it is the constant from the config, drawn over the run's steps
    return [{ label: `${g.lrRole === 'disc' ? 'D' : 'G'} lr ${lr} (config)`, color: '#495057', points: [{ x: extent.min, y: lr }, { x: extent.max, y: lr }] }];
  };
  const lrFor = (g: TagGroup, extent: { min: number; max: number } | null): LrSeries[] => {
    const base = lrForBase(g, extent);
    return whatIfSeries && g.lrRole === 'gen' && extent ? [...base, whatIfSeries] : base;
  };
  const togglePin = (tag: string) => set({ pin: (pins.includes(tag) ? pins.filter((t) => t !== tag) : [...pins, tag]).join(',') || null });
  const setFold = (gid: string, fold: boolean) => {
    const next = new Set(folded);
    if (fold) next.add(gid);
    else next.delete(gid);
    set({ fold: [...next].join(',') || null });
  };
  const groupOf = (tag: string): TagGroup => groups.find((g) => g.tags.includes(tag)) ?? { id: 'other', title: 'Other', tags: [tag], lrRole: 'gen' };
  const chartProps: Omit<ChartArgs, 'tag' | 'group' | 'index'> = {
    runId: id, runName: r.name, v, set, lrFor, shadesFor, waitForLr, whatIf: whatIfSeries, pinned: false, onPin: togglePin,
  };
  const configLr = !lrTags.length && r.genLr && stepAxis && r.lastStep !== null && matcher.test('learning rate (config)');
  const gpuShown = !!gpu.data?.series.length;

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
        <RunMeta runId={id} />
      </header>
      <Controls v={v} set={set} axes={r.batchSize ? ['step', 'epoch', 'samples', 'relative', 'wall'] : ['step', 'epoch', 'relative', 'wall']}>
        <span className="search">
          <input
            className="filter"
            type="search"
            data-testid="tag-search"
            placeholder={`search ${chartTotal} charts (text or /regex/)`}
            aria-label="search charts by tag"
            value={query}
            onChange={(e) => set({ q: e.target.value || null })}
          />
          <label title="treat the search as a regular expression"><input type="checkbox" data-testid="tag-regex" checked={regex} onChange={(e) => set({ re: e.target.checked ? '1' : null })} /> regex</label>
          {matcher.active ? (
            <span className="muted" data-testid="search-count">
              {matching} of {chartTotal} charts match <button type="button" className="link" onClick={() => set({ q: null })}>clear</button>
            </span>
          ) : null}
          {matcher.error ? <span className="error small">{matcher.error}</span> : null}
        </span>
      </Controls>
      <div className="run-layout">
        <nav className="jump" data-testid="jump-list" aria-label="chart groups">
          {pinned.length ? <a href="#g-pinned">Pinned <span className="count">{pinned.length}</span></a> : null}
          <a href="#g-findings">Diagnosis</a>
          {sections.map((s) => (
            <a
              key={s.id}
              href={`#g-${s.id}`}
              data-group={s.id}
              className={folded.has(s.id) ? 'folded' : s.tags.length ? '' : 'none'}
              onClick={(e) => {
                // scrolled to without a hash in the URL (the page's state is in its query); a folded group opens
                e.preventDefault();
                if (folded.has(s.id)) setFold(s.id, false);
                document.getElementById(`g-${s.id}`)?.scrollIntoView({ block: 'start' });
              }}
            >
              {s.title} <span className="count">{matcher.active ? `${s.tags.length}/${s.total}` : s.total}</span>
            </a>
          ))}
          {gpuShown ? <a href="#g-gpu">GPU</a> : null}
          <a href="#g-config">Config</a>
        </nav>
        <div className="run-main">
          {pinned.length ? (
            <section id="g-pinned" data-testid="group-pinned">
              <h2>Pinned <span className="muted small">{pinned.length}</span></h2>
              <div className="grid">
                {pinned.map((tag) => {
                  const g = groupOf(tag);
                  return <RunChart key={tag} {...chartProps} tag={tag} group={g} index={g.tags.indexOf(tag)} pinned />;
                })}
              </div>
            </section>
          ) : null}
          <div id="g-findings">
            <FindingsPanel findings={(findings.data ?? []) as Finding[]} whatIf={whatIf} onWhatIf={(k) => set({ whatif: k, lr: null })} />
          </div>
          {matcher.active && matching === 0 ? <p className="muted" data-testid="no-match">No chart matches “{deferredQuery}”.</p> : null}
          {sections.map((s) =>
            s.group!.id === 'other' ? null : (
              <MetricGroup key={s.id} section={s} folded={folded.has(s.id)} onFold={(f) => setFold(s.id, f)} searching={matcher.active} chart={chartProps} />
            ),
          )}
          {configLr ? (
            <ConfigLrChart genLr={r.genLr!} discLr={r.discLr} from={stepToX(0)} to={stepToX(r.lastStep!)} whatIf={whatIfSeries} v={v} set={set} runName={r.name} />
          ) : null}
          {gpuShown ? <GpuSection runId={id} runName={r.name} v={v} matches={matcher.test} /> : null}
          {sections.filter((s) => s.group!.id === 'other').map((s) => (
            <MetricGroup key={s.id} section={s} folded={folded.has(s.id)} onFold={(f) => setFold(s.id, f)} searching={matcher.active} chart={chartProps} />
          ))}
          <ValidationTables runId={id} />
          <div id="g-config"><ConfigTree config={r.config} overrides={r.overrides} /></div>
          <Samples runId={id} />
          <Errors runId={id} />
        </div>
      </div>
    </div>
  );
}

/** The what-if LR as a curve of its own (on an LR chart it shares the LR axis). */
function whatIfCurve(w: LrSeries): ChartSeries {
  return { key: 'what-if', label: w.label, color: w.color, segments: [{ x: w.points.map((p) => p.x), y: w.points.map((p) => p.y) }] };
}

/** Stock LaMa logs no LR: its learning-rate chart is the config's constant LRs, and the what-if beside them. */
function ConfigLrChart({ genLr, discLr, from, to, whatIf, v, set, runName }: {
  genLr: number; discLr: number | null; from: number; to: number; whatIf: LrSeries | null; v: ViewState; set: SetFn; runName: string;
}) {
  const flat = (key: string, label: string, color: string, lr: number): ChartSeries => ({ key, label, color, segments: [{ x: [from, to], y: [lr, lr] }] });
  const series = [flat('g', `generator lr ${genLr} (config)`, PALETTE[0], genLr)];
  if (discLr) series.push(flat('d', `discriminator lr ${discLr} (config)`, PALETTE[1], discLr));
  if (whatIf) series.push(whatIfCurve(whatIf));
  return (
    <section data-testid="group-config-lr" id="g-config-lr">
      <h2>Learning rate</h2>
      <div className="grid">
        <LazySlot title="learning rate (config)" height={200}>
          {(visible) => (
            <LineChart title="learning rate (config)" series={series} lr={[]} showLr={false} smoothing={0} logY ignoreOutliers={false} active={visible} subtitle={runName}
              xLabel={X_LABEL[v.x]} formatX={xFormatter(v.x)} zoom={v.zoom} onZoom={(z) => set({ zoom: zoomParam(z) })} height={200} />
          )}
        </LazySlot>
      </div>
    </section>
  );
}

interface ChartArgs {
  runId: number;
  runName: string;
  tag: string;
  group: TagGroup;
  index: number;
  v: ViewState;
  set: SetFn;
  lrFor: (g: TagGroup, e: { min: number; max: number } | null) => LrSeries[];
  shadesFor: (tag: string) => Shade[];
  waitForLr: boolean;
  whatIf: LrSeries | null;
  pinned: boolean;
  onPin: (tag: string) => void;
}

const CHART_POINTS = 1200;
const chartHeight = (g: TagGroup) => (g.id === 'buckets' ? 150 : 240);

/** One tag's chart: a placeholder until it nears the viewport, then its own data request and chart. */
function RunChart(a: ChartArgs) {
  return (
    <LazySlot title={a.tag} height={chartHeight(a.group)}>
      {(visible) => <TagChart {...a} visible={visible} />}
    </LazySlot>
  );
}

function TagChart({ runId, runName, tag, group, index, v, set, lrFor, shadesFor, waitForLr, whatIf, pinned, onPin, visible }: ChartArgs & { visible: boolean }) {
  const trpc = useTRPC();
  // its own request (not held back for a batch), started during render: the first charts draw as soon as their data is in
  // 1,200 points (min and max of 600 buckets: every spike kept) cover the chart's width at ~2 per pixel
  const options = trpc.metrics.series.queryOptions({ runIds: [runId], tags: [tag], x: v.x, range: v.zoom ?? undefined, maxPoints: CHART_POINTS }, EARLY);
  useStartEarly(options);
  const q = useQuery(options);
  const small = group.id === 'buckets';
  const s = waitForLr && group.id !== 'lr' && !small ? undefined : (q.data?.series[0] as SeriesOut | undefined);
  const series = s ? [toChartSeries(s, PALETTE[index % PALETTE.length])] : [];
  if (group.id === 'lr' && whatIf && series.length) series.push(whatIfCurve(whatIf));
  const lr = group.id === 'lr' || small ? [] : lrFor(group, xExtent(series));
  return (
    <LineChart
      title={tag}
      subtitle={runName}
      series={series}
      lr={lr}
      showLr={v.showLr && !isLrTag(tag)}
      smoothing={group.id === 'lr' ? 0 : v.smoothing}
      logY={v.logY || group.id === 'lr'}
      ignoreOutliers={v.ignoreOutliers && group.id !== 'lr'}
      xLabel={X_LABEL[v.x]}
      formatX={xFormatter(v.x)}
      zoom={v.zoom}
      onZoom={(z) => set({ zoom: zoomParam(z) })}
      shades={shadesFor(tag)}
      height={chartHeight(group)}
      active={visible}
      actions={
        <button type="button" className={pinned ? 'link pin on' : 'link pin'} data-testid="pin" aria-pressed={pinned} title={pinned ? 'unpin' : 'pin to the top of the page'} onClick={() => onPin(tag)}>
          {pinned ? 'unpin' : 'pin'}
        </button>
      }
    />
  );
}

function MetricGroup({ section, folded, onFold, searching, chart }: {
  section: Section; folded: boolean; onFold: (fold: boolean) => void; searching: boolean; chart: Omit<ChartArgs, 'tag' | 'group' | 'index'>;
}) {
  const g = section.group!;
  if (searching && !section.tags.length) return null;
  const count = searching ? `${section.tags.length} of ${section.total}` : String(section.total);
  return (
    <section data-testid={`group-${g.id}`} id={`g-${g.id}`} className={folded ? 'group folded' : 'group'}>
      <h2>
        <button type="button" className="fold" data-testid="fold" aria-expanded={!folded} onClick={() => onFold(!folded)}>
          <span className="caret">{folded ? '▸' : '▾'}</span> {g.title}
        </button>
        <span className="muted small" data-testid="group-count">{count} charts{section.total > section.tags.length && !searching ? ' (the others pinned)' : ''}</span>
      </h2>
      {folded ? null : (
        <div className={g.id === 'buckets' ? 'grid small' : 'grid'}>
          {section.tags.map((tag) => (
            <RunChart key={tag} {...chart} tag={tag} group={g} index={g.tags.indexOf(tag)} />
          ))}
        </div>
      )}
    </section>
  );
}

function GpuSection({ runId, runName, v, matches }: { runId: number; runName: string; v: ViewState; matches: (title: string) => boolean }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.gpu.series.queryOptions({ runIds: [runId], maxPoints: 1500 }));
  const [zoom, setZoom] = useState<{ min: number; max: number } | null>(null);
  if (!q.data?.series.length) return null;
  const metrics: { key: string; title: string }[] = [
    { key: 'util', title: 'GPU utilization (%)' },
    { key: 'memUsedMb', title: 'GPU memory used (MB)' },
    { key: 'powerW', title: 'GPU power (W)' },
    { key: 'tempC', title: 'GPU temperature (°C)' },
  ].filter((m) => matches(m.title));
  if (!metrics.length) return null;
  const timed = q.data.series.every((s) => s.x.length === 0 || s.x[0] > 1e11);
  return (
    <section data-testid="group-gpu" id="g-gpu">
      <h2>GPU</h2>
      <div className="grid">
        {metrics.map((m) => {
          const series = q.data.series.filter((s) => s.metric === m.key).map((s, i) => ({
            key: `${s.runId}:${s.gpu}:${m.key}`, label: `GPU ${s.gpu}`, color: PALETTE[i % PALETTE.length], segments: [{ x: s.x, y: s.y }],
          }));
          if (!series.length) return null;
          return (
            <LazySlot key={m.key} title={m.title} height={180}>
              {(visible) => (
                <LineChart title={m.title} series={series} lr={[]} showLr={false} smoothing={0} logY={false} ignoreOutliers={false} active={visible} subtitle={runName}
                  xLabel={timed ? 'time' : 'sample'} formatX={timed ? xFormatter('wall') : undefined} zoom={zoom} onZoom={setZoom} height={180} />
              )}
            </LazySlot>
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
  const [all, setAll] = useState(false);
  if (!q.data?.length) return null;
  const shown = all ? q.data : q.data.slice(0, 12);
  return (
    <section data-testid="samples">
      <h2>
        Samples
        {shown.length < q.data.length ? (
          <span className="muted small" data-testid="samples-count">
            showing the newest {shown.length} of {q.data.length} <button type="button" className="link" onClick={() => setAll(true)}>show all</button>
          </span>
        ) : null}
      </h2>
      {shown.map((g) => (
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
