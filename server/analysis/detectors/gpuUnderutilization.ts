// GPU under-utilisation: the GPU is idle or half-used while the run trains (input-pipeline bound).
// Samples are restricted to the training time span (from the wall times of the training points, gaps
// of a resumed run removed), then judged in 8 consecutive windows (≥ 12 samples each):
//   low:    median utilisation < 50%;
//   gappy:  > 25% of the samples below 10% (the data loader starves the GPU);
// and the condition must hold in ≥ 2 consecutive windows and in ≥ 1/3 of all windows. Short dips
// (validation, checkpointing, start-up) do not reach these fractions.
import { median, lowerBound } from '../robust';
import type { AnalysisInput, Finding } from '../types';
import { pct } from '../format';

export const GPU = {
  lowMedian: 50,
  idleUtil: 10,
  idleFraction: 0.25,
  windows: 8,
  minPerWindow: 12,
};

interface Win {
  from: number;
  to: number;
  median: number;
  idle: number;
  bad: boolean;
}

/** Training wall-time spans (seconds), split where a resumed run left a gap. */
function trainingSpans(input: AnalysisInput): { spans: [number, number][]; map: ((tSec: number) => number) | null } {
  const src = input.train.filter((s) => s.wall && s.wall.some(Number.isFinite)).sort((a, b) => b.steps.length - a.steps.length)[0];
  if (!src || !src.wall) return { spans: [], map: null };
  const w: number[] = [];
  const st: number[] = [];
  // ≤ ~8k points are plenty to map times to steps and to find restart gaps
  const every = Math.max(1, Math.floor(src.wall.length / 8192));
  const take = (i: number) => {
    if (Number.isFinite(src.wall![i])) {
      w.push(src.wall![i]);
      st.push(src.steps[i]);
    }
  };
  for (let i = 0; i < src.wall.length; i += every) take(i);
  if ((src.wall.length - 1) % every !== 0) take(src.wall.length - 1);
  // order by time (a resumed segment repeats steps but not wall times)
  const idx = w.map((_, i) => i).sort((a, b) => w[a] - w[b]);
  const ws = idx.map((i) => w[i]);
  const ss = idx.map((i) => st[i]);
  const gaps = ws.slice(1).map((t, i) => t - ws[i]);
  const typical = gaps.length ? median(gaps) : 0;
  const spans: [number, number][] = [];
  let s0 = ws[0];
  for (let i = 1; i < ws.length; i++) {
    if (gaps[i - 1] > Math.max(10 * typical, 60)) {
      spans.push([s0, ws[i - 1]]);
      s0 = ws[i];
    }
  }
  spans.push([s0, ws[ws.length - 1]]);
  const map = (t: number) => {
    const i = Math.min(ws.length - 1, Math.max(0, lowerBound(ws, t)));
    return ss[i];
  };
  return { spans, map };
}

export function detectGpuUnderutilization(input: AnalysisInput): Finding[] {
  const raw = (input.run.gpu ?? []).filter((g) => g.util !== null && Number.isFinite(g.util));
  // two windows of 12 samples are the least that gives a verdict (a short run logs a few dozen)
  if (raw.length < 2 * GPU.minPerWindow) return [];
  const { spans, map } = trainingSpans(input);
  let samples = raw.map((g) => ({ t: g.time !== null && Number.isFinite(g.time) ? g.time / 1000 : NaN, u: g.util as number }));
  const timed = samples.every((s) => Number.isFinite(s.t));
  if (timed) {
    samples.sort((a, b) => a.t - b.t);
    if (spans.length) samples = samples.filter((s) => spans.some(([a, b]) => s.t >= a && s.t <= b));
  } else {
    // no clock: drop the idle start-up and tail
    let a = 0;
    let b = samples.length;
    while (a < b && samples[a].u < GPU.idleUtil) a++;
    while (b > a && samples[b - 1].u < GPU.idleUtil) b--;
    samples = samples.slice(a, b);
  }
  const nw = GPU.windows;
  if (samples.length < nw * GPU.minPerWindow) {
    if (samples.length < 2 * GPU.minPerWindow) return [];
  }
  const per = Math.max(GPU.minPerWindow, Math.floor(samples.length / nw));
  const wins: Win[] = [];
  for (let i = 0; i + per <= samples.length; i += per) {
    const u = samples.slice(i, i + per).map((s) => s.u);
    const m = median(u);
    const idle = u.filter((x) => x < GPU.idleUtil).length / u.length;
    wins.push({ from: i, to: i + per, median: m, idle, bad: m < GPU.lowMedian || idle > GPU.idleFraction });
  }
  const badCount = wins.filter((w) => w.bad).length;
  let first = -1;
  for (let i = 1; i < wins.length; i++) if (wins[i].bad && wins[i - 1].bad) {
    first = i - 1;
    break;
  }
  if (first < 0 || badCount * 3 < wins.length) return [];
  const bad = wins.filter((w) => w.bad);
  const all = bad.flatMap((w) => samples.slice(w.from, w.to).map((s) => s.u));
  const med = median(all);
  const idle = all.filter((x) => x < GPU.idleUtil).length / all.length;
  const { firstStep, lastStep } = input.budget;
  const stepAt = (k: number) => {
    if (timed && map) return map(samples[Math.min(samples.length - 1, k)].t);
    return Math.round(firstStep + ((lastStep - firstStep) * k) / Math.max(1, samples.length - 1));
  };
  const gappy = idle > GPU.idleFraction;
  // refine the onset inside the first flagged window and the one before it: a mean-shift split of the
  // per-sample "bad" signal (idle indicator for a gappy GPU, 100 − util for a low one)
  const lo = Math.max(0, wins[first].from - per);
  const hi = wins[first].to;
  const sig = samples.slice(lo, hi).map((s) => (gappy ? (s.u < GPU.idleUtil ? 1 : 0) : 100 - s.u));
  let split = wins[first].from - lo;
  let bestCost = Infinity;
  const pre = [0];
  const pre2 = [0];
  for (const v of sig) {
    pre.push(pre[pre.length - 1] + v);
    pre2.push(pre2[pre2.length - 1] + v * v);
  }
  const sse = (a: number, b: number) => (b > a ? pre2[b] - pre2[a] - (pre[b] - pre[a]) ** 2 / (b - a) : 0);
  for (let k = 3; k < sig.length - 3; k++) {
    const c = sse(0, k) + sse(k, sig.length);
    if (c < bestCost && (pre[sig.length] - pre[k]) / (sig.length - k) > pre[k] / k) {
      bestCost = c;
      split = k;
    }
  }
  // only a clear shift moves the onset inside the window (else: the window's start)
  const before = split > 0 ? pre[split] / split : 0;
  const after = (pre[sig.length] - pre[split]) / Math.max(1, sig.length - split);
  const clear = after - before > (gappy ? 0.2 : 15);
  const onsetSample = clear ? lo + split : wins[first].from;
  return [
    {
      kind: 'gpu_underutilization',
      severity: 'warning',
      metrics: ['gpu.utilization'],
      startStep: stepAt(onsetSample),
      endStep: lastStep,
      summary: gappy
        ? `The GPU waits for data: ${pct(idle, 0)} of the samples while training are below ${GPU.idleUtil}% utilisation (median ${Math.round(med)}%) in ${badCount} of ${wins.length} windows — the input pipeline is the bottleneck.`
        : `The GPU is under-used: median utilisation ${Math.round(med)}% while training in ${badCount} of ${wins.length} windows (threshold ${GPU.lowMedian}%).`,
      evidence: {
        pattern: gappy ? 'gappy' : 'low',
        medianUtil: med,
        idleFraction: idle,
        windows: wins.map((w) => ({ medianUtil: w.median, idleFraction: w.idle, flagged: w.bad })),
        samples: samples.length,
        signals: [
          { signal: 'median GPU utilisation while training', value: `${Math.round(med)}%`, threshold: `< ${GPU.lowMedian}% in a window`, step: stepAt(onsetSample), fired: !gappy },
          { signal: `samples below ${GPU.idleUtil}% while training`, value: pct(idle, 0), threshold: `> ${pct(GPU.idleFraction, 0)} in a window`, step: stepAt(onsetSample), fired: gappy },
          { signal: 'windows flagged', value: `${badCount} of ${wins.length}`, threshold: '≥ 2 in a row and ≥ 1/3', step: null, fired: true },
        ],
        thresholds: { lowMedian: GPU.lowMedian, idleUtil: GPU.idleUtil, idleFraction: GPU.idleFraction, windows: GPU.windows },
      },
      suggestions: [],
    },
  ];
}
