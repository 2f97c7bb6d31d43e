'use client';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { XAxisName } from './format';

export interface ViewState {
  x: XAxisName;
  smoothing: number;
  logY: boolean;
  showLr: boolean;
  ignoreOutliers: boolean;
  zoom: { min: number; max: number } | null;
}

type Get = (k: string, fallback?: string) => string;
type Set = (patch: Record<string, string | number | boolean | null | undefined>) => void;

export function readView(get: Get): ViewState {
  const zoom = get('zoom');
  const [a, b] = zoom.split('~').map(Number);
  const x = get('x', 'step') as XAxisName;
  return {
    x: ['step', 'epoch', 'relative', 'wall', 'samples'].includes(x) ? x : 'step',
    smoothing: Math.min(0.99, Math.max(0, Number(get('smooth', '0.6')) || 0)),
    logY: get('log') === '1',
    showLr: get('lr', '1') !== '0',
    ignoreOutliers: get('outliers', '1') !== '0',
    zoom: zoom && Number.isFinite(a) && Number.isFinite(b) ? { min: a, max: b } : null,
  };
}

export function zoomParam(z: { min: number; max: number } | null): string | null {
  return z ? `${+z.min.toPrecision(10)}~${+z.max.toPrecision(10)}` : null;
}

/**
 * The smoothing slider moves at once, and so do the charts for a single change (a click, an arrow key);
 * while it is dragged the charts follow at most every 120 ms (and once more where it stops), so dragging
 * it end to end redraws a few times, not a hundred.
 */
function useSmoothing(value: number, set: Set): [number, (v: number) => void] {
  const EVERY = 120;
  const [local, setLocal] = useState<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastFlush = useRef(-Infinity);
  const pending = useRef<number | null>(null);
  const flush = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (pending.current === null) return;
    const x = pending.current;
    pending.current = null;
    lastFlush.current = performance.now();
    set({ smooth: x === 0.6 ? null : String(x) });
  };
  const flushRef = useRef(flush);
  flushRef.current = flush;
  useEffect(() => () => flushRef.current(), []);
  // the URL caught up (or moved by other means): show what it says
  useEffect(() => {
    if (pending.current === null) setLocal(null);
  }, [value]);
  const change = (x: number) => {
    setLocal(x);
    pending.current = x;
    const since = performance.now() - lastFlush.current;
    if (since >= EVERY) flushRef.current();
    else if (!timer.current) timer.current = setTimeout(() => flushRef.current(), EVERY - since);
  };
  return [local ?? value, change];
}

export function Controls({ v, set, axes, children }: { v: ViewState; set: Set; axes: XAxisName[]; children?: ReactNode }) {
  const [smoothing, setSmoothing] = useSmoothing(v.smoothing, set);
  return (
    <div className="controls" data-testid="controls">
      <label>
        x-axis{' '}
        <select data-testid="x-axis" value={v.x} onChange={(e) => set({ x: e.target.value === 'step' ? null : e.target.value, zoom: null })}>
          {axes.map((a) => (
            <option key={a} value={a}>{a === 'relative' ? 'relative time' : a === 'wall' ? 'wall time' : a}</option>
          ))}
        </select>
      </label>
      <label title="TensorBoard's debiased exponential moving average, restarted at each restart segment">
        smoothing{' '}
        <input data-testid="smoothing" type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
        <span className="num">{smoothing.toFixed(2)}</span>
      </label>
      <label><input data-testid="lr-overlay" type="checkbox" checked={v.showLr} onChange={(e) => set({ lr: e.target.checked ? null : '0' })} /> LR overlay</label>
      <label><input data-testid="log-y" type="checkbox" checked={v.logY} onChange={(e) => set({ log: e.target.checked ? '1' : null })} /> log y</label>
      <label><input data-testid="outliers" type="checkbox" checked={v.ignoreOutliers} onChange={(e) => set({ outliers: e.target.checked ? null : '0' })} /> ignore outliers</label>
      {v.zoom ? <button type="button" data-testid="reset-zoom" onClick={() => set({ zoom: null })}>reset zoom</button> : <span className="hint">drag on a chart to zoom</span>}
      {children}
    </div>
  );
}
