// npm run bench:diagnose — precision / recall / F1 / detection delay / false alarms per kind of finding
// on the labelled corpus (server/analysis/corpus.ts: synthetic pathologies, hard negatives and every
// `lrscope demo` scenario), whether any warning fired on a healthy hard negative, and the time to
// diagnose a 1M-point run. Options: --quick (a smaller corpus), --verbose (list misses and false alarms),
// --no-delay (skip the online-delay replay), --seed=N (a held-out corpus from other generator seeds).
import { buildCorpus, bigRun, type CorpusCase } from '../server/analysis/corpus';
import { diagnoseRun } from '../server/analysis/diagnose';
import { median } from '../server/analysis/robust';
import { FINDING_KINDS, type Finding, type FindingKind, type RunData } from '../server/analysis/types';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const verbose = args.has('--verbose');
const withDelay = !args.has('--no-delay');
const seedArg = process.argv.find((a) => a.startsWith('--seed='));
const seed = seedArg ? Number(seedArg.slice(7)) : 1;
const PREFIXES = 12;

function stepsOf(run: RunData): { first: number; last: number } {
  let first = Infinity;
  let last = -Infinity;
  for (const s of run.series) {
    for (const st of s.steps) {
      if (st < first) first = st;
      if (st > last) last = st;
    }
  }
  return { first: Number.isFinite(first) ? first : 0, last: Math.max(run.context.lastStep ?? -Infinity, last) };
}

/** The run as it looked live when its step counter reached `step` (cut by wall time: resumes stay right). */
export function truncateRun(run: RunData, step: number): RunData {
  const ref = run.series.filter((s) => s.tag.startsWith('train_') && s.wallTimes).sort((a, b) => b.steps.length - a.steps.length)[0];
  let cutWall = Infinity;
  if (ref?.wallTimes) {
    // the first time the run reached `step` (a resume that went back below it does not count twice)
    for (let i = 0; i < ref.steps.length; i++) {
      const w = ref.wallTimes[i];
      if (ref.steps[i] >= step && w !== null && w !== undefined && w < cutWall) cutWall = w;
    }
  }
  const keep = (s: RunData['series'][number]) => {
    const idx: number[] = [];
    for (let i = 0; i < s.steps.length; i++) {
      const w = s.wallTimes?.[i];
      if (w !== undefined && w !== null && Number.isFinite(cutWall) ? w <= cutWall : s.steps[i] <= step) idx.push(i);
    }
    return {
      ...s,
      steps: idx.map((i) => s.steps[i]),
      values: idx.map((i) => s.values[i]),
      ...(s.segments ? { segments: idx.map((i) => s.segments![i]) } : {}),
      ...(s.wallTimes ? { wallTimes: idx.map((i) => s.wallTimes![i]) } : {}),
    };
  };
  const series = run.series.map(keep).filter((s) => s.steps.length);
  const lastStep = Math.max(...series.map((s) => Math.max(...s.steps)));
  return {
    ...run,
    context: { ...run.context, lastStep },
    series,
    ...(run.gpu ? { gpu: run.gpu.filter((g) => g.time === null || !Number.isFinite(cutWall) || g.time <= cutWall * 1000) } : {}),
    ...(run.lr ? { lr: run.lr.map(keep) } : {}),
  };
}

function tolerance(c: CorpusCase): number {
  const ctx = c.run.context;
  const { first, last } = stepsOf(c.run);
  const planned = ctx.maxEpochs && ctx.limitTrainBatches ? ctx.maxEpochs * ctx.limitTrainBatches : last - first;
  return Math.max(20 * (ctx.logEveryNSteps ?? 1), 2 * (ctx.valCheckInterval ?? ctx.limitTrainBatches ?? 0), 0.05 * planned);
}

const alarms = (fs: Finding[]) => fs.filter((f) => f.severity !== 'info');

function correct(c: CorpusCase, fs: Finding[]): Finding | null {
  if (!c.label) return null;
  const tol = tolerance(c);
  return alarms(fs).find((f) => f.kind === c.label && f.startStep >= (c.onsetStep ?? 0) - tol) ?? null;
}

interface Row {
  tp: number;
  fp: number;
  fn: number;
  n: number;
  delays: number[];
  /** delay as a fraction of the run's planned steps */
  delayFracs: number[];
  healthySteps: number;
}

function main() {
  const t0 = performance.now();
  const corpus = buildCorpus(quick ? { perClass: 10, perFamily: 4, seed } : { seed });
  const genMs = performance.now() - t0;
  const rows = new Map<FindingKind, Row>(FINDING_KINDS.map((k) => [k, { tp: 0, fp: 0, fn: 0, n: 0, delays: [], delayFracs: [], healthySteps: 0 }]));
  const hardWarnings: string[] = [];
  const hardInfos: string[] = [];
  const misses: string[] = [];
  const falseAlarms: string[] = [];
  let diagMs = 0;
  let runs = 0;
  let points = 0;
  for (const c of corpus) {
    const { first, last } = stepsOf(c.run);
    const t = performance.now();
    const fs = diagnoseRun(c.run);
    diagMs += performance.now() - t;
    runs++;
    points += c.run.series.reduce((a, s) => a + s.steps.length, 0);
    const tol = tolerance(c);
    const hit = correct(c, fs);
    for (const k of FINDING_KINDS) {
      const row = rows.get(k)!;
      row.healthySteps += c.label === k ? Math.max(0, (c.onsetStep ?? first) - first) : last - first;
    }
    if (c.label) {
      const row = rows.get(c.label)!;
      row.n++;
      if (hit) {
        row.tp++;
        if (withDelay && c.onsetStep !== null) {
          let delay = last - c.onsetStep;
          for (let k = 1; k <= PREFIXES; k++) {
            const p = Math.round(c.onsetStep + ((last - c.onsetStep) * k) / PREFIXES);
            if (correct(c, diagnoseRun(truncateRun(c.run, p)))) {
              delay = p - c.onsetStep;
              break;
            }
          }
          row.delays.push(delay);
          const ctx = c.run.context;
          const planned = ctx.maxEpochs && ctx.limitTrainBatches ? ctx.maxEpochs * ctx.limitTrainBatches : last - first;
          row.delayFracs.push(delay / planned);
        }
      } else {
        row.fn++;
        misses.push(`${c.id} [${c.label} @${c.onsetStep}] ${c.description} → ${alarms(fs).map((f) => `${f.kind}@${f.startStep}`).join(', ') || 'nothing'}`);
      }
    }
    for (const f of alarms(fs)) {
      if (f === hit) continue;
      if (f.kind === c.label && hit) continue; // a second finding of the same event
      const row = rows.get(f.kind)!;
      row.fp++;
      falseAlarms.push(`${c.id} [${c.label ?? 'healthy'}] ${c.description} → ${f.kind} ${f.severity} @${f.startStep}${f.kind === c.label ? ` (before onset ${c.onsetStep} − ${Math.round(tol)})` : ''}: ${f.summary}`);
      if (c.label === null) hardWarnings.push(`${c.family}/${c.id}: ${f.kind} — ${f.summary}`);
    }
    if (c.label === null) for (const f of fs.filter((x) => x.severity === 'info')) hardInfos.push(`${c.family}/${c.id}: ${f.kind} (info)`);
    // live check: the hard negatives at 50% and 75% of their length must stay quiet too
    if (c.label === null) {
      for (const frac of [0.5, 0.75]) {
        const p = Math.round(first + (last - first) * frac);
        for (const f of alarms(diagnoseRun(truncateRun(c.run, p)))) hardWarnings.push(`${c.family}/${c.id} (live at ${Math.round(frac * 100)}%): ${f.kind} — ${f.summary}`);
      }
    }
  }
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log(`corpus (seed ${seed}${seed === 1 ? ', development set' : ', held-out set'}): ${corpus.length} runs (${corpus.filter((c) => c.label).length} with a pathology, ${corpus.filter((c) => c.label === null).length} healthy hard negatives, ${corpus.filter((c) => c.family === 'demo').length} demo scenarios), ${(points / 1e6).toFixed(2)}M points, generated in ${(genMs / 1000).toFixed(1)} s, diagnosed in ${(diagMs / 1000).toFixed(1)} s (${(diagMs / runs).toFixed(1)} ms/run)`);
  console.log('families: ' + [...new Set(corpus.map((c) => c.family))].map((f) => `${f} ${corpus.filter((c) => c.family === f).length}`).join(', '));
  console.log('');
  console.log(`${'kind'.padEnd(22)}${pad('runs', 6)}${pad('TP', 5)}${pad('FP', 5)}${pad('FN', 5)}${pad('precision', 11)}${pad('recall', 8)}${pad('F1', 7)}${pad('median delay (steps)', 22)}${pad('(% of run)', 12)}${pad('false alarms / 100k healthy steps', 35)}`);
  let ok = true;
  for (const k of FINDING_KINDS) {
    const r = rows.get(k)!;
    const precision = r.tp + r.fp ? r.tp / (r.tp + r.fp) : 1;
    const recall = r.n ? r.tp / r.n : 1;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    const fa = r.healthySteps ? (r.fp / r.healthySteps) * 1e5 : 0;
    if (precision < 0.9 || recall < 0.9) ok = false;
    console.log(
      `${k.padEnd(22)}${pad(r.n, 6)}${pad(r.tp, 5)}${pad(r.fp, 5)}${pad(r.fn, 5)}${pad(precision.toFixed(3), 11)}${pad(recall.toFixed(3), 8)}${pad(f1.toFixed(3), 7)}${pad(r.delays.length ? Math.round(median(r.delays)) : '-', 22)}${pad(r.delayFracs.length ? `${(median(r.delayFracs) * 100).toFixed(1)}%` : '-', 12)}${pad(fa.toFixed(4), 35)}`,
    );
  }
  console.log('');
  console.log(`warnings on healthy hard negatives (full runs and live at 50% / 75%): ${hardWarnings.length}${hardWarnings.length ? '' : ' — none'}`);
  for (const w of hardWarnings) console.log('  ' + w);
  console.log(`info findings on healthy hard negatives (allowed: observations that need no action): ${hardInfos.length}`);
  if (verbose) {
    for (const i of hardInfos) console.log('  ' + i);
    console.log(`\nmisses (${misses.length}):`);
    for (const m of misses) console.log('  ' + m);
    console.log(`\nfalse alarms (${falseAlarms.length}):`);
    for (const m of falseAlarms) console.log('  ' + m);
  }
  if (hardWarnings.length) ok = false;
  if (withDelay)
    console.log(
      `\ndelay = first of ${PREFIXES} evenly spaced prefixes after the onset (the run as it looked live) at which the finding appears, minus the onset; slow_convergence counts from step 0 and is judged from 30% of the budget on`,
    );

  // timing on a 1M-point run (8 training tags × 125k points)
  const big = bigRun(1_000_000);
  const nPoints = big.series.reduce((a, s) => a + s.steps.length, 0);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    diagnoseRun(big);
    times.push(performance.now() - t);
  }
  const med = median(times);
  console.log('');
  console.log(`1M-point run: ${nPoints} points (${big.series.filter((s) => s.tag.startsWith('train_')).length} training tags), diagnose first ${times[0].toFixed(0)} ms, median of 5 ${med.toFixed(0)} ms (target < 1000 ms)`);
  if (med >= 1000) ok = false;
  console.log(ok ? '\nTARGETS MET: precision ≥ 0.9 and recall ≥ 0.9 for every kind, no warning on a healthy hard negative, 1M points < 1 s' : '\nTARGETS NOT MET');
  process.exitCode = ok ? 0 : 1;
}

main();
