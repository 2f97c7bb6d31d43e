'use client';
// chart.js wrapper for training curves: raw + smoothed per restart segment, an LR overlay on its own
// log axis, log y, outlier-robust y range, drag-to-zoom, hover values of every series at that x,
// CSV/PNG export. Updated in place (no re-creation) so live data does not flicker or lose zoom.
// A series of a single point is drawn as a marker with ticks around it; grid and tick colours follow
// the system's light / dark setting; the PNG export is drawn at 2× on white with the title and run name.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import {
  Chart, LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, Legend, Filler, Decimation,
  Interaction, type ChartDataset, type InteractionItem, type Plugin,
} from 'chart.js';
import { debiasedEma, percentileRange } from '@/server/analysis/smoothing';
import { maxOf, minOf } from '@/server/lib/reduce';
import { csvText } from '@/server/lib/csv';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, Legend, Filler, Decimation);

// "every series at this x": for each visible dataset, the point nearest to the mouse's x value.
type Modes = typeof Interaction.modes & { perDataset?: (typeof Interaction.modes)['nearest'] };
(Interaction.modes as Modes).perDataset = (chart, e) => {
  const items: InteractionItem[] = [];
  const xScale = chart.scales.x;
  if (!xScale || e.x === null || e.x === undefined) return items;
  const xv = xScale.getValueForPixel(e.x as number);
  if (xv === undefined) return items;
  chart.data.datasets.forEach((ds, di) => {
    const meta = chart.getDatasetMeta(di);
    if (meta.hidden || !chart.isDatasetVisible(di) || (ds as { _hover?: boolean })._hover === false) return;
    const data = ds.data as { x: number; y: number }[];
    if (!data.length) return;
    let lo = 0;
    let hi = data.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (data[mid].x < xv) lo = mid + 1;
      else hi = mid;
    }
    const best = lo > 0 && Math.abs(data[lo - 1].x - xv) < Math.abs(data[lo].x - xv) ? lo - 1 : lo;
    if (Math.abs(xScale.getPixelForValue(data[best].x) - (e.x as number)) > 40) return;
    const el = meta.data[best];
    if (el) items.push({ element: el, datasetIndex: di, index: best });
  });
  return items;
};

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
  segments: { x: number[]; y: number[] }[];
  /** NaN / Inf values (not drawn), shown as a warning badge */
  nonFinite?: number;
  /** NaN values the format has by rule (LaMa: FID of a one-image mask bucket): a quiet badge, no warning */
  expectedNaN?: number;
}

export interface LrSeries {
  label: string;
  color: string;
  points: { x: number; y: number }[];
  /** a what-if curve is dashed */
  dashed?: boolean;
}

export interface Shade {
  start: number;
  end: number;
  color: string;
  label: string;
}

export interface LineChartProps {
  title: string;
  series: ChartSeries[];
  lr: LrSeries[];
  showLr: boolean;
  smoothing: number;
  logY: boolean;
  ignoreOutliers: boolean;
  xLabel: string;
  formatX?: (x: number) => string;
  zoom: { min: number; max: number } | null;
  onZoom: (range: { min: number; max: number } | null) => void;
  shades?: Shade[];
  height?: number;
  /** what the PNG export names under the title (the run, or the runs) */
  subtitle?: string;
  /** more buttons in the chart's header (e.g. pin) */
  actions?: ReactNode;
  /** false while the chart is off-screen: prop changes are drawn when it is active again (default true) */
  active?: boolean;
}

// ---- light / dark ---------------------------------------------------------------------------------

export interface ChartTheme {
  dark: boolean;
  grid: string;
  tick: string;
  text: string;
}
const LIGHT: ChartTheme = { dark: false, grid: 'rgba(0, 0, 0, 0.1)', tick: '#5c636e', text: '#1b1f24' };
const DARK: ChartTheme = { dark: true, grid: 'rgba(255, 255, 255, 0.13)', tick: '#aab2bd', text: '#dde1e6' };

const DARK_QUERY = '(prefers-color-scheme: dark)';
let darkQuery: MediaQueryList | null = null;
const scheme = () => (darkQuery ??= window.matchMedia(DARK_QUERY));
function subscribeScheme(cb: () => void): () => void {
  const m = scheme();
  m.addEventListener('change', cb);
  return () => m.removeEventListener('change', cb);
}
/** true when the system (or the browser's emulation) asks for a dark colour scheme */
export function usePrefersDark(): boolean {
  return useSyncExternalStore(subscribeScheme, () => scheme().matches, () => false);
}

// A segment's points as chart.js reads them, and its smoothed curve, kept while the segment's arrays live:
// a smoothing change recomputes only the curve, a redraw for another reason (theme, LR) neither.
type Pt = { x: number; y: number };
const rawPoints = new WeakMap<number[], Pt[]>();
const smoothPoints = new WeakMap<number[], { w: number; pts: Pt[] }>();
function pointsOf(seg: { x: number[]; y: number[] }): Pt[] {
  let pts = rawPoints.get(seg.y);
  if (!pts || pts.length !== seg.y.length || (pts.length && pts[0].x !== seg.x[0])) {
    pts = seg.x.map((x, j) => ({ x, y: seg.y[j] }));
    rawPoints.set(seg.y, pts);
  }
  return pts;
}
function smoothedOf(seg: { x: number[]; y: number[] }, w: number): Pt[] {
  const hit = smoothPoints.get(seg.y);
  if (hit && hit.w === w && hit.pts.length === seg.y.length && (!hit.pts.length || hit.pts[0].x === seg.x[0])) return hit.pts;
  const sm = debiasedEma(seg.y, w);
  const pts = seg.x.map((x, j) => ({ x, y: sm[j] }));
  smoothPoints.set(seg.y, { w, pts });
  return pts;
}

function alpha(color: string, a: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const n = parseInt(m[1], 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

function buildDatasets(p: LineChartProps): ChartDataset<'line', { x: number; y: number }[]>[] {
  const out: ChartDataset<'line', { x: number; y: number }[]>[] = [];
  for (const s of p.series) {
    s.segments.forEach((seg, i) => {
      const raw = pointsOf(seg);
      // a lone point has no line to draw: a marker
      const lone = seg.x.length === 1;
      const common = { parsing: false as const, normalized: true, pointRadius: lone ? 4 : 0, pointHoverRadius: lone ? 5 : 3, pointBackgroundColor: s.color, yAxisID: 'y', spanGaps: false };
      if (p.smoothing > 0) {
        out.push({ ...common, label: `${s.label} (raw)`, data: raw, borderColor: alpha(s.color, 0.25), borderWidth: 1, _hover: false } as ChartDataset<'line', { x: number; y: number }[]>);
        out.push({ ...common, label: i === 0 ? s.label : `${s.label} (segment ${i + 1})`, data: smoothedOf(seg, p.smoothing), borderColor: s.color, borderWidth: 1.6 });
      } else {
        out.push({ ...common, label: i === 0 ? s.label : `${s.label} (segment ${i + 1})`, data: raw, borderColor: s.color, borderWidth: 1.4 });
      }
    });
  }
  if (p.showLr) {
    for (const l of p.lr) {
      out.push({
        label: l.label, data: l.points, parsing: false, normalized: true, yAxisID: 'y2', borderColor: l.color, borderWidth: 1.5,
        borderDash: l.dashed ? [6, 4] : [2, 2], pointRadius: 0, stepped: 'before',
      } as ChartDataset<'line', { x: number; y: number }[]>);
    }
  }
  return out;
}

/** x and y extent of the finite data, or null when there is none */
function dataExtent(p: LineChartProps): { x0: number; x1: number; y0: number; y1: number } | null {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of p.series) for (const seg of s.segments) for (let j = 0; j < seg.x.length; j++) {
    const y = seg.y[j];
    if (!Number.isFinite(y)) continue;
    if (seg.x[j] < x0) x0 = seg.x[j];
    if (seg.x[j] > x1) x1 = seg.x[j];
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return x0 <= x1 ? { x0, x1, y0, y1 } : null;
}

/** Room around a single value (a lone point, a constant series): chart.js's own ±1 gives ticks like "-1 -1 -0 0". */
function around(v: number, log: boolean): { min: number; max: number } {
  if (log && v > 0) return { min: v / 2, max: v * 2 };
  const pad = Math.abs(v) * 0.1 || 1;
  return { min: v - pad, max: v + pad };
}

function yBounds(p: LineChartProps): { min?: number; max?: number } {
  if (!p.ignoreOutliers) {
    const e = dataExtent(p);
    return e && e.y0 === e.y1 ? around(e.y0, p.logY) : {};
  }
  const vals: number[] = [];
  for (const s of p.series) for (const seg of s.segments) for (const [j, y] of seg.y.entries()) {
    if (p.zoom && (seg.x[j] < p.zoom.min || seg.x[j] > p.zoom.max)) continue;
    vals.push(y);
  }
  const r = percentileRange(vals);
  if (!r) return {};
  if (r.min === r.max) return around(r.min, p.logY);
  const pad = (r.max - r.min) * 0.15 || Math.abs(r.max) * 0.1 || 1;
  return p.logY ? { min: r.min > 0 ? r.min / 1.3 : undefined, max: r.max * 1.3 } : { min: r.min - pad, max: r.max + pad };
}

/**
 * True when two renders would draw the same picture, so the chart is not rebuilt and redrawn. Pages
 * re-render for many reasons (another query resolving, the live subscription, a status change); series
 * data keeps its identity until it is refetched, LR points are compared by value (they are rebuilt
 * on every render). Functions (formatX, onZoom) are read through a ref at use, so they need no check.
 */
function sameDrawing(a: LineChartProps, b: LineChartProps): boolean {
  if (a.showLr !== b.showLr || a.smoothing !== b.smoothing || a.logY !== b.logY || a.ignoreOutliers !== b.ignoreOutliers || a.xLabel !== b.xLabel) return false;
  if ((a.zoom?.min ?? null) !== (b.zoom?.min ?? null) || (a.zoom?.max ?? null) !== (b.zoom?.max ?? null)) return false;
  if (a.series.length !== b.series.length || a.lr.length !== b.lr.length || (a.shades?.length ?? 0) !== (b.shades?.length ?? 0)) return false;
  for (let i = 0; i < a.series.length; i++) {
    const s = a.series[i];
    const t = b.series[i];
    if (s.key !== t.key || s.label !== t.label || s.color !== t.color || s.nonFinite !== t.nonFinite || s.expectedNaN !== t.expectedNaN) return false;
    if (s.segments !== t.segments) {
      if (s.segments.length !== t.segments.length) return false;
      for (let j = 0; j < s.segments.length; j++) if (s.segments[j].x !== t.segments[j].x || s.segments[j].y !== t.segments[j].y) return false;
    }
  }
  for (let i = 0; i < a.lr.length; i++) {
    const l = a.lr[i];
    const m = b.lr[i];
    if (l.label !== m.label || l.color !== m.color || !!l.dashed !== !!m.dashed || l.points.length !== m.points.length) return false;
    for (let j = 0; j < l.points.length; j++) if (l.points[j].x !== m.points[j].x || l.points[j].y !== m.points[j].y) return false;
  }
  for (let i = 0; i < (a.shades?.length ?? 0); i++) {
    const x = a.shades![i];
    const y = b.shades![i];
    if (x.start !== y.start || x.end !== y.end || x.color !== y.color || x.label !== y.label) return false;
  }
  return true;
}

const shadePlugin = {
  id: 'shades',
  beforeDatasetsDraw(chart: Chart) {
    const shades = (chart.options.plugins as { shades?: Shade[] } | undefined)?.shades ?? [];
    const { ctx, chartArea, scales } = chart;
    for (const s of shades) {
      const a = Math.max(chartArea.left, scales.x.getPixelForValue(s.start));
      const b = Math.min(chartArea.right, scales.x.getPixelForValue(s.end));
      if (b <= a) continue;
      ctx.save();
      ctx.fillStyle = s.color;
      ctx.fillRect(a, chartArea.top, b - a, chartArea.bottom - chartArea.top);
      ctx.restore();
    }
  },
};

type LineChartJs = Chart<'line', { x: number; y: number }[]>;

/** The options a chart is created with (scales are filled in by configure). */
function baseOptions(theme: ChartTheme, props: { current: LineChartProps }, forExport = false): NonNullable<LineChartJs['options']> {
  return {
    animation: false,
    parsing: false,
    normalized: true,
    responsive: !forExport,
    maintainAspectRatio: false,
    ...(forExport ? { devicePixelRatio: 2, events: [] } : {}),
    interaction: { mode: 'perDataset' as 'nearest', intersect: false },
    plugins: {
      decimation: { enabled: true, algorithm: 'min-max' },
      legend: { display: true, position: 'bottom', labels: { boxWidth: 10, color: theme.text, filter: (item) => !String(item.text).endsWith('(raw)') } },
      tooltip: {
        enabled: !forExport,
        callbacks: {
          title: (items) => (items.length ? `${props.current.xLabel} ${props.current.formatX ? props.current.formatX(items[0].parsed.x ?? 0) : items[0].parsed.x}` : ''),
          label: (item) => `${item.dataset.label}: ${Number(item.parsed.y).toPrecision(6)}`,
        },
      },
    },
    scales: {
      x: { type: 'linear' },
      y: { type: 'linear', position: 'left' },
      y2: { type: 'logarithmic', position: 'right', display: false, grid: { drawOnChartArea: false } },
    },
  } as NonNullable<LineChartJs['options']>;
}

/** Puts the props' datasets, axes and shades on a chart (then the caller updates it). */
function configure(c: LineChartJs, q: LineChartProps, theme: ChartTheme): void {
  c.data.datasets = buildDatasets(q);
  const opts = c.options;
  const grid = { color: theme.grid };
  const tickColor = theme.tick;
  const y = yBounds(q);
  opts.scales!.y = {
    type: q.logY ? 'logarithmic' : 'linear',
    position: 'left',
    min: y.min,
    max: y.max,
    grid,
    border: { color: theme.grid },
    ticks: { color: tickColor, callback: (v) => fmtTick(Number(v)) },
  };
  // the LR axis spans its values with room on both sides, so a constant LR never sits on the border
  const lrs = q.lr.flatMap((l) => l.points.map((pt) => pt.y)).filter((v) => v > 0 && Number.isFinite(v));
  const lo = lrs.length ? minOf(lrs) : undefined;
  const hi = lrs.length ? maxOf(lrs) : undefined;
  opts.scales!.y2 = {
    type: 'logarithmic',
    position: 'right',
    grid: { drawOnChartArea: false, color: theme.grid },
    border: { color: theme.grid },
    title: { display: true, text: 'LR (log)', color: tickColor },
    display: q.showLr && q.lr.length > 0,
    min: lo === undefined ? undefined : lo / 4,
    max: hi === undefined ? undefined : hi * 4,
    ticks: { color: tickColor, maxTicksLimit: 5, callback: (v) => Number(v).toExponential(0) },
  };
  // one x value (a lone point): room on both sides and a single tick under it
  const e = dataExtent(q);
  const lone = !q.zoom && e && e.x0 === e.x1 ? e.x0 : null;
  const fmtX = (v: number) => (q.formatX ? q.formatX(v) : v.toLocaleString());
  opts.scales!.x = {
    type: 'linear',
    min: lone !== null ? lone - 1 : q.zoom?.min,
    max: lone !== null ? lone + 1 : q.zoom?.max,
    grid,
    border: { color: theme.grid },
    afterBuildTicks: lone !== null ? (scale) => void (scale.ticks = [{ value: lone }]) : undefined,
    ticks: { color: tickColor, maxRotation: 0, autoSkip: true, callback: (v) => fmtX(Number(v)) },
  };
  const legend = opts.plugins!.legend!;
  if (legend.labels) legend.labels.color = theme.text;
  (opts.plugins as { shades?: Shade[] }).shades = q.shades ?? [];
}

export default function LineChart(p: LineChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<LineChartJs | null>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const props = useRef(p);
  props.current = p;
  const dark = usePrefersDark();
  const theme = dark ? DARK : LIGHT;
  const themeRef = useRef(theme);
  themeRef.current = theme;

  const drawn = useRef<{ props: LineChartProps; theme: ChartTheme } | null>(null);
  /** Brings the chart up to the latest props, unless they would draw the same picture (or it is off-screen). */
  const apply = useCallback(() => {
    const c = chart.current;
    const q = props.current;
    if (!c || q.active === false) return;
    if (drawn.current && drawn.current.theme === themeRef.current && sameDrawing(drawn.current.props, q)) return;
    drawn.current = { props: q, theme: themeRef.current };
    configure(c, q, themeRef.current);
    c.update('none');
  }, []);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    // Built in a task of its own after the commit, not inside it: a page mounting a dozen charts
    // otherwise holds the main thread ~10 ms per chart before its data requests (queued behind the
    // commit) can leave. The chart then draws whatever the latest props are.
    const timer = setTimeout(() => {
      chart.current = new Chart<'line', { x: number; y: number }[]>(el, {
        type: 'line',
        data: { datasets: [] },
        plugins: [shadePlugin as Plugin<'line'>],
        options: baseOptions(themeRef.current, props),
      });
      apply();
    }, 0);
    return () => {
      clearTimeout(timer);
      chart.current?.destroy();
      chart.current = null;
      drawn.current = null;
    };
  }, [apply]);

  useEffect(apply, [p, theme, apply]);

  const toX = (clientX: number): number | null => {
    const c = chart.current;
    if (!c || !canvas.current) return null;
    const px = clientX - canvas.current.getBoundingClientRect().left;
    return c.scales.x.getValueForPixel(px) ?? null;
  };

  const exportCsv = () => {
    const lines = ['series,segment,x,y'];
    for (const s of p.series) {
      const label = csvText(s.label);
      s.segments.forEach((seg, i) => seg.x.forEach((x, j) => lines.push(`${label},${i},${x},${seg.y[j]}`)));
    }
    download(new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }), `${p.title}.csv`);
  };
  const exportPng = () => {
    const c = chart.current;
    if (!c) return;
    download(pngOf(props.current, c.width, c.height), `${p.title}.png`);
  };

  const nonFinite = p.series.reduce((n, s) => n + (s.nonFinite ?? 0), 0);
  const expected = p.series.reduce((n, s) => n + (s.expectedNaN ?? 0), 0);
  const lone = p.series.length === 1 && p.series[0].segments.length === 1 && p.series[0].segments[0].x.length === 1 ? p.series[0].segments[0] : null;
  return (
    <div className="chart" data-title={p.title}>
      <div className="chart-head">
        <span className="chart-title" title={p.title}>{p.title}</span>
        {nonFinite ? <span className="badge critical" data-testid="non-finite" title="NaN or Inf values (not drawn)">{nonFinite} non-finite</span> : null}
        {expected ? (
          <span className="badge" data-testid="expected-nan" title="NaN by LaMa's rule: a mask-area bucket with one image has no FID and no std. Not a training problem; not drawn.">
            {expected} NaN (expected: one-image bucket)
          </span>
        ) : null}
        {lone ? <span className="muted small" data-testid="single-point">one value: {fmtTick(lone.y[0])} at {p.xLabel} {p.formatX ? p.formatX(lone.x[0]) : lone.x[0]}</span> : null}
        <span className="spacer" />
        {p.actions}
        {p.zoom ? <button type="button" className="link" onClick={() => p.onZoom(null)}>reset zoom</button> : null}
        <button type="button" className="link" onClick={exportCsv}>CSV</button>
        <button type="button" className="link" data-testid="export-png" onClick={exportPng}>PNG</button>
      </div>
      <div
        className="chart-body"
        style={{ height: p.height ?? 240 }}
        onMouseDown={(e) => {
          if (e.button !== 0) return;
          setDrag({ a: e.clientX, b: e.clientX });
        }}
        onMouseMove={(e) => drag && setDrag({ ...drag, b: e.clientX })}
        onMouseUp={(e) => {
          if (!drag) return;
          const a = toX(drag.a);
          const b = toX(e.clientX);
          setDrag(null);
          if (a !== null && b !== null && Math.abs(e.clientX - drag.a) > 6) p.onZoom({ min: Math.min(a, b), max: Math.max(a, b) });
        }}
        onMouseLeave={() => setDrag(null)}
      >
        <canvas ref={canvas} />
        {drag && canvas.current ? (
          <div
            className="drag"
            style={{
              left: Math.min(drag.a, drag.b) - canvas.current.getBoundingClientRect().left,
              width: Math.abs(drag.b - drag.a),
            }}
          />
        ) : null}
      </div>
    </div>
  );
}

/**
 * The chart as a PNG to keep or paste: the same drawing at 2× (a chart of its own on a detached canvas,
 * light colours whatever the page's scheme), on white, under a header with the title and the subtitle
 * (the run's name).
 */
function pngOf(p: LineChartProps, width: number, height: number): string {
  const SCALE = 2;
  const head = p.subtitle ? 44 : 28;
  const plot = document.createElement('canvas');
  plot.width = width;
  plot.height = height;
  const props = { current: p };
  const copy = new Chart<'line', { x: number; y: number }[]>(plot, {
    type: 'line',
    data: { datasets: [] },
    plugins: [shadePlugin as Plugin<'line'>],
    options: baseOptions(LIGHT, props, true),
  });
  try {
    configure(copy, p, LIGHT);
    copy.update('none');
    const out = document.createElement('canvas');
    out.width = width * SCALE;
    out.height = (height + head) * SCALE;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.scale(SCALE, SCALE);
    ctx.textBaseline = 'top';
    ctx.fillStyle = LIGHT.text;
    ctx.font = '600 14px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    ctx.fillText(p.title, 10, 8, width - 20);
    if (p.subtitle) {
      ctx.fillStyle = LIGHT.tick;
      ctx.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
      ctx.fillText(p.subtitle, 10, 26, width - 20);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(copy.canvas, 0, head * SCALE, width * SCALE, height * SCALE);
    return out.toDataURL('image/png');
  } finally {
    copy.destroy();
  }
}

function download(href: Blob | string, name: string): void {
  const a = document.createElement('a');
  a.href = typeof href === 'string' ? href : URL.createObjectURL(href);
  a.download = name.replace(/[^\w.%-]+/g, '_');
  a.click();
  if (typeof href !== 'string') setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Axis tick text: no "-0", compact exponents for tiny or huge values. */
function fmtTick(v: number): string {
  if (v === 0 || Object.is(v, -0)) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(1);
  return Number(v.toPrecision(4)).toString();
}
