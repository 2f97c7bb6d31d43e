// diagnoseRun: prepare the run once (resumed overlap removed, blocks of medians), recognise the known
// schedule events, run every detector, attach the suggestions. Pure: arrays in, findings out.
import { blockStats, median } from './robust';
import { scheduleEvents } from './scheduleEvents';
import { FINDING_KINDS } from './types';
import { classifyTag } from '../domain/tags';
import type { AnalysisInput, Budget, Finding, PreparedSeries, RunData, SeriesInput } from './types';
import { detectDivergence } from './detectors/divergence';
import { detectOscillation } from './detectors/oscillation';
import { detectPlateau } from './detectors/plateau';
import { detectOverfitting } from './detectors/overfitting';
import { detectGanImbalance } from './detectors/ganImbalance';
import { detectSlowConvergence } from './detectors/slowConvergence';
import { detectGpuUnderutilization } from './detectors/gpuUnderutilization';
import { suggestFor } from './suggest';
import { loggedEpochSteps } from './signals';
import { maxOf, minOf } from '../lib/reduce';

/** Training series are reduced to at most this many blocks (a LaMa 1M-step run logs 4 000 points per tag). */
export const MAX_TRAIN_BLOCKS = 4096;

/**
 * One series as the detectors see it: points of a resumed segment replace the earlier segment's points
 * from the resume step on; points sharing a step are merged (mean; a non-finite value wins);
 * sorted by step; blocked into ≤ maxBlocks medians.
 */
export function prepareSeries(s: SeriesInput, maxBlocks = MAX_TRAIN_BLOCKS): PreparedSeries {
  const n = Math.min(s.steps.length, s.values.length);
  const stepsIn = s.steps;
  const seg = new Int32Array(n);
  let multiSeg = false;
  if (s.segments && s.segments.length >= n) {
    for (let i = 0; i < n; i++) seg[i] = s.segments[i] | 0;
    for (let i = 1; i < n && !multiSeg; i++) if (seg[i] !== seg[0]) multiSeg = true;
  } else {
    for (let i = 1; i < n; i++) {
      seg[i] = stepsIn[i] < stepsIn[i - 1] ? seg[i - 1] + 1 : seg[i - 1];
      if (seg[i] !== seg[i - 1]) multiSeg = true;
    }
  }
  // which points survive: a resumed segment replaces the earlier ones from its first step on
  let order: Int32Array;
  const resumes: number[] = [];
  if (!multiSeg) {
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) if (!(stepsIn[i] >= stepsIn[i - 1])) sorted = false;
    order = Int32Array.from({ length: n }, (_, i) => i);
    if (!sorted) order.sort((a, b) => stepsIn[a] - stepsIn[b] || a - b);
  } else {
    const firstOf = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const f = firstOf.get(seg[i]);
      if (f === undefined || stepsIn[i] < f) firstOf.set(seg[i], stepsIn[i]);
    }
    const segIds = [...firstOf.keys()].sort((a, b) => a - b);
    const cutoff = new Map<number, number>();
    let suffixMin = Infinity;
    for (let j = segIds.length - 1; j >= 0; j--) {
      cutoff.set(segIds[j], suffixMin);
      suffixMin = Math.min(suffixMin, firstOf.get(segIds[j])!);
    }
    resumes.push(...segIds.slice(1).map((id) => firstOf.get(id)!));
    const keep: number[] = [];
    for (let i = 0; i < n; i++) if (stepsIn[i] < cutoff.get(seg[i])!) keep.push(i);
    order = Int32Array.from(keep).sort((a, b) => stepsIn[a] - stepsIn[b] || a - b);
  }
  const wallIn = s.wallTimes;
  let wallScale = 1;
  if (wallIn) {
    const some = wallIn.find((w) => w !== null && Number.isFinite(w));
    if (some !== undefined && some !== null && some > 1e11) wallScale = 1e-3;
  }
  const steps = new Float64Array(order.length);
  const values = new Float64Array(order.length);
  const wall = wallIn ? new Float64Array(order.length) : null;
  let m = 0;
  let firstNonFinite: PreparedSeries['firstNonFinite'] = null;
  for (let j = 0; j < order.length; ) {
    const st = stepsIn[order[j]];
    if (!Number.isFinite(st)) {
      j++;
      continue;
    }
    let sum = 0;
    let cnt = 0;
    let bad: number | null = null;
    let w = NaN;
    while (j < order.length && stepsIn[order[j]] === st) {
      const i = order[j];
      const v = s.values[i];
      if (Number.isFinite(v)) {
        sum += v;
        cnt++;
      } else if (bad === null) bad = v;
      if (wallIn) {
        const wt = wallIn[i];
        if (wt !== null && wt !== undefined && Number.isFinite(wt)) w = wt * wallScale;
      }
      j++;
    }
    if (bad !== null && firstNonFinite === null) firstNonFinite = { step: st, value: bad };
    steps[m] = st;
    values[m] = bad !== null ? bad : sum / cnt;
    if (wall) wall[m] = w;
    m++;
  }
  const stepsOut = steps.subarray(0, m);
  const valuesOut = values.subarray(0, m);
  const k = Math.max(1, Math.ceil(m / maxBlocks));
  let spacing = 1;
  if (m > 1) {
    const d = new Float64Array(Math.min(m - 1, 2000));
    const stride = Math.max(1, Math.floor((m - 1) / d.length));
    for (let i = 0; i < d.length; i++) d[i] = stepsOut[Math.min(m - 1, i * stride + 1)] - stepsOut[i * stride];
    spacing = median(d);
  }
  const blocks = blockStats(stepsOut, valuesOut, k, Math.max(1, spacing) * k);
  return {
    tag: s.tag,
    info: classifyTag(s.tag),
    steps: stepsOut,
    values: valuesOut,
    wall: wall ? wall.subarray(0, m) : null,
    firstNonFinite,
    blocks,
    resumes,
  };
}

function budgetOf(run: RunData, train: PreparedSeries[], val: PreparedSeries[]): Budget {
  const c = run.context;
  const all = [...train, ...val];
  const firstStep = all.length ? minOf(all.filter((s) => s.steps.length).map((s) => s.steps[0])) : 0;
  const maxSeen = all.length ? maxOf(all.filter((s) => s.steps.length).map((s) => s.steps[s.steps.length - 1])) : 0;
  const lastStep = c.lastStep !== null && Number.isFinite(c.lastStep) ? Math.max(c.lastStep, maxSeen) : maxSeen;
  const valSteps = val.find((v) => v.steps.length >= 2)?.steps;
  const valSpacing = valSteps ? median(Array.from(valSteps).slice(1).map((x, i) => x - valSteps[i])) : null;
  const epochSteps = loggedEpochSteps(run) ?? (c.limitTrainBatches && c.limitTrainBatches > 1 ? c.limitTrainBatches : valSpacing);
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
  // Lightning's on_step + on_epoch variants of one loss: keep the per-epoch means when there are enough
  // (less noise), else the per-step values — never both (they would count twice)
  const epochBases = new Set(train.filter((s) => s.info.granularity === 'epoch' && s.steps.length >= 8).map((s) => s.info.base));
  const stepBases = new Set(train.filter((s) => s.info.granularity === 'step').map((s) => s.info.base));
  for (let i = train.length - 1; i >= 0; i--) {
    const s = train[i];
    if ((s.info.granularity === 'step' && epochBases.has(s.info.base)) || (s.info.granularity === 'epoch' && !epochBases.has(s.info.base) && stepBases.has(s.info.base))) train.splice(i, 1);
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
  const findings: Finding[] = [...divergence];
  // Any NaN / explosion short-circuits everything: the other detectors only see the run before it.
  const cut = divergence.length ? minOf(divergence.map((f) => f.startStep)) : Infinity;
  const before = Number.isFinite(cut) ? truncateInput(input, cut) : input;
  // after a divergence, a flat or slow stretch before it is no separate finding, and overfitting needs
  // the validations the divergence ended
  const others = [
    ...detectOscillation(before),
    ...detectGanImbalance(before),
    ...(divergence.length ? [] : [...detectOverfitting(before), ...detectPlateau(before), ...detectSlowConvergence(before)]),
  ];
  // a plateau of metrics that are worsening (overfitting / GAN degradation) is that finding, not a plateau
  const worsening = new Set(others.filter((f) => f.kind === 'overfitting' || f.kind === 'gan_imbalance').flatMap((f) => f.metrics));
  findings.push(...others.filter((f) => !(f.kind === 'plateau' && f.metrics.length && f.metrics.every((m) => worsening.has(m)))));
  findings.push(...detectGpuUnderutilization(before));
  const withSuggestions = findings.map((f) => ({ ...f, suggestions: f.severity === 'info' ? [] : suggestFor(f, input) }));
  const order = (k: string) => FINDING_KINDS.indexOf(k as (typeof FINDING_KINDS)[number]);
  const sev = { critical: 0, warning: 1, info: 2 } as const;
  return withSuggestions.sort((a, b) => sev[a.severity] - sev[b.severity] || order(a.kind) - order(b.kind) || a.startStep - b.startStep);
}

/** The same prepared run, seen only up to (excluding) `step`. */
export function truncateInput(input: AnalysisInput, step: number): AnalysisInput {
  const cutSeries = (s: PreparedSeries): PreparedSeries => {
    let n = 0;
    while (n < s.steps.length && s.steps[n] < step) n++;
    let nb = 0;
    while (nb < s.blocks.n && s.blocks.step[nb] < step) nb++;
    const b = s.blocks;
    return {
      ...s,
      steps: s.steps.subarray(0, n),
      values: s.values.subarray(0, n),
      wall: s.wall ? s.wall.subarray(0, n) : null,
      firstNonFinite: s.firstNonFinite && s.firstNonFinite.step < step ? s.firstNonFinite : null,
      blocks: { n: nb, step: b.step.subarray(0, nb), med: b.med.subarray(0, nb), max: b.max.subarray(0, nb), blockSteps: b.blockSteps },
      resumes: s.resumes.filter((r) => r < step),
    };
  };
  const train = input.train.map(cutSeries).filter((s) => s.steps.length > 0);
  const val = input.val.map(cutSeries).filter((s) => s.steps.length > 0);
  const maxSeen = Math.max(input.budget.firstStep, ...[...train, ...val].map((s) => s.steps[s.steps.length - 1]));
  return { ...input, train, val, budget: { ...input.budget, lastStep: Math.min(input.budget.lastStep, maxSeen) } };
}

