export function fmtNum(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toLocaleString(undefined, { maximumFractionDigits: 6 });
}

export function fmtTime(ms: number | null | undefined): string {
  if (!ms) return '—';
  return new Date(ms).toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h >= 24) return `${Math.floor(h / 24)}d ${h % 24}h`;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m`;
  return `${m}m ${String(s % 60).padStart(2, '0')}s`;
}

export type XAxisName = 'step' | 'epoch' | 'relative' | 'wall' | 'samples';

export function xFormatter(x: XAxisName): (v: number) => string {
  if (x === 'wall') return (v) => new Date(v).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (x === 'relative') return (v) => fmtDuration(v * 1000);
  if (x === 'epoch') return (v) => v.toFixed(2);
  return (v) => Math.round(v).toLocaleString();
}

export const X_LABEL: Record<XAxisName, string> = { step: 'step', epoch: 'epoch', relative: 'time', wall: 'wall time', samples: 'samples' };
