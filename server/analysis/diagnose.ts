// diagnoseRun: prepare the run once (resumed overlap removed, blocks of medians), recognise the known
// schedule events, run every detector, attach the suggestions. Pure: arrays in, findings out.
import { blockStats, median } from './robust';
import { scheduleEvents } from './scheduleEvents';
import { classifyTag, FINDING_KINDS } from './types';
import type { AnalysisInput, Budget, Finding, PreparedSeries, RunData, SeriesInput } from './types';
import { detectDivergence } from './detectors/divergence';
import { detectOscillation } from './detectors/oscillation';
import { detectPlateau } from './detectors/plateau';
import { detectOverfitting } from './detectors/overfitting';
import { detectGanImbalance } from './detectors/ganImbalance';
import { detectSlowConvergence } from './detectors/slowConvergence';
import { detectGpuUnderutilization } from './detectors/gpuUnderutilization';
import { suggestFor } from './suggestions/select';

/** Training series are reduced to at most this many blocks (a LaMa 1M-step run logs 4 000 points per tag). */
export const MAX_TRAIN_BLOCKS = 4096;

/**
 * One series as the detectors see it: points of a resumed segment replace the earlier segment's points
 * from the resume step on; points sharing a step are merged (mean; a non-finite value wins);
 * sorted by step; blocked into ≤ maxBlocks medians.
 */
export function prepareSeries(s: SeriesInput, maxBlocks = MAX_TRAIN_BLOCKS): PreparedSeries {
  const n = Math.min(s.steps.length, s.values.length);
  const seg = new Int32Array(n);
  if (s.segments && s.segments.length >= n) for (let i = 0; i < n; i++) seg[i] = s.segments[i] | 0;
  else for (let i = 1; i < n; i++) seg[i] = s.steps[i] < s.steps[i - 1] ? seg[i - 1] + 1 : seg[i - 1];
  // first step of each segment; a point survives if it precedes every later segment's first step
  const firstOf = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const f = firstOf.get(seg[i]);
    if (f === undefined || s.steps[i] < f) firstOf.set(seg[i], s.steps[i]);
  }
  const segIds = [...firstOf.keys()].sort((a, b) => a - b);
  const cutoff = new Map<number, number>();
  let suffixMin = Infinity;
  for (let j = segIds.length - 1; j >= 0; j--) {
    cutoff.set(segIds[j], suffixMin);
    suffixMin = Math.min(suffixMin, firstOf.get(segIds[j])!);
  }
  const resumes = segIds.slice(1).map((id) => firstOf.get(id)!);
  let keep: number[] = [];
  let sorted = true;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(s.steps[i])) continue;
    if (s.steps[i] < cutoff.get(seg[i])!) {
      if (keep.length && s.steps[i] < s.steps[keep[keep.length - 1]]) sorted = false;
      keep.push(i);
    }
  }
  if (!sorted) keep = keep.sort((a, b) => s.steps[a] - s.steps[b] || a - b);
  const wallIn = s.wallTimes;
  let wallScale = 1;
  if (wallIn) {
    const some = wallIn.find((w) => w !== null && Number.isFinite(w));
    if (some !== undefined && some !== null && some > 1e11) wallScale = 1e-3;
  }
  const steps: number[] = [];
  const values: number[] = [];
  const wall: number[] = [];
  let firstNonFinite: PreparedSeries['firstNonFinite'] = null;
  for (let j = 0; j < keep.length; ) {
    const i0 = keep[j];
    const st = s.steps[i0];
    let sum = 0;
    let cnt = 0;
    let bad: number | null = null;
    let w = NaN;
    while (j < keep.length && s.steps[keep[j]] === st) {
      const v = s.values[keep[j]];
      if (Number.isFinite(v)) {
        sum += v;
        cnt++;
      } else if (bad === null) bad = v;
      const wt = wallIn?.[keep[j]];
      if (wt !== null && wt !== undefined && Number.isFinite(wt)) w = wt * wallScale;
      j++;
    }
    const v = bad !== null ? bad : sum / cnt;
    if (bad !== null && firstNonFinite === null) firstNonFinite = { step: st, value: bad };
    steps.push(st);
    values.push(v);
    wall.push(w);
  }
  const k = Math.max(1, Math.ceil(steps.length / maxBlocks));
  const spacing = steps.length > 1 ? median(steps.slice(1).map((x, i) => x - steps[i])) : 1;
  const blocks = blockStats(steps, values, k, Math.max(1, spacing) * k);
  return {
    tag: s.tag,
    info: classifyTag(s.tag),
    steps: Float64Array.from(steps),
    values: Float64Array.from(values),
    wall: wallIn ? Float64Array.from(wall) : null,
    firstNonFinite,
    blocks,
    resumes,
  };
}

function budgetOf(run: RunData, train: PreparedSeries[], val: PreparedSeries[]): Budget {
  const c = run.context;
  const all = [...train, ...val];
  const firstStep = all.length ? Math.min(...all.filter((s) => s.steps.length).map((s) => s.steps[0])) : 0;
  const maxSeen = all.length ? Math.max(...all.filter((s) => s.steps.length).map((s) => s.steps[s.steps.length - 1])) : 0;
  const lastStep = c.lastStep !== null && Number.isFinite(c.lastStep) ? Math.max(c.lastStep, maxSeen) : maxSeen;
  const valSteps = val.find((v) => v.steps.length >= 2)?.steps;
  const valSpacing = valSteps ? median(Array.from(valSteps).slice(1).map((x, i) => x - valSteps[i])) : null;
  const epochSteps = c.limitTrainBatches && c.limitTrainBatches > 1 ? c.limitTrainBatches : valSpacing;
  let valInterval: number | null = null;
  if (c.valCheckInterval && c.valCheckInterval > 1) valInterval = c.valCheckInterval;
  else if (c.valCheckInterval && c.valCheckInterval > 0 && epochSteps) valInterval = c.valCheckInterval * epochSteps;
  else valInterval = valSpacing ?? epochSteps;
  const planned = c.maxEpochs && epochSteps ? c.maxEpochs * epochSteps : null;
  const span = (planned ?? lastStep - firstStep) || 1;
  const blockSteps = train.length ? median(train.map((s) => s.blocks.blockSteps)) : 1;
  const warmEnd = firstStep + Math.max(0.05 * span, Math.min(2000, 0.1 * span), 8 * blockSteps);
  return {
    firstStep,
    lastStep,
    planned,
    epochSteps: epochSteps ?? null,
    valInterval,
    warmEnd,
    genLr: c.genLr,
    discLr: c.discLr,
  };
}

/** Everything the detectors need, computed once. */
export function prepareRun(run: RunData): AnalysisInput {
  const train: PreparedSeries[] = [];
  const val: PreparedSeries[] = [];
  for (const s of run.series) {
    const info = classifyTag(s.tag);
    if (info.role === 'ignore' || !s.steps.length) continue;
    if (info.role === 'val_loss' || info.role === 'val_quality') val.push(prepareSeries(s, Infinity));
    else train.push(prepareSeries(s));
  }
  const budget = budgetOf(run, train, val);
  const events = scheduleEvents(run, train, budget);
  if (events.warmupEnd !== null) budget.warmEnd = Math.max(budget.warmEnd, events.warmupEnd + 4 * events.guardSteps);
  return { run, train, val, events, budget };
}

/**
 * Diagnose one run. Divergence short-circuits: findings that start after the run diverged are its
 * consequences and are dropped. Every warning / critical finding gets at least one suggestion.
 */
export function diagnoseRun(run: RunData): Finding[] {
  const input = prepareRun(run);
  const divergence = detectDivergence(input);
  let findings: Finding[] = [...divergence];
  const cut = divergence.length ? Math.min(...divergence.map((f) => f.startStep)) : Infinity;
  const others = [
    ...detectOscillation(input),
    ...detectOverfitting(input),
    ...detectGanImbalance(input),
    ...detectPlateau(input),
    ...detectSlowConvergence(input),
  ].filter((f) => f.startStep < cut && f.endStep < cut + input.events.guardSteps * 4);
  // a plateau of metrics that are worsening (overfitting / GAN degradation) is that finding, not a plateau
  const worsening = new Set(others.filter((f) => f.kind === 'overfitting' || f.kind === 'gan_imbalance').flatMap((f) => f.metrics));
  findings.push(
    ...others.filter((f) => !(f.kind === 'plateau' && f.metrics.length && f.metrics.every((m) => worsening.has(m)))),
  );
  findings.push(...detectGpuUnderutilization(input));
  findings = findings.map((f) => ({ ...f, suggestions: f.severity === 'info' ? [] : suggestFor(f, input) }));
  const order = (k: string) => FINDING_KINDS.indexOf(k as (typeof FINDING_KINDS)[number]);
  const sev = { critical: 0, warning: 1, info: 2 } as const;
  return findings.sort((a, b) => sev[a.severity] - sev[b.severity] || order(a.kind) - order(b.kind) || a.startStep - b.startStep);
}
