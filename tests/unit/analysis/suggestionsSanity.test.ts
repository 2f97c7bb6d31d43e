// Issue "Suggestions must be sane": every suggestion is checked against the rules below, on constructed
// findings of every kind (independent of what the detectors find) and on the real lama-devset runs.
//   1. never an LR above the one in force before the finding's onset after a divergence / oscillation,
//      computed from that LR (not the last logged one), the cause named;
//   2. G within the reference table's range for the batch size (× / ÷ 2), or the title says why not;
//      D at G/10 (except for the G:D-ratio finding); slow convergence raises the LR;
//   3. the data set picks the decay family;
//   4. the run's own config name / workers / clipping, nothing already configured suggested again.
import { describe, expect, it } from 'vitest';
import { generateRun } from '../../../scripts/eval/synthetic';
import { loadSet, setAvailable, type LabelledRun } from '../../../scripts/eval/sets';
import { diagnoseRun, prepareRun } from '../../../server/analysis/diagnose';
import { suggestFor, suggestionContext } from '../../../server/analysis/suggest';
import { referenceLrRange } from '../../../server/analysis/suggestions/lrScaling';
import { configNameFromRunName, datasetOf, numWorkersOf } from '../../../server/ingest/hydraConfig';
import { FINDING_KINDS, type AnalysisInput, type Finding, type FindingKind, type RunData, type Suggestion } from '../../../server/analysis/types';
import { specWith } from '../../helpers/analysisSpec';

// ---------------------------------------------------------------------------------------------
// The rules, as one checker

const EPS = 1e-6;

/** The LRs the rules are about, read from a suggestion's params and preview. */
function lrsOf(s: Suggestion, firstStep: number) {
  const p = s.params;
  const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : null);
  const genLr = num('genLr') ?? num('max_lr');
  const discLr = num('discLr') ?? num('discMaxLr');
  // the preview before the change applies (resume / schedule start) is the run's own history
  const start = num('resumeFromStep') ?? num('startStep') ?? firstStep;
  let peak = -Infinity;
  for (const [st, lr] of s.previewLr) if (st >= start && lr > peak) peak = lr;
  return { genLr, discLr, peak };
}

/** Every rule a suggestion breaks, as readable strings (empty: sane). */
function violations(f: Finding, input: AnalysisInput, s: Suggestion): string[] {
  const ctx = suggestionContext(input);
  const out: string[] = [];
  const first = input.budget.firstStep;
  const preG = input.events.lrAt(Math.max(first, f.startStep - 1)) ?? ctx.genLr;
  const preD = ctx.discLr !== null ? preG * (ctx.discLr / ctx.genLr) : null;
  const { genLr, discLr, peak } = lrsOf(s, first);
  const tag = `${f.kind}@${f.startStep} ${s.scheduler} "${s.title}"`;
  // rule 2: the table's range for the batch size, a factor of 2 either side, or the title says why not
  if (ctx.lama && ctx.batchSize && genLr !== null) {
    const [lo, hi] = referenceLrRange(ctx.batchSize).range;
    const explained = /(below|above) the table's range for batch \d+/.test(s.title);
    if (!explained && (genLr < (lo / 2) * (1 - EPS) || genLr > 2 * hi * (1 + EPS))) out.push(`${tag}: G ${genLr} outside ${lo / 2}–${2 * hi}`);
    if (!explained && peak > 2 * hi * (1 + EPS)) out.push(`${tag}: preview peak ${peak} above ${2 * hi}`);
  }
  // rule 2: D at G/10 unless the finding is about the G:D ratio (or the title explains a D-only change)
  if (ctx.lama && f.kind !== 'gan_imbalance' && genLr !== null && discLr !== null && Math.abs(discLr - genLr / 10) > EPS * genLr && !/D stays|D below G\/10/.test(s.title))
    out.push(`${tag}: D ${discLr} is not G/10 (${genLr / 10})`);
  // rule 1: after a divergence or oscillation, never above the LRs before onset
  if (f.kind === 'divergence' || f.kind === 'oscillation') {
    if (genLr !== null && genLr > preG * (1 + EPS)) out.push(`${tag}: G ${genLr} above the LR before onset ${preG}`);
    if (peak > preG * (1 + EPS)) out.push(`${tag}: preview peak ${peak} above the LR before onset ${preG}`);
    if (discLr !== null && preD !== null && discLr > preD * (1 + EPS)) out.push(`${tag}: D ${discLr} above the D before onset ${preD}`);
  }
  // slow convergence: the LR goes up
  if (f.kind === 'slow_convergence' && genLr !== null && !(genLr > preG)) out.push(`${tag}: G ${genLr} does not raise ${preG}`);
  // rule 4: no clipping at the value already configured
  if (s.scheduler === 'gradient_clipping') {
    const cur = ctx.gradientClipVal;
    if (cur !== null && cur > 0 && cur <= Number(s.params.gradient_clip_val)) out.push(`${tag}: clipping already at ${cur}`);
  }
  // rule 4: the run's own config file, workers as configured
  for (const m of `${s.config}\n${s.code}`.matchAll(/configs\/training\/([\w.-]+)\.yaml/g))
    if (m[1] !== ctx.configName) out.push(`${tag}: names configs/training/${m[1]}.yaml, the run's config is ${ctx.configName}`);
  if ('previousNumWorkers' in s.params && s.params.previousNumWorkers !== ctx.numWorkers) out.push(`${tag}: workers ${String(s.params.previousNumWorkers)} ≠ ${ctx.numWorkers}`);
  if (!s.previewLr.every(([, lr]) => Number.isFinite(lr) && lr > 0)) out.push(`${tag}: preview not finite / positive`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Constructed runs and findings

const spec = specWith({ seed: 91, epochSteps: 1000, maxEpochs: 20, logEvery: 50 });

interface RunOpts {
  genLr?: number;
  discLr?: number | null;
  batchSize?: number | null;
  gradientClipVal?: number | null;
  dataset?: string | null;
  configName?: string | null;
  numWorkers?: number | null;
  /** a logged generator LR per step (D logged at the configured ratio) */
  lr?: (step: number) => number;
  scheduler?: unknown;
}

function runWith(o: RunOpts = {}): RunData {
  const genLr = o.genLr ?? 1e-3;
  const discLr = o.discLr === undefined ? genLr / 10 : o.discLr;
  const run = generateRun(spec({ genLr, discLr: discLr ?? genLr / 10 }));
  run.context = {
    ...run.context,
    genLr,
    discLr,
    batchSize: o.batchSize === undefined ? 10 : o.batchSize,
    gradientClipVal: o.gradientClipVal === undefined ? 1 : o.gradientClipVal,
    dataset: o.dataset ?? null,
    configName: o.configName === undefined ? 'lama-fourier' : o.configName,
    numWorkers: o.numWorkers === undefined ? 3 : o.numWorkers,
    scheduler: o.scheduler ?? null,
  };
  if (o.lr) {
    const steps = Array.from({ length: 400 }, (_, i) => i * 50 + 49);
    const g = steps.map(o.lr);
    run.lr = [
      { tag: 'lr-Adam', steps, values: g },
      { tag: 'lr-Adam-1', steps, values: g.map((v) => (v * (discLr ?? genLr / 10)) / genLr) },
    ];
  }
  return run;
}

const EVIDENCE: Record<FindingKind, Record<string, unknown>[]> = {
  divergence: [{}],
  oscillation: [{ players: ['generator'] }, { players: ['discriminator'] }, { players: ['generator', 'discriminator'] }],
  plateau: [{ early: true }, { early: false }],
  overfitting: [{}],
  gan_imbalance: [{ subtype: 'd_winning' }, { subtype: 'd_not_learning' }, { subtype: 'g_fooling_d' }, { subtype: 'degradation' }, { subtype: 'instability' }],
  slow_convergence: [{}],
  gpu_underutilization: [{ pattern: 'low' }, { pattern: 'gappy' }],
};

function findingOf(kind: FindingKind, startStep: number, evidence: Record<string, unknown> = {}): Finding {
  const ev = kind === 'overfitting' ? { bestStep: startStep, ...evidence } : evidence;
  return { kind, severity: 'warning', metrics: ['train_gen_l1'], startStep, endStep: startStep + 1000, summary: 'constructed', evidence: ev, suggestions: [] };
}

/** Every kind × evidence variant × onset (start, middle, late) on one prepared run. */
function everyFinding(input: AnalysisInput): Finding[] {
  const { firstStep, lastStep } = input.budget;
  const onsets = [firstStep, Math.round((firstStep + lastStep) / 2), Math.round(firstStep + 0.8 * (lastStep - firstStep))];
  return FINDING_KINDS.flatMap((k) => EVIDENCE[k].flatMap((ev) => onsets.map((s) => findingOf(k, s, ev))));
}

function expectSane(input: AnalysisInput, findings: Finding[], withSuggestions = (f: Finding) => suggestFor(f, input)): number {
  const bad: string[] = [];
  let n = 0;
  for (const f of findings) {
    const ss = withSuggestions(f);
    if (f.severity !== 'info') expect(ss.length, `${f.kind} ${JSON.stringify(f.evidence)} gets a suggestion`).toBeGreaterThan(0);
    for (const s of ss) {
      n++;
      bad.push(...violations(f, input, s));
    }
  }
  expect(bad).toEqual([]);
  return n;
}

const titles = (ss: Suggestion[]) => ss.map((s) => s.title).join('\n');

// ---------------------------------------------------------------------------------------------

describe('rule 1: never above the LR before onset; the cause named', () => {
  // per-iteration ExponentialLR(gamma=1.025) from 1e-3: ×10 every 94 steps, 7e9 by step 1200
  const exploding = runWith({ lr: (s) => 1e-3 * Math.pow(1.025, Math.min(s, 1200)), scheduler: { 'optimizers.scheduler': { kind: 'ExponentialLR', interval: 'step', kwargs: { gamma: 1.025 } } } });
  const input = prepareRun(exploding);

  it('an exploding schedule: LRs from the table, not from the last logged LR; the schedule is named and dropped', () => {
    expect(input.events.lrAt(input.budget.lastStep)).toBeGreaterThan(1e9);
    const f = findingOf('divergence', 300);
    const [roll, clip] = suggestFor(f, input);
    expect(roll.scheduler).toBe('LinearWarmup');
    expect(roll.params.genLr).toBe(1e-3);
    expect(roll.params.discLr).toBeCloseTo(1e-4, 12);
    // the LR in force before onset, not the last logged one
    expect(Number(roll.params.previousGenLr) / (1e-3 * Math.pow(1.025, 299))).toBeCloseTo(1, 5);
    expect(roll.title).toMatch(/ExponentialLR\(gamma=1\.025\) per iteration/);
    expect(roll.title).toMatch(/back into the table's range for batch 10 \(5e-4–0\.001\)/);
    expect(roll.title).not.toMatch(/halve/i);
    expect(roll.config).toMatch(/optimizers\.scheduler \(ExponentialLR\(gamma=1\.025\), stepped per iteration\) is dropped/);
    expect(lrsOf(roll, input.budget.firstStep).peak).toBeLessThanOrEqual(1e-3 + 1e-15);
    // gradient_clip_val 1 is configured: no clipping suggestion
    expect(clip).toBeUndefined();
    expectSane(input, [f]);
  });

  it('an LR still ramping up at the onset without a scheduler block: "a warm-up that never ends"', () => {
    const ramp = prepareRun(runWith({ lr: (s) => 1e-3 * (0.05 + s / 400) }));
    const f = findingOf('divergence', 12000);
    const [roll] = suggestFor(f, ramp);
    expect(roll.title).toMatch(/a warm-up that never ends/);
    expect(roll.params.genLr).toBe(1e-3);
    expectSane(ramp, [f]);
  });

  it('an ExponentialLR that logs no LR: the LR before onset is replayed from the config, not taken as 1e-3', () => {
    const silent = prepareRun(runWith({ scheduler: { 'optimizers.scheduler': { kind: 'ExponentialLR', interval: 'step', kwargs: { gamma: 1.025 } } } }));
    const [roll] = suggestFor(findingOf('divergence', 200), silent);
    expect(Number(roll.params.previousGenLr) / (1e-3 * Math.pow(1.025, 200))).toBeCloseTo(1, 5);
    expect(roll.params.genLr).toBe(1e-3);
    expect(roll.title).toMatch(/ExponentialLR\(gamma=1\.025\) per iteration: ×10 every 94 iterations/);
  });

  it('a configured warm-up longer than the run: "a warm-up that never ends (the configured LR …)"', () => {
    const long = prepareRun(runWith({ scheduler: { 'optimizers.scheduler': { kind: 'LinearLR', interval: 'step', start_factor: 0.01, total_iters: 50000 } } }));
    const [roll] = suggestFor(findingOf('divergence', 15000), long);
    expect(roll.title).toMatch(/a warm-up that never ends \(the configured LR still rises at step 14999/);
    expectSane(long, [findingOf('divergence', 15000)]);
  });

  it('a geometric LR ramp without a scheduler block is a schedule with gamma > 1', () => {
    const geo = prepareRun(runWith({ lr: (s) => 1e-4 * Math.pow(1.0005, s) }));
    const [roll] = suggestFor(findingOf('divergence', 10000), geo);
    expect(roll.title).toMatch(/gamma > 1/);
  });

  it('an LR 50× LaMa’s default (G 5e-2 / D 5e-1, batch 10): back into the table’s range with D at G/10, not "halve"', () => {
    const hot = prepareRun(runWith({ genLr: 5e-2, discLr: 5e-1 }));
    for (const kind of ['divergence', 'oscillation'] as const) {
      const ss = suggestFor(findingOf(kind, 3000, kind === 'oscillation' ? { players: ['generator', 'discriminator'] } : {}), hot);
      const first = ss[0];
      expect(first.params.genLr).toBe(1e-3);
      expect(first.params.discLr).toBeCloseTo(1e-4, 12);
      expect(first.title).toMatch(/back into the table's range for batch 10 \(5e-4–0\.001\)/);
      expect(first.title).toMatch(/G LR 0\.05 is 50× LaMa's default/);
      expect(first.title).toMatch(/D LR 0\.5 is 5000× LaMa's default/);
      expect(titles(ss)).not.toMatch(/halve/i);
    }
    expectSane(hot, everyFinding(hot));
  });

  it('an LR that decayed before onset: the lower LR before onset is the ceiling', () => {
    const decayed = prepareRun(runWith({ genLr: 2e-3, lr: (s) => (s < 5000 ? 2e-3 : 6e-4) }));
    const [scale] = suggestFor(findingOf('oscillation', 8000, { players: ['generator'] }), decayed);
    expect(scale.params.genLr).toBeCloseTo(3e-4, 12);
    expect(scale.params.previousGenLr).toBeCloseTo(6e-4, 12);
  });

  it('G already below the range and diverging: not raised, and the title says why it leaves the range', () => {
    const cold = prepareRun(runWith({ genLr: 3e-6, discLr: 2e-3 }));
    const [roll] = suggestFor(findingOf('divergence', 6000), cold);
    expect(roll.params.genLr).toBe(3e-6);
    expect(roll.title).toMatch(/G stays at 3e-6, below the table's range for batch 10/);
    expect(roll.title).toMatch(/D LR above G's/);
    expect(Number(roll.params.discLr)).toBeLessThanOrEqual(2e-3);
    expectSane(cold, everyFinding(cold));
  });
});

describe('rule 2: the reference table and LaMa’s 10:1', () => {
  it('every kind, on runs at, above and below the table, for batch 4, 10, 20, 48, 256: sane', () => {
    for (const batchSize of [4, 10, 20, 48, 256])
      for (const [genLr, discLr] of [[1e-3, 1e-4], [2e-2, 2e-3], [2e-5, 2e-6], [1e-3, 1e-3]] as const) {
        const input = prepareRun(runWith({ genLr, discLr, batchSize }));
        expect(expectSane(input, everyFinding(input))).toBeGreaterThan(20);
      }
  });

  it('no batch size: anchored on the LR before onset, and the title says so', () => {
    const input = prepareRun(runWith({ genLr: 7e-4, batchSize: null }));
    for (const f of everyFinding(input).filter((x) => x.kind !== 'gpu_underutilization')) {
      const lrSetting = suggestFor(f, input).filter((s) => typeof s.params.genLr === 'number' || typeof s.params.max_lr === 'number');
      expect(lrSetting.length, f.kind).toBeGreaterThan(0);
      expect(lrSetting.some((s) => /from the LR before step \d+ \(G 7e-4; batch size unknown\)/.test(s.title)), `${f.kind} ${JSON.stringify(f.evidence)}: ${titles(lrSetting)}`).toBe(true);
    }
    const [osc] = suggestFor(findingOf('oscillation', 5000, { players: ['generator'] }), input);
    expect(osc.params.genLr).toBeCloseTo(3.5e-4, 12);
  });

  it('slow convergence raises the LR: to the bottom of the range, within it, or beyond it with a reason', () => {
    const cases: [number, number, RegExp | null][] = [
      [3e-5, 5e-4, /into the table's range for batch 10/],
      [6e-4, 1e-3, null],
      [1e-3, 2e-3, null],
      [3e-3, 4.5e-3, /above the table's range for batch 10/],
    ];
    for (const [g0, want, title] of cases) {
      const input = prepareRun(runWith({ genLr: g0 }));
      const f = findingOf('slow_convergence', 2000);
      const [warm, cycle] = suggestFor(f, input);
      expect(warm.params.genLr, `from ${g0}`).toBeCloseTo(want, 12);
      expect(cycle.params.max_lr).toBeCloseTo(want, 12);
      if (title) expect(warm.title).toMatch(title);
      expectSane(input, [f]);
    }
  });

  it('the GPU advice keeps the √κ LR inside the range it cites for the new batch size', () => {
    const at = (genLr: number, batchSize: number) => suggestFor(findingOf('gpu_underutilization', 3000, { pattern: 'low' }), prepareRun(runWith({ genLr, batchSize })))[0];
    const a = at(1e-3, 10);
    expect(a.params.newBatch).toBe(20);
    expect(a.params.genLr).toBeCloseTo(Math.SQRT2 * 1e-3, 8);
    expect(a.title).toMatch(/table range for batch 20: 5e-4–0\.002/);
    const b = at(2e-3, 12);
    const [lo, hi] = b.params.referenceRange as [number, number];
    expect(b.params.genLr).toBeGreaterThanOrEqual(lo);
    expect(b.params.genLr).toBeLessThanOrEqual(hi);
    expect(b.params.genLrInReferenceRange).toBe(true);
    expect(b.title).toMatch(/√κ gives 0\.00283, kept within it/);
  });

  it('G:D ratio findings change the ratio from G inside the table (D winning at G 3e-6 / D 2e-3 → 10:1 first)', () => {
    const input = prepareRun(runWith({ genLr: 3e-6, discLr: 2e-3 }));
    const [reset, slower] = suggestFor(findingOf('gan_imbalance', 6000, { subtype: 'd_winning' }), input);
    expect(reset.params).toMatchObject({ genLr: 5e-4, discLr: 5e-5 });
    expect(reset.title).toMatch(/back into the table's range for batch 10/);
    expect(slower.params.discLr).toBeCloseTo(2.5e-5, 12);
    expect(slower.params.gpCoef).toBeCloseTo(0.01, 12);
    // D as fast as G within the table: halve D first, LaMa's 10:1 offered
    const fast = suggestFor(findingOf('gan_imbalance', 6000, { subtype: 'd_winning' }), prepareRun(runWith({ genLr: 1e-3, discLr: 1e-3 })));
    expect(fast[0].params.discLr).toBeCloseTo(5e-4, 12);
    expect(fast.some((s) => s.params.discLr === 1e-4 && /LaMa's G:D 10:1/.test(s.title))).toBe(true);
  });
});

describe('rule 3: the data set picks the decay family', () => {
  const late = (dataset: string | null) => {
    const input = prepareRun(runWith({ dataset }));
    return {
      input,
      plateau: suggestFor(findingOf('plateau', 12000, { early: false }), input),
      overfit: suggestFor(findingOf('overfitting', 9999), input),
      osc: suggestFor(findingOf('oscillation', 8000, { players: ['generator'] }), input),
      degr: suggestFor(findingOf('gan_imbalance', 9000, { subtype: 'degradation' }), input),
    };
  };

  it('CelebA-HQ: cosine annealing first, and the title says why', () => {
    const r = late('celeba');
    for (const ss of [r.plateau, r.overfit, r.osc, r.degr]) {
      expect(ss[0].scheduler).toBe('CosineAnnealingLR');
      expect(ss[0].title).toMatch(/^CelebA-HQ: cosine annealing first \(30k faces trained for a fixed budget/);
    }
    expect(r.overfit[0].title).toMatch(/Keep the checkpoint of step 9999/);
    expectSane(r.input, everyFinding(r.input));
  });

  it('Places2: the multi-stage MultiStepLR first, milestones on epoch boundaries', () => {
    const r = late('places');
    for (const ss of [r.plateau, r.overfit, r.osc, r.degr]) {
      expect(ss[0].scheduler).toBe('MultiStepLR');
      expect(ss[0].title).toMatch(/^Places2: multi-stage step decay first/);
      for (const m of ss[0].params.milestoneSteps as number[]) expect(m % 1000).toBe(0);
    }
    expect((r.plateau[0].params.milestoneSteps as number[]).length).toBe(2);
    expectSane(r.input, everyFinding(r.input));
  });

  it('another data set keeps each finding’s own order (ReduceLROnPlateau first for a late plateau)', () => {
    const r = late('shapes32');
    expect(r.plateau.map((s) => s.scheduler)).toEqual(['ReduceLROnPlateau', 'MultiStepLR']);
    expect(r.osc[0].scheduler).toBe('lr_scaling');
    expect(titles([...r.plateau, ...r.overfit, ...r.osc])).not.toMatch(/CelebA|Places/);
  });

  it('an early plateau gets a warm restart on every data set (exploration, not a decay)', () => {
    for (const dataset of ['celeba', 'places', null]) {
      const ss = suggestFor(findingOf('plateau', 3000, { early: true }), prepareRun(runWith({ dataset })));
      expect(ss[0].scheduler).toBe('CosineAnnealingWarmRestarts');
    }
  });
});

describe('rule 4: the run’s own config name, workers and clipping', () => {
  it('names the run’s config file, never lama-fourier.yaml for another config', () => {
    const input = prepareRun(runWith({ configName: 'lama-tiny32', numWorkers: 0 }));
    const gpu = suggestFor(findingOf('gpu_underutilization', 3000, { pattern: 'low' }), input)[0];
    expect(gpu.config).toMatch(/configs\/training\/lama-tiny32\.yaml/);
    expect(gpu.code).toMatch(/-cn lama-tiny32 /);
    const gd = suggestFor(findingOf('gan_imbalance', 6000, { subtype: 'd_winning' }), input)[0];
    expect(gd.config).toMatch(/configs\/training\/lama-tiny32\.yaml/);
    for (const f of everyFinding(input)) for (const s of suggestFor(f, input)) expect(`${s.config}${s.code}`).not.toMatch(/lama-fourier/);
  });

  it('workers: 0 → 4 for a starved pipeline, 3 kept for a GPU that is merely under-used, 3 → 6 for a gappy one', () => {
    const gpu = (numWorkers: number | null, pattern: string) => suggestFor(findingOf('gpu_underutilization', 3000, { pattern }), prepareRun(runWith({ numWorkers })))[0];
    const zero = gpu(0, 'low');
    expect(zero.params).toMatchObject({ numWorkers: 4, previousNumWorkers: 0 });
    expect(zero.title).toMatch(/data\.num_workers 0 → 4/);
    expect(zero.config).toMatch(/num_workers: 4 {2}# was 0/);
    const three = gpu(3, 'low');
    expect(three.params).toMatchObject({ numWorkers: 3, previousNumWorkers: 3 });
    expect(three.config).not.toMatch(/num_workers/);
    expect(gpu(3, 'gappy').params).toMatchObject({ numWorkers: 6, previousNumWorkers: 3 });
  });

  it('no "keep gradient clipping at 1": clipping is suggested only when the run does not clip (or clips looser)', () => {
    for (const kind of ['divergence', 'oscillation'] as const) {
      const f = findingOf(kind, 5000, kind === 'oscillation' ? { players: ['generator'] } : {});
      expect(suggestFor(f, prepareRun(runWith({ gradientClipVal: 1 }))).map((s) => s.scheduler)).not.toContain('gradient_clipping');
      const off = suggestFor(f, prepareRun(runWith({ gradientClipVal: 0 }))).find((s) => s.scheduler === 'gradient_clipping')!;
      expect(off.title).toBe('Clip gradients at norm 1 (was off)');
      expect(titles(suggestFor(f, prepareRun(runWith({ gradientClipVal: 5 }))))).toMatch(/Clip gradients at norm 1 \(was 5\)/);
    }
  });
});

describe('the run facts suggestions read from the stored config', () => {
  it('config name from the run folder, anchored on the timestamp (user names and config names hold "_")', () => {
    expect(configNameFromRunName('k.ivanova_2026-12-01_12-57-22_train_lama-tiny32_')).toBe('lama-tiny32');
    expect(configNameFromRunName('rohanswilkho_93_2024-10-18_18-32-48_train_lama-fourier_')).toBe('lama-fourier');
    expect(configNameFromRunName('me_2021-10-13_01-54-53_train_ablv2_work_no_segmpl_vgg_')).toBe('ablv2_work_no_segmpl_vgg');
    expect(configNameFromRunName('me_2021-10-13_01-54-53_train_big-lama_run7_', 'run7')).toBe('big-lama');
    expect(configNameFromRunName('me_train_big-lama-celeba_')).toBe('big-lama-celeba');
    expect(configNameFromRunName('version_0')).toBeNull();
  });

  it('the data set: location override, data root, config name; celeba / places by name', () => {
    const composed = (root: string) => ({ location: { data_root_dir: root, out_root_dir: '/x' }, data: { train: { indir: '${location.data_root_dir}/train' } } });
    expect(datasetOf(composed('/home/user/lama/celeba-hq-dataset/'), null, 'lama-fourier')).toBe('celeba');
    expect(datasetOf(composed('/home/user/inpainting-lama/places_standard_dataset/'), null, 'big-lama')).toBe('places');
    expect(datasetOf(composed('/data/x/'), ['location=celeba'], 'lama-fourier')).toBe('celeba');
    expect(datasetOf(composed('/data/faces/'), null, 'lama-fourier-celeba')).toBe('celeba');
    expect(datasetOf({ defaults: [{ location: 'places_standard' }, { data: 'abl-04-256-mh-dist' }] }, null, null)).toBe('places');
    expect(datasetOf(composed('/home/user/inpainting-lama/shapes32_dataset/'), ['location=shapes32'], 'lama-tiny32')).toBe('shapes32');
    expect(datasetOf(composed('/home/user/inpainting-lama/shapes32_dataset/'), null, 'lama-tiny32')).toBe('shapes32');
    expect(datasetOf(null, null, null)).toBeNull();
  });

  it('num_workers from data.num_workers, else the train data loader’s', () => {
    expect(numWorkersOf({ data: { num_workers: 3, train: { dataloader_kwargs: { num_workers: '${data.num_workers}' } } } })).toBe(3);
    expect(numWorkersOf({ data: { train: { dataloader_kwargs: { num_workers: 6 } } } })).toBe(6);
    expect(numWorkersOf({ data: {} })).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// The real devset runs (ingested through the product's own path)

describe.runIf(setAvailable('lama-devset'))('lama-devset: every suggestion is sane', () => {
  let runs: LabelledRun[] = [];
  const devset = () => (runs.length ? runs : (runs = loadSet('lama-devset')));
  const byName = (part: string) => devset().find((r) => r.id.includes(part))!.run;

  it('the stored config gives the config name, the data set and the workers', () => {
    const gpuRun = byName('12-57-23_train_lama-tiny32_');
    // location=shapes32_nfs on its command line, data.num_workers=0
    expect(gpuRun.context).toMatchObject({ configName: 'lama-tiny32', dataset: 'shapes32_nfs', numWorkers: 0, batchSize: 10 });
    expect(byName('12-57-22_train_lama-tiny32_').context).toMatchObject({ numWorkers: 3, batchSize: 12 });
    expect(byName('lrramp').context.configName).toBe('lama-tiny32_lrramp');
  });

  it('every finding diagnoseRun produces: rules 1, 2 and 4 hold for its suggestions', () => {
    let n = 0;
    for (const r of devset()) {
      const input = prepareRun(r.run);
      const findings = diagnoseRun(r.run);
      n += expectSane(input, findings, (f) => f.suggestions);
    }
    // the detectors decide how many; the suggestions were checked whatever they are
    expect(n).toBeGreaterThanOrEqual(0);
  });

  it('every kind at every onset on every devset run: sane', () => {
    for (const r of devset()) {
      const input = prepareRun(r.run);
      expect(expectSane(input, everyFinding(input)), r.id).toBeGreaterThan(30);
    }
  });

  it('regression: the lrramp run (per-iteration ExponentialLR gamma 1.025) is not told to halve 1.2e12', () => {
    const run = byName('lrramp');
    const input = prepareRun(run);
    expect(input.events.lrAt(input.budget.lastStep)).toBeGreaterThan(1e11);
    const labelled = devset().find((x) => x.id.includes('lrramp'))!.onsets.divergence ?? 350;
    const detected = diagnoseRun(run).filter((f) => f.kind === 'divergence');
    for (const f of [findingOf('divergence', labelled), ...detected]) {
      const ss = f.suggestions.length ? f.suggestions : suggestFor(f, input);
      const [roll] = ss;
      expect(roll.params.genLr).toBe(1e-3);
      expect(roll.params.discLr).toBeCloseTo(1e-4, 12);
      expect(roll.title).toMatch(/ExponentialLR\(gamma=1\.025\) per iteration/);
      expect(roll.title).not.toMatch(/halve/i);
      for (const s of ss) {
        expect(Number(s.params.genLr ?? 0)).toBeLessThanOrEqual(1e-3);
        // gradient_clip_val 0 in this run: clipping is a real change here
        if (s.scheduler === 'gradient_clipping') expect(s.title).toMatch(/was off/);
      }
      expectSane(input, [f], () => ss);
    }
  });

  it('the oscillating run at G 3e-2 / D 3e-1 (batch 10) goes back into the table’s range with D at G/10', () => {
    const input = prepareRun(byName('12-57-24_train_lama-tiny32_'));
    const [first] = suggestFor(findingOf('oscillation', 200, { players: ['generator', 'discriminator'] }), input);
    expect(first.params).toMatchObject({ genLr: 1e-3, discLr: 1e-4 });
    expect(first.title).toMatch(/back into the table's range for batch 10 \(5e-4–0\.001\)/);
    expect(first.title).toMatch(/G LR 0\.03 is 30× LaMa's default/);
  });
});
