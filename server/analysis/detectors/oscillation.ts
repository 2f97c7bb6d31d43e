// Oscillation (rules §5.3). On residuals of the block medians (running-median detrend, cut at known
// level shifts), in sliding windows:
//   O1+O2 alternation: turning-point z > 2.33 and lag-1 autocorrelation ρ̂₁ < −0.3 (and < −3.5/√n, so
//      the 64-block windows are as strict as the longer ones);
//   O3 periodic: after AR(1) pre-whitening (rules §2.4), a spectral line > 25× the locally-estimated
//      background (above the 99.9% point, 17–23, of its null distribution under white, AR(1) φ ≤ 0.9 and
//      t₃ noise, measured for 128/256-block windows), whose period is not a known schedule period (epoch,
//      validation, SGDR/cyclic) or one of its first harmonics;
// practical gate: the oscillating component's amplitude ≥ 1% of the loss level (not plain noise);
// persistence: two consecutive half-overlapping windows (the same period for O3; for O1+O2 their union
// must also pass at ρ̂₁ < −4/√n and z > 3). An episode in an adversarial loss alone needs a second tag
// (another loss or the discriminator logits) oscillating the same way.
import { lag1, mad, median, periodogramAt, runningMedian, spectralPeak, turningPoints, winsorize } from '../robust';
import { knownPeriod, levelShiftSteps } from '../scheduleEvents';
import type { AnalysisInput, Finding, PreparedSeries } from '../types';
import { fmtNum, pct } from '../format';

export const OSCILLATION = {
  /** windows in blocks, each used when the post-warm-up history holds it 1.5× (the two largest for long histories) */
  windows: [256, 128, 64],
  minWindow: 64,
  /** longest period searched, in blocks */
  maxPeriod: 32,
  detrendWidth: 65,
  turningZ: 2.33,
  rho1: -0.3,
  peakRatio: 25,
  amplitudeGate: 0.01,
};

interface WindowHit {
  start: number;
  end: number;
  type: 'alternation' | 'periodic';
  period: number;
  amplitude: number;
  level: number;
  stat: Record<string, number>;
}

/** Residuals of the block medians: x − running median, computed separately between level shifts. */
export function residuals(s: PreparedSeries, cuts: number[], width = OSCILLATION.detrendWidth): Float64Array {
  const { step, med } = s.blocks;
  const n = s.blocks.n;
  const r = new Float64Array(n);
  const bounds = [0];
  for (const c of cuts) {
    const i = step.findIndex((st) => st >= c);
    if (i > 0 && i < n && i > bounds[bounds.length - 1]) bounds.push(i);
  }
  bounds.push(n);
  for (let b = 0; b < bounds.length - 1; b++) {
    const from = bounds[b];
    const to = bounds[b + 1];
    if (to - from < 8) {
      for (let i = from; i < to; i++) r[i] = NaN;
      continue;
    }
    const seg = med.subarray(from, to);
    const trend = runningMedian(seg, Math.min(width, 2 * Math.floor((to - from) / 2) - 1));
    for (let i = from; i < to; i++) r[i] = seg[i - from] - trend[i - from];
  }
  return r;
}

function analyseWindow(x: Float64Array, r: Float64Array, from: number, to: number, blockSteps: number, input: AnalysisInput): WindowHit | null {
  const rw = r.subarray(from, to);
  let nanCount = 0;
  for (let i = 0; i < rw.length; i++) if (!Number.isFinite(rw[i])) nanCount++;
  if (nanCount > 0.1 * rw.length) return null;
  const w = winsorize(rw, 4);
  const level = Math.abs(median(x, from, to));
  if (!(level > 0)) return null;
  const n = w.length;
  const sd = 1.4826 * mad(w);
  // O1 + O2: alternation
  const rho = lag1(w);
  const tp = turningPoints(w);
  if (rho < OSCILLATION.rho1 && rho < -3.5 / Math.sqrt(n) && tp.z > OSCILLATION.turningZ) {
    const amplitude = Math.sqrt(Math.max(0, -rho)) * sd;
    if (amplitude >= OSCILLATION.amplitudeGate * level)
      return { start: from, end: to, type: 'alternation', period: 2, amplitude, level, stat: { rho1: rho, turningPointZ: tp.z, turningPointRate: tp.rate } };
  }
  // O3: periodic component, on AR(1)-pre-whitened residuals
  const phi = Math.min(0.95, Math.max(0, rho));
  const e = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) e[i - 1] = w[i] - phi * w[i - 1];
  const maxP = Math.min(OSCILLATION.maxPeriod, n / 4);
  const peak = spectralPeak(e, 2.5, maxP);
  if (peak && peak.ratio > OSCILLATION.peakRatio) {
    const amplitude = 2 * Math.sqrt(periodogramAt(w, [1 / peak.period])[0] / n);
    if (amplitude < OSCILLATION.amplitudeGate * level) return null;
    if (knownPeriod(input.events, peak.period * blockSteps)) return null;
    return { start: from, end: to, type: 'periodic', period: peak.period, amplitude, level, stat: { peakRatio: peak.ratio, p: peak.p, prewhiteningPhi: phi } };
  }
  return null;
}

interface Episode {
  tag: string;
  hits: WindowHit[];
  blockSteps: number;
  steps: Float64Array;
}

function scanAt(s: PreparedSeries, input: AnalysisInput, r: Float64Array, warmIdx: number, W: number): Episode | null {
  const n = s.blocks.n;
  const stride = Math.max(8, Math.floor(W / 2));
  const hits: (WindowHit | null)[] = [];
  const starts: number[] = [];
  for (let from = warmIdx; from + W <= n; from += stride) starts.push(from);
  if (starts.length && starts[starts.length - 1] + W < n) starts.push(n - W);
  for (const from of starts) hits.push(analyseWindow(s.blocks.med, r, from, from + W, s.blocks.blockSteps, input));
  // persistence: two consecutive windows agreeing on the type (and the period for periodic lines)
  for (let i = 1; i < hits.length; i++) {
    const a = hits[i - 1];
    const b = hits[i];
    if (!a || !b || a.type !== b.type) continue;
    if (a.type === 'periodic' && Math.abs(a.period - b.period) > 0.1 * a.period) continue;
    // alternation: the union of the two windows must hold it at a stricter level (ρ̂₁ < −4/√n, z > 3)
    if (a.type === 'alternation') {
      const w = winsorize(r.subarray(a.start, b.end), 4);
      const rho = lag1(w);
      if (!(rho < OSCILLATION.rho1 && rho < -4 / Math.sqrt(w.length) && turningPoints(w).z > 3)) continue;
    }
    const run: WindowHit[] = [a, b];
    for (let j = i + 1; j < hits.length && hits[j] && hits[j]!.type === a.type; j++) run.push(hits[j]!);
    return { tag: s.tag, hits: run, blockSteps: s.blocks.blockSteps, steps: s.blocks.step };
  }
  return null;
}

/** Scan at every window size the history holds 1.5 times; the episode that is confirmed first wins. */
function scan(s: PreparedSeries, input: AnalysisInput): Episode | null {
  const n = s.blocks.n;
  const warmIdx = Math.max(0, s.blocks.step.findIndex((st) => st >= input.budget.warmEnd));
  if (warmIdx < 0 || n - warmIdx < 1.5 * OSCILLATION.minWindow) return null;
  const r = residuals(s, levelShiftSteps(input.events));
  let best: Episode | null = null;
  const avail = n - warmIdx;
  // a long history is scanned at the two largest window sizes it holds (cost), a short one at all
  const sizes = OSCILLATION.windows.filter((W) => avail >= 1.5 * W).slice(0, avail >= 1.5 * OSCILLATION.windows[0] ? 2 : 3);
  for (const W of sizes) {
    const e = scanAt(s, input, r, warmIdx, W);
    if (e && (!best || e.hits[1].end < best.hits[1].end)) best = e;
  }
  return best;
}

/** Where, inside the first flagged window, the oscillation starts: a mean-shift split of its local energy. */
function onsetIndex(r: Float64Array, from: number, to: number, type: WindowHit['type'], period: number): number {
  const lo = Math.max(0, from);
  const score: number[] = [];
  const p = Math.max(2, Math.round(period));
  for (let i = lo; i < to; i++) {
    if (type === 'alternation') score.push(i > 0 && Number.isFinite(r[i]) && Number.isFinite(r[i - 1]) ? -r[i] * r[i - 1] : 0);
    else {
      let e = 0;
      for (let j = Math.max(lo, i - p + 1); j <= i; j++) if (Number.isFinite(r[j])) e += r[j] * r[j];
      score.push(e);
    }
  }
  let best = 0;
  let bestCost = Infinity;
  const n = score.length;
  const pre = [0];
  const pre2 = [0];
  for (const v of score) {
    pre.push(pre[pre.length - 1] + v);
    pre2.push(pre2[pre2.length - 1] + v * v);
  }
  const sse = (a: number, b: number) => {
    const k = b - a;
    if (k <= 0) return 0;
    const s1 = pre[b] - pre[a];
    return pre2[b] - pre2[a] - (s1 * s1) / k;
  };
  for (let k = 4; k < n - 4; k++) {
    const c = sse(0, k) + sse(k, n);
    if (c < bestCost && (pre[n] - pre[k]) / (n - k) > (pre[k] - pre[0]) / k) {
      bestCost = c;
      best = k;
    }
  }
  return lo + best;
}

export function detectOscillation(input: AnalysisInput): Finding[] {
  const candidates = input.train.filter((s) => s.info.role === 'sup' || s.info.role === 'gen_adv' || s.info.role === 'disc_adv');
  const corroborators = input.train.filter((s) => s.info.role === 'real_out' || s.info.role === 'fake_out');
  let episodes: Episode[] = [];
  for (const s of candidates) {
    const e = scan(s, input);
    if (e) episodes.push(e);
  }
  // adversarial losses are noisy by nature: an episode there needs a second tag (another loss or the
  // discriminator's logits) oscillating the same way
  const adversarial = (tag: string) => candidates.find((c) => c.tag === tag)!.info.role !== 'sup';
  if (episodes.some((e) => adversarial(e.tag))) {
    const extra = corroborators.map((s) => scan(s, input)).filter((e): e is Episode => e !== null);
    const all = [...episodes, ...extra];
    episodes = episodes.filter((e) => !adversarial(e.tag) || all.some((o) => o !== e && o.hits[0].type === e.hits[0].type));
  }
  if (!episodes.length) return [];
  const cuts = levelShiftSteps(input.events);
  const starts = episodes.map((e) => {
    const s = candidates.find((c) => c.tag === e.tag)!;
    const h = e.hits[0];
    const r = residuals(s, cuts);
    const i = onsetIndex(r, h.start, h.end, h.type, h.period);
    return e.steps[Math.max(0, i)];
  });
  const start = Math.min(...starts);
  const lead = episodes[0];
  const h = lead.hits[0];
  const periodSteps = h.period * lead.blockSteps;
  const players = new Set(episodes.map((e) => (candidates.find((c) => c.tag === e.tag)!.info.role === 'disc_adv' ? 'discriminator' : 'generator')));
  const desc =
    h.type === 'alternation'
      ? `alternates step to step (lag-1 autocorrelation ${fmtNum(h.stat.rho1, 2)}, turning-point z = ${fmtNum(h.stat.turningPointZ, 3)})`
      : `oscillates with a period of ~${Math.round(periodSteps)} steps (spectral line ${fmtNum(h.stat.peakRatio, 3)}× the background, threshold ${OSCILLATION.peakRatio})`;
  return [
    {
      kind: 'oscillation',
      severity: 'warning',
      metrics: episodes.map((e) => e.tag),
      startStep: start,
      endStep: lead.steps[Math.min(lead.steps.length - 1, lead.hits[lead.hits.length - 1].end - 1)],
      summary: `${lead.tag} ${desc} from step ${start}, an amplitude of ${pct(h.amplitude / h.level)} of its level${episodes.length > 1 ? ` (also ${episodes.length - 1} other loss${episodes.length > 2 ? 'es' : ''})` : ''}.`,
      evidence: {
        type: h.type,
        periodBlocks: h.period,
        periodSteps,
        amplitude: h.amplitude,
        relativeAmplitude: h.amplitude / h.level,
        players: [...players],
        windowBlocks: h.end - h.start,
        blockSteps: lead.blockSteps,
        firstAlarmStep: lead.steps[Math.min(lead.steps.length - 1, lead.hits[1].end - 1)],
        perTag: episodes.map((e) => ({ tag: e.tag, type: e.hits[0].type, periodBlocks: e.hits[0].period, windows: e.hits.length, ...e.hits[0].stat })),
        thresholds: {
          turningPointZ: OSCILLATION.turningZ,
          rho1: OSCILLATION.rho1,
          peakRatio: OSCILLATION.peakRatio,
          amplitudeGate: OSCILLATION.amplitudeGate,
          persistenceWindows: 2,
        },
      },
      suggestions: [],
    },
  ];
}
