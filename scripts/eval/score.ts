// Scoring the diagnosis against labelled runs: per kind TP / FP / FN, precision and recall with 95%
// Wilson intervals, median detection delay (the run replayed as it looked live), warnings on healthy
// runs. Expected kinds must be found; acceptable extra kinds are neither credited nor penalised.
import { FINDING_KINDS, type Finding, type FindingKind, type RunData } from '../../server/analysis/types';
import type { LabelledRun } from './sets';

export interface KindScore {
  kind: FindingKind;
  /** runs labelled with this kind */
  n: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number | null;
  recall: number | null;
  precisionCi: [number, number] | null;
  recallCi: [number, number] | null;
  delays: number[];
}

export interface RunResult {
  run: LabelledRun;
  found: Finding[];
  missed: FindingKind[];
  wrong: Finding[];
  tooEarly: Finding[];
}

export interface SetScore {
  kinds: KindScore[];
  runs: RunResult[];
  /** warnings on runs labelled healthy (none expected; also live at 50% / 75% when delays are replayed), acceptable extras listed apart */
  healthyWarnings: { run: string; finding: Finding; acceptable: boolean }[];
  healthyRuns: number;
  diagnoseMs: number;
}

/** Wilson score interval for k successes in n trials (95%). */
export function wilson(k: number, n: number, z = 1.96): [number, number] | null {
  if (n === 0) return null;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

export const alarms = (fs: Finding[]): Finding[] => fs.filter((f) => f.severity !== 'info');

function span(run: RunData): { first: number; last: number } {
  let first = Infinity;
  let last = -Infinity;
  for (const s of run.series)
    for (const st of s.steps) {
      if (st < first) first = st;
      if (st > last) last = st;
    }
  return { first: Number.isFinite(first) ? first : 0, last: Number.isFinite(last) ? last : 0 };
}

/** How early a finding may start before the labelled onset and still be the same event. */
export function onsetTolerance(run: RunData): number {
  const c = run.context;
  const { first, last } = span(run);
  const planned = c.maxEpochs && c.limitTrainBatches ? c.maxEpochs * c.limitTrainBatches : last - first;
  return Math.max(20 * (c.logEveryNSteps ?? 1), 2 * (c.limitTrainBatches ?? 0), 0.1 * planned);
}

/** The run as it looked live when its step counter reached `step`. */
export function truncateRun(run: RunData, step: number): RunData {
  const keep = (s: RunData['series'][number]) => {
    const idx: number[] = [];
    for (let i = 0; i < s.steps.length; i++) if (s.steps[i] <= step) idx.push(i);
    return {
      ...s,
      steps: idx.map((i) => s.steps[i]),
      values: idx.map((i) => s.values[i]),
      ...(s.segments ? { segments: idx.map((i) => s.segments![i]) } : {}),
      ...(s.wallTimes ? { wallTimes: idx.map((i) => s.wallTimes![i]) } : {}),
    };
  };
  const series = run.series.map(keep).filter((s) => s.steps.length);
  // the GPU log is cut at the wall time the training reached `step`
  let cutWall = Infinity;
  for (const s of run.series)
    if (s.wallTimes)
      for (let i = 0; i < s.steps.length; i++) {
        const w = s.wallTimes[i];
        if (s.steps[i] >= step && w !== null && w !== undefined && w < cutWall) cutWall = w;
      }
  return {
    ...run,
    context: { ...run.context, lastStep: step },
    series,
    ...(run.gpu ? { gpu: run.gpu.filter((g) => g.time === null || !Number.isFinite(cutWall) || g.time <= cutWall * 1000) } : {}),
    ...(run.lr ? { lr: run.lr.map(keep) } : {}),
  };
}

const PREFIXES = 12;

export function scoreSet(runs: LabelledRun[], diagnose: (r: RunData) => Finding[], o: { delay?: boolean } = {}): SetScore {
  const kinds = new Map<FindingKind, KindScore>(
    FINDING_KINDS.map((k) => [k, { kind: k, n: 0, tp: 0, fp: 0, fn: 0, precision: null, recall: null, precisionCi: null, recallCi: null, delays: [] }]),
  );
  const results: RunResult[] = [];
  const healthyWarnings: SetScore['healthyWarnings'] = [];
  let diagnoseMs = 0;
  for (const r of runs) {
    const t = performance.now();
    const found = diagnose(r.run);
    diagnoseMs += performance.now() - t;
    const al = alarms(found);
    const tol = onsetTolerance(r.run);
    const hit = (fs: Finding[], k: FindingKind) => fs.find((f) => f.kind === k && (r.onsets[k] === undefined || f.startStep >= r.onsets[k]! - tol));
    const res: RunResult = { run: r, found, missed: [], wrong: [], tooEarly: [] };
    for (const k of r.expected) {
      const row = kinds.get(k)!;
      row.n++;
      const h = hit(al, k);
      if (h) {
        row.tp++;
        const onset = r.onsets[k];
        if (o.delay && onset !== undefined) {
          const { last } = span(r.run);
          let delay = Math.max(0, h.startStep - onset);
          for (let i = 1; i <= PREFIXES; i++) {
            const p = Math.round(onset + ((last - onset) * i) / PREFIXES);
            if (hit(alarms(diagnose(truncateRun(r.run, p))), k)) {
              delay = p - onset;
              break;
            }
          }
          row.delays.push(delay);
        }
      } else {
        row.fn++;
        res.missed.push(k);
        const early = al.find((f) => f.kind === k);
        if (early) res.tooEarly.push(early);
      }
    }
    // healthy runs stay quiet live too: the run as it looked at 50% and 75% of its length
    if (!r.expected.length && o.delay) {
      const { first, last } = span(r.run);
      for (const frac of [0.5, 0.75])
        for (const f of alarms(diagnose(truncateRun(r.run, Math.round(first + (last - first) * frac)))))
          healthyWarnings.push({ run: `${r.id} (live at ${frac * 100}%)`, finding: f, acceptable: r.acceptable.includes(f.kind) });
    }
    const seen = new Set<FindingKind>();
    for (const f of al) {
      if (r.expected.includes(f.kind) || seen.has(f.kind)) continue;
      seen.add(f.kind);
      const acceptable = r.acceptable.includes(f.kind);
      if (!r.expected.length) healthyWarnings.push({ run: r.id, finding: f, acceptable });
      if (acceptable) continue;
      kinds.get(f.kind)!.fp++;
      res.wrong.push(f);
    }
    results.push(res);
  }
  for (const row of kinds.values()) {
    row.precision = row.tp + row.fp ? row.tp / (row.tp + row.fp) : null;
    row.recall = row.n ? row.tp / row.n : null;
    row.precisionCi = wilson(row.tp, row.tp + row.fp);
    row.recallCi = wilson(row.tp, row.n);
  }
  return { kinds: [...kinds.values()], runs: results, healthyWarnings, healthyRuns: runs.filter((r) => !r.expected.length).length, diagnoseMs };
}

const f2 = (v: number | null) => (v === null ? '   -  ' : v.toFixed(2).padStart(6));
const ci = (c: [number, number] | null) => (c === null ? '      -     ' : `[${c[0].toFixed(2)}–${c[1].toFixed(2)}]`.padStart(12));

/** A table a person reads: one row per kind, then the misses and the wrong findings. */
export function formatSetScore(title: string, s: SetScore, verbose: boolean): string[] {
  const out = [`== ${title}: ${s.runs.length} runs (${s.healthyRuns} healthy), diagnosed in ${s.diagnoseMs.toFixed(0)} ms`];
  out.push(`${'kind'.padEnd(22)}${'runs'.padStart(5)}${'TP'.padStart(4)}${'FP'.padStart(4)}${'FN'.padStart(4)}  precision [95% CI]     recall [95% CI]   median delay`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const k of s.kinds) {
    if (!k.n && !k.fp) continue;
    tp += k.tp;
    fp += k.fp;
    fn += k.fn;
    const d = k.delays.length ? String(Math.round([...k.delays].sort((a, b) => a - b)[Math.floor((k.delays.length - 1) / 2)])) + ' steps' : '-';
    out.push(`${k.kind.padEnd(22)}${String(k.n).padStart(5)}${String(k.tp).padStart(4)}${String(k.fp).padStart(4)}${String(k.fn).padStart(4)}  ${f2(k.precision)} ${ci(k.precisionCi)}  ${f2(k.recall)} ${ci(k.recallCi)}  ${d}`);
  }
  const P = tp + fp ? tp / (tp + fp) : null;
  const R = tp + fn ? tp / (tp + fn) : null;
  out.push(`${'all kinds'.padEnd(22)}${''.padStart(5)}${String(tp).padStart(4)}${String(fp).padStart(4)}${String(fn).padStart(4)}  ${f2(P)} ${ci(wilson(tp, tp + fp))}  ${f2(R)} ${ci(wilson(tp, tp + fn))}`);
  const hw = s.healthyWarnings.filter((w) => !w.acceptable);
  out.push(`warnings on healthy runs: ${hw.length} of ${s.healthyRuns} runs${hw.length ? ': ' + hw.map((w) => `${w.run} → ${w.finding.kind}`).join('; ') : ''}` + (s.healthyWarnings.length > hw.length ? ` (+${s.healthyWarnings.length - hw.length} of a kind the labels accept)` : ''));
  if (verbose)
    for (const r of s.runs) {
      if (!r.missed.length && !r.wrong.length) continue;
      const got = alarms(r.found).map((f) => `${f.kind}@${f.startStep}`).join(', ') || 'nothing';
      out.push(`  ${r.run.id}: expected [${r.run.expected.join(', ') || 'healthy'}] got [${got}]` + (r.missed.length ? ` missed ${r.missed.join(', ')}` : '') + (r.tooEarly.length ? ` (too early: ${r.tooEarly.map((f) => `${f.kind}@${f.startStep} vs onset ${r.run.onsets[f.kind]}`).join(', ')})` : '') + (r.wrong.length ? ` wrong ${r.wrong.map((f) => f.kind).join(', ')}` : ''));
    }
  return out;
}
