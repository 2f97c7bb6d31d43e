import { describe, expect, it } from 'vitest';
import {
  SCENARIOS, defaultConfig, rng, trainValues, valValues, testValues, gpuValues, onsetStep, ssimFid100F1,
  type Scenario, type ScenarioConfig,
} from '../../server/demo/scenarios';

/** The training curves the demo logs: every tag at every logged step, in order. */
function trainSeries(s: Scenario, seed?: number): { cfg: ScenarioConfig; steps: number[]; tags: Record<string, number[]> } {
  const base = defaultConfig(s);
  const cfg = seed === undefined ? base : { ...base, seed };
  const rand = rng(cfg.seed);
  const steps: number[] = [];
  const tags: Record<string, number[]> = {};
  for (let step = cfg.logEveryNSteps - 1; step < cfg.steps; step += cfg.logEveryNSteps) {
    steps.push(step);
    for (const [k, v] of Object.entries(trainValues(s, step, cfg, rand))) (tags[k] ??= []).push(v);
  }
  return { cfg, steps, tags };
}

function valSeries(s: Scenario, seed?: number): Record<string, number[]> {
  const base = defaultConfig(s);
  const cfg = seed === undefined ? base : { ...base, seed };
  const rand = rng(cfg.seed + 1);
  const out: Record<string, number[]> = {};
  for (let e = 0; e < cfg.steps / cfg.limitTrainBatches; e++) {
    for (const [k, v] of Object.entries(valValues(s, e, cfg, rand).scalars)) (out[k] ??= []).push(v);
  }
  return out;
}

const median = (xs: number[]) => {
  const a = xs.filter(Number.isFinite).sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
};
/** values in the run fraction [from, to) */
const part = (xs: number[], from: number, to: number) => xs.slice(Math.floor(from * xs.length), Math.floor(to * xs.length));
/** |relative change| of the median between the two halves of a window */
const relChange = (xs: number[]) => {
  const h = xs.length >> 1;
  return Math.abs(median(xs.slice(h)) - median(xs.slice(0, h))) / median(xs.slice(0, h));
};
/** residuals against a rolling median (detrended), relative to the level */
function residuals(xs: number[], half = 5): number[] {
  return xs.map((x, i) => x / median(xs.slice(Math.max(0, i - half), i + half + 1)) - 1);
}
const sd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
};
function lag1(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    den += (xs[i] - m) ** 2;
    if (i > 0) num += (xs[i] - m) * (xs[i - 1] - m);
  }
  return num / den;
}

const SEEDS = [undefined, 7, 123456];

describe('defaultConfig / rng / onsetStep', () => {
  it('uses LaMa-like defaults and whole epochs', () => {
    const c = defaultConfig('healthy');
    expect(c).toMatchObject({ steps: 20000, limitTrainBatches: 1000, logEveryNSteps: 50, batchSize: 10, genLr: 1e-3, discLr: 1e-4 });
    expect(defaultConfig('oscillation').genLr).toBeGreaterThan(c.genLr);
    expect(defaultConfig('slow_convergence').genLr).toBeLessThan(c.genLr);
    expect(defaultConfig('gan_imbalance').discLr).toBeGreaterThan(c.discLr);
    for (const steps of [37, 400, 2000, 4000, 4321, 100000]) {
      const k = defaultConfig('healthy', steps);
      expect(k.steps % k.limitTrainBatches).toBe(0);
      expect(k.limitTrainBatches % k.logEveryNSteps).toBe(0);
      expect(k.steps).toBeGreaterThanOrEqual(steps);
      expect(k.steps / k.limitTrainBatches).toBeGreaterThanOrEqual(steps >= 400 ? 15 : 1);
    }
    expect(new Set(SCENARIOS.map((s) => defaultConfig(s).seed)).size).toBe(SCENARIOS.length);
  });

  it('rng is seeded and uniform-ish', () => {
    const a = rng(42);
    const b = rng(42);
    const xs = Array.from({ length: 10000 }, () => a());
    expect(Array.from({ length: 10000 }, () => b())).toEqual(xs);
    expect(rng(43)()).not.toBe(rng(42)());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.02);
  });

  it('onsetStep: null for healthy, inside the run for the others', () => {
    expect(onsetStep('healthy', defaultConfig('healthy'))).toBeNull();
    for (const s of SCENARIOS.filter((x) => x !== 'healthy')) {
      const c = defaultConfig(s);
      const o = onsetStep(s, c)!;
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThan(c.steps);
    }
    expect(onsetStep('divergence', defaultConfig('divergence'))).toBe(12000);
  });

  it('is deterministic for a seed, different across seeds', () => {
    expect(trainSeries('oscillation', 5).tags).toEqual(trainSeries('oscillation', 5).tags);
    expect(valSeries('overfitting', 5)).toEqual(valSeries('overfitting', 5));
    expect(trainSeries('healthy', 5).tags.train_gen_l1).not.toEqual(trainSeries('healthy', 6).tags.train_gen_l1);
  });
});

describe('magnitudes like a real LaMa run', () => {
  it('healthy losses start and end where LaMa’s do', () => {
    const { tags } = trainSeries('healthy');
    const first = (t: string) => median(part(tags[t], 0, 0.02));
    const last = (t: string) => median(part(tags[t], 0.9, 1));
    expect(first('train_gen_l1')).toBeGreaterThan(0.07);
    expect(last('train_gen_l1')).toBeGreaterThan(0.025);
    expect(last('train_gen_l1')).toBeLessThan(0.045);
    expect(first('train_gen_fm')).toBeGreaterThan(0.7);
    expect(last('train_gen_fm')).toBeLessThan(0.45);
    expect(first('train_gen_resnet_pl')).toBeGreaterThan(1.2);
    expect(last('train_gen_resnet_pl')).toBeLessThan(1.0);
    for (const t of ['train_gen_adv']) {
      expect(median(tags[t])).toBeGreaterThan(3);
      expect(median(tags[t])).toBeLessThan(6);
    }
    expect(median(tags.train_discr_adv)).toBeGreaterThan(1.2);
    expect(median(tags.train_discr_adv)).toBeLessThan(1.4);
    expect(median(tags.train_adv_discr_real_gp)).toBeLessThan(0.05);
  });

  it('validation scalars agree with the printed table and LaMa’s f1 formula', () => {
    const cfg = defaultConfig('healthy');
    const rand = rng(1);
    for (const e of [-1, 0, 10, 19]) {
      const { scalars, table } = valValues('healthy', e, cfg, rand);
      const total = table.rows[table.rows.length - 1];
      expect(total.label).toBe('total');
      expect(scalars.val_ssim_total_mean).toBe(total.ssim);
      expect(scalars.val_fid_total_mean).toBe(total.fid);
      expect(scalars.val_lpips_total_mean).toBe(total.lpips);
      expect(scalars.val_ssim_total_std).toBe(total.ssimStd);
      expect(scalars.val_ssim_fid100_f1_total_mean).toBe(table.f1);
      const fidRel = Math.max(0, 100 - total.fid) / 100;
      expect(table.f1).toBeCloseTo((2 * total.ssim * fidRel) / (total.ssim + fidRel + 1e-3), 12);
      expect(ssimFid100F1(0.9, 150)).toBe(0);
      for (const r of table.rows.slice(0, -1)) expect(scalars[`val_ssim_${r.label}_mean`]).toBe(r.ssim);
      for (const k of ['val_gen_l1', 'val_gen_adv', 'val_gen_fm', 'val_gen_resnet_pl', 'val_lpips_total_mean']) expect(scalars[k]).toBeGreaterThan(0);
      // bucket order: small masks are easier
      expect(table.rows[0].ssim).toBeGreaterThan(table.rows[table.rows.length - 2].ssim);
    }
    const t = testValues('healthy', 3, cfg, rand);
    expect(Object.keys(t.scalars).every((k) => k.startsWith('test_'))).toBe(true);
  });
});

describe.each(SEEDS)('scenario shapes (seed %s)', (seed) => {
  const healthy = trainSeries('healthy', seed);
  const healthyVal = valSeries('healthy', seed);

  it('healthy: finite, decaying, balanced, no pathology', () => {
    const t = healthy.tags;
    for (const xs of Object.values(t)) expect(xs.every(Number.isFinite)).toBe(true);
    expect(median(part(t.train_gen_l1, 0.9, 1))).toBeLessThan(0.6 * median(part(t.train_gen_l1, 0, 0.1)));
    // still improving in the second half (not a plateau)
    expect(relChange(part(t.train_gen_l1, 0.5, 1))).toBeGreaterThan(0.03);
    expect(relChange(part(t.train_gen_fm, 0.5, 1))).toBeGreaterThan(0.03);
    // balanced GAN
    expect(median(part(t.train_discr_adv, 0.8, 1))).toBeGreaterThan(1.0);
    const gap = part(t.train_adv_discr_real_out, 0.8, 1).map((r, i) => r - part(t.train_adv_discr_fake_out, 0.8, 1)[i]);
    expect(median(gap)).toBeLessThan(1);
    // no oscillation: small residuals, no alternation
    const r = residuals(part(t.train_gen_l1, 0.3, 1));
    expect(sd(r)).toBeLessThan(0.07);
    expect(lag1(r)).toBeGreaterThan(-0.35);
    // validation improves with diminishing returns
    const f1 = healthyVal.val_ssim_fid100_f1_total_mean;
    expect(f1[f1.length - 1]).toBeGreaterThan(f1[0] + 0.05);
    const n = f1.length;
    expect(f1[(n >> 1) - 1] - f1[0]).toBeGreaterThan(f1[n - 1] - f1[(n >> 1) - 1]);
    expect(Math.max(...f1.slice(1).map((x, i) => x - f1[i]))).toBeGreaterThan(0.01); // not slow
    const l1 = healthyVal.val_gen_l1;
    expect(l1[l1.length - 1]).toBeLessThan(Math.min(...l1) * 1.03); // no overfitting
  });

  it('oscillation: alternating wiggle, large relative to the level, from the onset', () => {
    const { tags, cfg, steps } = trainSeries('oscillation', seed);
    const onset = onsetStep('oscillation', cfg)!;
    const i0 = steps.findIndex((s) => s >= onset + 0.05 * cfg.steps);
    const before = residuals(tags.train_gen_l1.slice(0, steps.findIndex((s) => s >= onset)).slice(20));
    for (const tag of ['train_gen_l1', 'train_gen_fm', 'train_gen_resnet_pl', 'train_gen_adv', 'train_discr_adv']) {
      const after = residuals(tags[tag].slice(i0));
      expect(sd(after)).toBeGreaterThan(0.1);
      expect(lag1(after)).toBeLessThan(-0.3);
    }
    expect(sd(before)).toBeLessThan(0.07);
    // and periodic: a clear period-8 component besides the period-2 alternation
    const r = residuals(tags.train_gen_l1.slice(i0), 12);
    const amp = (period: number) => {
      let re = 0;
      let im = 0;
      r.forEach((x, i) => {
        re += x * Math.cos((2 * Math.PI * i) / period);
        im += x * Math.sin((2 * Math.PI * i) / period);
      });
      return (2 * Math.hypot(re, im)) / r.length;
    };
    expect(amp(8)).toBeGreaterThan(0.08);
    expect(amp(8)).toBeGreaterThan(3 * amp(5));
    expect(amp(2) / 2).toBeGreaterThan(0.12); // at Nyquist the formula doubles the amplitude
    // D and G move in opposite directions
    const g = residuals(tags.train_gen_adv.slice(i0));
    const d = residuals(tags.train_discr_adv.slice(i0));
    const corr = g.reduce((a, x, i) => a + x * d[i], 0) / Math.sqrt(g.reduce((a, x) => a + x * x, 0) * d.reduce((a, x) => a + x * x, 0));
    expect(corr).toBeLessThan(-0.3);
    // the adversarial pair swings by about its own level, as in real runs at too high an LR
    for (const tag of ['train_gen_adv', 'train_discr_adv']) expect(sd(residuals(tags[tag].slice(i0)))).toBeGreaterThan(0.5);
  });

  it('plateau: decays, then flat from ~30 %', () => {
    const { tags } = trainSeries('plateau', seed);
    for (const tag of ['train_gen_l1', 'train_gen_fm', 'train_gen_resnet_pl']) {
      expect(relChange(part(tags[tag], 0.5, 1))).toBeLessThan(0.02);
      expect(median(part(tags[tag], 0.25, 0.3))).toBeLessThan(0.8 * median(part(tags[tag], 0, 0.05)));
    }
    const v = valSeries('plateau', seed).val_ssim_fid100_f1_total_mean;
    expect(Math.abs(v[v.length - 1] - v[Math.floor(v.length / 2)])).toBeLessThan(0.01);
  });

  it('overfitting: train keeps improving while val losses rise and val SSIM falls', () => {
    const { tags } = trainSeries('overfitting', seed);
    expect(median(part(tags.train_gen_l1, 0.9, 1))).toBeLessThan(median(part(tags.train_gen_l1, 0.35, 0.45)));
    const v = valSeries('overfitting', seed);
    for (const k of ['val_gen_l1', 'val_gen_resnet_pl', 'val_lpips_total_mean', 'val_fid_total_mean']) {
      const xs = v[k];
      expect(xs[xs.length - 1]).toBeGreaterThan(Math.min(...xs) * 1.15);
      // rises over several epochs: most of the last 8 transitions go up
      const ups = xs.slice(-9).slice(1).filter((x, i) => x > xs.slice(-9)[i]).length;
      expect(ups).toBeGreaterThanOrEqual(5);
    }
    const ssim = v.val_ssim_total_mean;
    expect(ssim[ssim.length - 1]).toBeLessThan(Math.max(...ssim) - 0.03);
    const hv = healthyVal.val_ssim_total_mean;
    expect(hv[hv.length - 1]).toBeGreaterThan(Math.max(...hv) - 0.006);
  });

  it('divergence: multiplicative growth after ~60 %, then Inf / NaN', () => {
    const { tags, cfg, steps } = trainSeries('divergence', seed);
    const onset = onsetStep('divergence', cfg)!;
    const iOn = steps.findIndex((s) => s >= onset);
    const iBad = tags.train_gen_adv.findIndex((x) => !Number.isFinite(x));
    expect(iBad).toBeGreaterThan(iOn);
    for (const xs of Object.values(tags)) {
      expect(xs.slice(0, iOn).every(Number.isFinite)).toBe(true);
      expect(xs.slice(iBad).every((x) => !Number.isFinite(x))).toBe(true);
      expect(xs.slice(iBad + 1).every(Number.isNaN)).toBe(true);
    }
    expect(tags.train_gen_adv[iBad]).toBe(Infinity);
    expect(tags.train_gen_l1[iBad]).toBeNaN();
    const pre = median(tags.train_gen_adv.slice(iOn - 40, iOn));
    expect(Math.max(...tags.train_gen_adv.slice(iOn, iBad))).toBeGreaterThan(10 * pre);
    // growth is multiplicative: log grows roughly linearly
    const logs = tags.train_discr_adv.slice(iOn, iBad).map(Math.log);
    expect(median(logs.slice(-10)) - median(logs.slice(0, 10))).toBeGreaterThan(Math.log(10));
    const v = valSeries('divergence', seed);
    const f1 = v.val_ssim_fid100_f1_total_mean;
    expect(f1[Math.floor((onset + 0.1 * cfg.steps) / cfg.limitTrainBatches) - 1]).toBeLessThan(f1[Math.floor(onset / cfg.limitTrainBatches) - 1] - 0.2);
  });

  it('gan_imbalance: D loss collapses toward 0, logits separate, G adversarial loss climbs', () => {
    const { tags } = trainSeries('gan_imbalance', seed);
    expect(median(part(tags.train_discr_adv, 0.8, 1))).toBeLessThan(0.2);
    expect(median(part(healthy.tags.train_discr_adv, 0.8, 1))).toBeGreaterThan(1.0);
    const real = part(tags.train_adv_discr_real_out, 0.8, 1);
    const fake = part(tags.train_adv_discr_fake_out, 0.8, 1);
    expect(median(real.map((r, i) => r - fake[i]))).toBeGreaterThan(5);
    expect(median(part(tags.train_gen_adv, 0.8, 1))).toBeGreaterThan(1.5 * median(part(tags.train_gen_adv, 0.1, 0.3)));
    expect(median(part(tags.train_adv_discr_real_gp, 0.8, 1))).toBeGreaterThan(2 * median(part(tags.train_adv_discr_real_gp, 0.1, 0.3)));
    const fid = valSeries('gan_imbalance', seed).val_fid_total_mean;
    expect(fid[fid.length - 1]).toBeGreaterThan(Math.min(...fid) * 1.5);
  });

  it('slow_convergence: still improving, but extremely slowly', () => {
    const { tags } = trainSeries('slow_convergence', seed);
    const l1 = tags.train_gen_l1;
    const gain = 1 - median(part(l1, 0.9, 1)) / median(part(l1, 0, 0.1));
    const healthyGain = 1 - median(part(healthy.tags.train_gen_l1, 0.9, 1)) / median(part(healthy.tags.train_gen_l1, 0, 0.1));
    expect(gain).toBeGreaterThan(0.03);
    expect(gain).toBeLessThan(0.25);
    expect(healthyGain).toBeGreaterThan(0.4);
    // steady: every quarter is lower than the one before
    const q = [0, 0.25, 0.5, 0.75].map((a) => median(part(l1, a, a + 0.25)));
    for (let i = 1; i < q.length; i++) expect(q[i]).toBeLessThan(q[i - 1]);
    const ssim = valSeries('slow_convergence', seed).val_ssim_total_mean;
    expect(Math.max(...ssim.slice(1).map((x, i) => x - ssim[i]))).toBeLessThan(0.01);
    expect(median(ssim.slice(-4)) - median(ssim.slice(0, 4))).toBeGreaterThan(0.01);
  });

  it('gpu_bound: healthy losses, low and gappy GPU utilisation', () => {
    const { tags } = trainSeries('gpu_bound', seed);
    for (const xs of Object.values(tags)) expect(xs.every(Number.isFinite)).toBe(true);
    expect(median(part(tags.train_discr_adv, 0.8, 1))).toBeGreaterThan(1.0);
    const sample = (s: Scenario) => {
      const rand = rng(seed ?? 99);
      return Array.from({ length: 300 }, (_, t) => gpuValues(s, t + 10, rand));
    };
    const bound = sample('gpu_bound').map((g) => g.util);
    const ok = sample('healthy').map((g) => g.util);
    const busy = bound.filter((u) => u > 0);
    expect(median(busy)).toBeGreaterThanOrEqual(20);
    expect(median(busy)).toBeLessThanOrEqual(40);
    expect(bound.filter((u) => u === 0).length / bound.length).toBeGreaterThan(0.2);
    expect(median(ok)).toBeGreaterThan(85);
    expect(ok.filter((u) => u === 0).length).toBe(0);
    for (const g of sample('healthy')) {
      expect(g.memUsedMb).toBeGreaterThan(1000);
      expect(g.memUsedMb).toBeLessThan(81920);
      expect(g.tempC).toBeGreaterThan(30);
      expect(g.powerW).toBeGreaterThan(50);
    }
  });
});
