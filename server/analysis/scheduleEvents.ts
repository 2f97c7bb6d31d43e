// Known schedule events, recognised so they are NOT reported as pathologies (rules §5 "context
// suppression"): a loss drop at a logged LR step, the saw-tooth of warm restarts, a warm-up ramp, an
// epoch-periodic ripple, a resumed-from-checkpoint segment. Sources, in order of trust: logged LR tags
// (LearningRateMonitor `lr-*`), the scheduler found in the run's config, the loss curve itself.
import { lowerBound, mad, median, noiseScale, runningMedian } from './robust';
import type { Budget, PreparedSeries, RunData, ScheduleEvents } from './types';
import { maxOf, minOf } from '../lib/reduce';
import { lrTagSlot } from '../domain/tags';

interface LrCurve {
  steps: number[];
  values: number[];
}

/** The generator's LR tag: optimizer 0, param group 0 of the logged LR tags (then the larger LR). */
function pickLr(run: RunData): LrCurve | null {
  const cands = (run.lr ?? [])
    .map((s) => {
      const pts = s.steps
        .map((st, i) => [st, s.values[i]] as [number, number])
        .filter(([st, v]) => Number.isFinite(st) && Number.isFinite(v) && v >= 0)
        .sort((a, b) => a[0] - b[0]);
      return { tag: s.tag, pts };
    })
    .filter((c) => c.pts.length >= 2);
  if (!cands.length) return null;
  // LearningRateMonitor's first optimizer (LaMa: the generator) and first param group; ties (names that
  // carry no slot) go to the larger LR (LaMa: G = 10 × D)
  const rank = (tag: string) => {
    const s = lrTagSlot(tag);
    return s.optimizer * 1000 + s.group;
  };
  cands.sort((a, b) => rank(a.tag) - rank(b.tag) || median(b.pts.map((p) => p[1])) - median(a.pts.map((p) => p[1])));
  const pts = cands[0].pts;
  // keep the last value per step
  const steps: number[] = [];
  const values: number[] = [];
  for (const [s, v] of pts) {
    if (steps.length && steps[steps.length - 1] === s) values[values.length - 1] = v;
    else {
      steps.push(s);
      values.push(v);
    }
  }
  return { steps, values };
}

function stepFn(c: LrCurve): (s: number) => number {
  return (s: number) => {
    const i = lowerBound(c.steps, s + 0.5) - 1;
    return c.values[Math.max(0, i)];
  };
}

// ---------------------------------------------------------------------------------------------
// Scheduler from config (a Lightning / custom config holding a scheduler block)

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function findSchedulerSpec(v: unknown, depth = 0): Obj | null {
  if (!isObj(v) || depth > 6) return null;
  const name = String(v.kind ?? v.name ?? v._target_ ?? v.type ?? v.class_path ?? '');
  if (/(lr|annealing|restarts|cyclic|onecycle|step|plateau|warmup|linear|lambda)/i.test(name) && name.length > 2) return v;
  for (const x of Object.values(v)) {
    const r = findSchedulerSpec(x, depth + 1);
    if (r) return r;
  }
  return null;
}

const num = (o: Obj, ...keys: string[]): number | null => {
  for (const k of keys) {
    const v = o[k] ?? (isObj(o.kwargs) ? (o.kwargs as Obj)[k] : undefined) ?? (isObj(o.init_args) ? (o.init_args as Obj)[k] : undefined);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return null;
};

/**
 * A multiplier-free LR function from a configured scheduler, when its timing is unambiguous.
 * Times are in steps when the block says `interval: step`, else in epochs (× epoch length).
 */
function lrFromConfig(spec: Obj, base: number, epochSteps: number | null): { fn: (s: number) => number; kind: ScheduleEvents['schedule']; period: number | null; restarts: (last: number) => number[]; drops: number[] } | null {
  const name = String(spec.kind ?? spec.name ?? spec._target_ ?? spec.type ?? spec.class_path ?? '').toLowerCase();
  const interval = String(spec.interval ?? (isObj(spec.kwargs) ? (spec.kwargs as Obj).interval : '') ?? '').toLowerCase();
  const unit = interval === 'step' ? 1 : epochSteps ?? 1;
  if (name.includes('warmrestarts')) {
    const t0 = (num(spec, 'T_0', 't_0') ?? 0) * unit;
    const mult = num(spec, 'T_mult', 't_mult') ?? 1;
    const etaMin = num(spec, 'eta_min') ?? 0;
    if (!(t0 > 0)) return null;
    const cycleStart = (s: number): [number, number] => {
      let start = 0;
      let len = t0;
      while (s >= start + len) {
        start += len;
        len *= mult;
      }
      return [start, len];
    };
    return {
      fn: (s) => {
        const [st, len] = cycleStart(s);
        return etaMin + 0.5 * (base - etaMin) * (1 + Math.cos((Math.PI * (s - st)) / len));
      },
      kind: 'warm_restarts',
      period: mult === 1 ? t0 : null,
      restarts: (last) => {
        const out: number[] = [];
        let start = t0;
        let len = t0 * mult;
        while (start <= last) {
          out.push(start);
          start += len;
          len *= mult;
        }
        return out;
      },
      drops: [],
    };
  }
  if (name.includes('cyclic')) {
    const lo = num(spec, 'base_lr') ?? base / 4;
    const hi = num(spec, 'max_lr') ?? base;
    const up = num(spec, 'step_size_up') ?? 2000;
    const down = num(spec, 'step_size_down') ?? up;
    const per = up + down;
    return {
      fn: (s) => {
        const x = s % per;
        return x < up ? lo + ((hi - lo) * x) / up : hi - ((hi - lo) * (x - up)) / down;
      },
      kind: 'cyclic',
      period: per,
      restarts: () => [],
      drops: [],
    };
  }
  if (name.includes('multistep')) {
    const ms = (Array.isArray(spec.milestones) ? spec.milestones : isObj(spec.kwargs) && Array.isArray((spec.kwargs as Obj).milestones) ? ((spec.kwargs as Obj).milestones as unknown[]) : [])
      .map(Number)
      .filter(Number.isFinite)
      .map((m) => m * unit)
      .sort((a, b) => a - b);
    const gamma = num(spec, 'gamma') ?? 0.1;
    return { fn: (s) => base * Math.pow(gamma, ms.filter((m) => s >= m).length), kind: 'step', period: null, restarts: () => [], drops: ms };
  }
  if (name.includes('steplr')) {
    const size = (num(spec, 'step_size') ?? 0) * unit;
    const gamma = num(spec, 'gamma') ?? 0.1;
    if (!(size > 0)) return null;
    return {
      fn: (s) => base * Math.pow(gamma, Math.floor(s / size)),
      kind: 'step',
      period: null,
      restarts: () => [],
      drops: Array.from({ length: 50 }, (_, i) => (i + 1) * size),
    };
  }
  if (name.includes('cosineannealing')) {
    const tmax = (num(spec, 'T_max', 't_max') ?? 0) * unit;
    const etaMin = num(spec, 'eta_min') ?? 0;
    if (!(tmax > 0)) return null;
    return { fn: (s) => etaMin + 0.5 * (base - etaMin) * (1 + Math.cos((Math.PI * Math.min(s, tmax)) / tmax)), kind: 'cosine', period: null, restarts: () => [], drops: [] };
  }
  if (name.includes('warmup') || name.includes('linearlr')) {
    const total = (num(spec, 'total_iters', 'warmup_steps', 'warmup_iters', 'num_warmup_steps') ?? 0) * (name.includes('linearlr') ? unit : 1);
    const start = num(spec, 'start_factor') ?? 0.01;
    if (!(total > 0)) return null;
    return { fn: (s) => base * Math.min(1, start + ((1 - start) * s) / total), kind: 'warmup', period: null, restarts: () => [], drops: [] };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Saw-tooth restarts recognised from the loss curve (warm restarts without a logged LR)

/**
 * Upward jumps of the block medians (median of the 6 blocks after vs the 6 before, above 3% of the level
 * and 4 standard errors, the noise taken from the deviations from a 25-block running median; the
 * largest of each cluster), seen in at least half of the supervised training losses: ≥ 4 at a constant period (most of those the span
 * holds), or 3 with doubling cycles (T_mult = 2: T_0, 3T_0, 7T_0…). Restart steps.
 */
export function sawToothRestarts(series: PreparedSeries[]): number[] {
  const sup = series.filter((s) => s.info.role === 'sup' && s.blocks.n >= 40);
  if (!sup.length) return [];
  const perTag: number[][] = [];
  for (const s of sup) {
    const x = s.blocks.med;
    const n = s.blocks.n;
    const sig = noiseScale(x);
    const level = Math.abs(median(x));
    const jumps: number[] = [];
    // jump statistic: median of the 6 blocks after minus the 6 before (a spike cannot make one); its
    // noise from the deviations from a 25-block running median (short-range autocorrelation included)
    const d = new Float64Array(n);
    for (let i = 6; i <= n - 6; i++) d[i] = median(x, i, i + 6) - median(x, i - 6, i);
    const rm = runningMedian(x, 25);
    const dev = Float64Array.from(x, (v, i) => v - rm[i]);
    const sr = Math.max(1.4826 * mad(dev), sig);
    const thr = Math.max(0.03 * level, 4 * 1.25 * sr * Math.sqrt(2 / 6));
    let cluster: { i: number; d: number } | null = null;
    let lastI = -10;
    const close = () => {
      if (!cluster) return;
      jumps.push(cluster.i);
      cluster = null;
    };
    for (let i = 6; i <= n - 6; i++) {
      if (!(d[i] > thr)) continue;
      if (i - lastI > 1) close();
      lastI = i;
      if (!cluster || d[i] > cluster.d) cluster = { i, d: d[i] };
    }
    close();
    perTag.push(jumps.map((i) => s.blocks.step[i - 1]));
  }
  // jumps of all losses, clustered within ±3 blocks; a cluster seen in ≥ half of the losses is a restart
  const tol = 3 * sup[0].blocks.blockSteps;
  const all = perTag.flatMap((p, t) => p.map((st) => ({ st, t }))).sort((a, b) => a.st - b.st);
  const agreed: number[] = [];
  for (let i = 0; i < all.length; ) {
    let j = i + 1;
    while (j < all.length && all[j].st - all[j - 1].st <= tol) j++;
    const group = all.slice(i, j);
    if (new Set(group.map((g) => g.t)).size * 2 >= perTag.length) agreed.push(group[Math.floor((group.length - 1) / 2)].st);
    i = j;
  }
  if (agreed.length < 3) return [];
  // a schedule that explains the jumps: restarts at T_0, then every T_0·T_multⁱ (T_mult 1 or 2), from
  // the start of the run; ≥ 3 of its restarts seen, ≥ 75% of those it predicts seen, and at most as many
  // unexplained jumps as explained ones
  const first = sup[0].blocks.step[0];
  const last = sup[0].blocks.step[sup[0].blocks.n - 1];
  const origin = first < 4 * tol ? 0 : first;
  const candidates = new Set<number>();
  for (let i = 0; i < agreed.length; i++) {
    candidates.add(agreed[i] - origin);
    if (i > 0) candidates.add(agreed[i] - agreed[i - 1]);
  }
  let best: number[] = [];
  const near = (a: number, p: number) => Math.abs(a - p) <= Math.max(tol, 0.04 * (p - origin));
  for (const t0c of candidates) {
    if (!(t0c > 4 * tol)) continue;
    for (const mult of [1, 2]) {
      // restart k (k = 1, 2, …) at origin + T_0·c_k, c_k = k (T_mult 1) or 2^k − 1 (T_mult 2); T_0 refitted
      // by least squares on the matched restarts (the first restart pins it only to ±tol)
      let t0 = t0c;
      let matched: { p: number; a: number; c: number }[] = [];
      let predicted: number[] = [];
      for (let iter = 0; iter < 3; iter++) {
        predicted = [];
        const cs: number[] = [];
        for (let k = 1; k < 500; k++) {
          const c = mult === 1 ? k : 2 ** k - 1;
          const st = origin + t0 * c;
          if (st > last - tol) break;
          predicted.push(st);
          cs.push(c);
        }
        matched = [];
        predicted.forEach((p, i) => {
          const a = agreed.find((x) => near(x, p));
          if (a !== undefined) matched.push({ p, a, c: cs[i] });
        });
        if (matched.length < 2) break;
        const num = matched.reduce((acc, m) => acc + (m.a - origin) * m.c, 0);
        const den = matched.reduce((acc, m) => acc + m.c * m.c, 0);
        t0 = num / den;
      }
      const unexplained = agreed.filter((a) => !predicted.some((p) => near(a, p))).length;
      const need = mult === 1 ? 4 : 3;
      if (matched.length >= need && matched.length >= 0.75 * predicted.length && unexplained <= matched.length && matched.length > best.length) best = matched.map((m) => m.p);
    }
  }
  return best.map((p) => agreed.reduce((a, b) => (Math.abs(b - p) < Math.abs(a - p) ? b : a)));
}

// ---------------------------------------------------------------------------------------------

export function scheduleEvents(run: RunData, train: PreparedSeries[], budget: Budget): ScheduleEvents {
  const blockSteps = train.length ? median(train.map((s) => s.blocks.blockSteps)) : budget.epochSteps ?? 1;
  const guardSteps = Math.max(2 * blockSteps, 1);
  const resumes = [...new Set(train.flatMap((s) => s.resumes))].sort((a, b) => a - b);
  const periods: { steps: number; source: string }[] = [];
  if (budget.epochSteps) periods.push({ steps: budget.epochSteps, source: 'epoch length (limit_train_batches)' });
  if (budget.valInterval && budget.valInterval !== budget.epochSteps) periods.push({ steps: budget.valInterval, source: 'validation interval' });

  const base = budget.genLr;
  const logged = pickLr(run);
  let lrAt: (s: number) => number | null = () => base;
  let lrSource: ScheduleEvents['lrSource'] = base !== null ? 'constant' : 'unknown';
  let drops: number[] = [];
  let restarts: number[] = [];
  let warmupEnd: number | null = null;
  let schedule: ScheduleEvents['schedule'] = base !== null && (run.context.scheduler === null || run.context.scheduler === undefined) ? 'constant' : 'unknown';
  let lrAtFloor = false;

  if (logged) {
    const f = stepFn(logged);
    lrAt = f;
    lrSource = 'logged';
    const v = logged.values;
    const st = logged.steps;
    const max = maxOf(v);
    // warm-up: monotone increase from the first point
    let i = 1;
    while (i < v.length && v[i] >= v[i - 1] * 0.999) i++;
    if (i >= 3 && v[i - 1] >= 2 * v[0]) {
      warmupEnd = st[i - 1];
      for (let j = 1; j < i; j++) if (v[j] >= 0.98 * v[i - 1]) {
        warmupEnd = st[j];
        break;
      }
    }
    let nUpDown = 0;
    for (let j = Math.max(1, i); j < v.length; j++) {
      if (v[j] < 0.8 * v[j - 1]) drops.push(st[j]);
      else if (v[j] > 1.5 * v[j - 1]) restarts.push(st[j]);
      if (j > 1 && (v[j] - v[j - 1]) * (v[j - 1] - v[j - 2]) < 0) nUpDown++;
    }
    // cyclic: the LR turns around repeatedly without jumps
    const peaks: number[] = [];
    const floor = 1.2 * minOf(v);
    for (let j = 1; j < v.length - 1; j++) if (v[j] > v[j - 1] && v[j] >= v[j + 1] && v[j] > floor) peaks.push(st[j]);
    if (restarts.length >= 2) {
      schedule = 'warm_restarts';
      const gaps = restarts.slice(1).map((s, k) => s - restarts[k]);
      const g = median([restarts[0] - (warmupEnd ?? st[0]), ...gaps]);
      if (gaps.every((x) => Math.abs(x - g) <= 0.15 * g)) periods.push({ steps: g, source: 'warm-restart period (logged LR)' });
      for (const x of gaps) periods.push({ steps: x, source: 'warm-restart cycle (logged LR)' });
    } else if (peaks.length >= 3 && nUpDown >= 4 && !drops.length) {
      schedule = 'cyclic';
      const gaps = peaks.slice(1).map((s, k) => s - peaks[k]);
      periods.push({ steps: median(gaps), source: 'cyclic LR period (logged LR)' });
    } else if (drops.length && drops.length <= 8) schedule = 'step';
    else if (v[v.length - 1] < 0.95 * max) schedule = 'cosine';
    else if (warmupEnd !== null) schedule = 'warmup';
    else schedule = 'constant';
    if (restarts.length === 1) periods.push({ steps: restarts[0] - (warmupEnd ?? st[0]), source: 'warm-restart cycle (logged LR)' });
    lrAtFloor = v[v.length - 1] <= 0.02 * max;
    if (schedule !== 'step') drops = drops.filter((d) => v[lowerBound(st, d)] < 0.6 * v[lowerBound(st, d) - 1]);
  } else if (run.context.scheduler && base !== null) {
    const spec = findSchedulerSpec(run.context.scheduler);
    const cfg = spec ? lrFromConfig(spec, base, budget.epochSteps) : null;
    if (cfg) {
      lrAt = cfg.fn;
      lrSource = 'config';
      schedule = cfg.kind;
      drops = cfg.drops.filter((d) => d <= budget.lastStep);
      restarts = cfg.restarts(budget.lastStep);
      if (cfg.period) periods.push({ steps: cfg.period, source: `${cfg.kind} period (config)` });
      if (cfg.kind === 'warmup') {
        const total = num(spec!, 'total_iters', 'warmup_steps', 'warmup_iters', 'num_warmup_steps');
        warmupEnd = total;
      }
      lrAtFloor = cfg.fn(budget.lastStep) <= 0.02 * base;
    }
  }

  // Warm restarts without any LR information: the saw-tooth of the loss itself.
  if (!restarts.length && lrSource !== 'logged') {
    const rs = sawToothRestarts(train);
    if (rs.length >= 2) {
      restarts = rs;
      if (schedule === 'constant' || schedule === 'unknown') schedule = 'warm_restarts';
      const gaps = rs.slice(1).map((s, k) => s - rs[k]);
      for (const g of gaps) periods.push({ steps: g, source: 'loss saw-tooth (warm restarts)' });
    }
  }

  return { lrAt, lrSource, drops, restarts, warmupEnd, resumes, periods, schedule, lrAtFloor, guardSteps };
}

/** Steps of all events that cause level shifts (LR drops, restarts, resumes). */
export function levelShiftSteps(ev: ScheduleEvents): number[] {
  return [...ev.drops, ...ev.restarts, ...ev.resumes].sort((a, b) => a - b);
}

/** Steps where the LR regime changed (drops, restarts): trends are judged from the last one on. */
export function regimeChangeSteps(ev: ScheduleEvents): number[] {
  return [...ev.drops, ...ev.restarts].sort((a, b) => a - b);
}

/** Whether [from, to] contains (or is within `guard` of) a level-shifting schedule event. */
export function overlapsEvent(ev: ScheduleEvents, from: number, to: number, guard = ev.guardSteps): boolean {
  return levelShiftSteps(ev).some((s) => s >= from - guard && s <= to + guard);
}

/**
 * Whether a period (in steps) is explained by a known schedule period: the known period divided by a
 * whole number h (a harmonic), within 12% on the ratio. h ≤ 4 for the epoch / validation period (a
 * smooth ripple); h ≤ 8 for saw-tooth and cyclic schedules, whose harmonics are strong.
 */
export function knownPeriod(ev: ScheduleEvents, periodSteps: number, tol = 0.12): { steps: number; source: string; harmonic: number } | null {
  for (const p of ev.periods) {
    const ratio = p.steps / periodSteps;
    const h = Math.round(ratio);
    const maxH = /restart|saw|cyclic/.test(p.source) ? 8 : 4;
    if (h >= 1 && h <= maxH && Math.abs(ratio - h) <= tol * (h === 1 ? 1 : Math.min(1, 2 / h + 0.25))) return { steps: p.steps, source: p.source, harmonic: h };
  }
  return null;
}
