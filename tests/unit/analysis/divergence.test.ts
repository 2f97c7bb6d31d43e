import { describe, expect, it } from 'vitest';
import { generateRun } from '../../../scripts/eval/synthetic';
import { diagnoseRun, prepareRun } from '../../../server/analysis/diagnose';
import { detectDivergence, growthOnset } from '../../../server/analysis/detectors/divergence';
import type { RunData } from '../../../server/analysis/types';
import { specWith } from '../../helpers/analysisSpec';

/** A LaMa-like run: 20 epochs of 2 500 steps, logged every 50 steps, healthy unless overridden. */
const spec = specWith({ seed: 11, maxEpochs: 20, noise: 0.02, withGpu: true });

const kinds = (run: RunData) => diagnoseRun(run).filter((f) => f.severity !== 'info').map((f) => f.kind);

describe('divergence detector', () => {
  it('flags NaN losses as critical, from where the growth before them began', () => {
    const run = generateRun(spec({ divergence: { t0: 25000, ratePerBlock: 0.2, nan: true } }));
    const fs = diagnoseRun(run);
    const d = fs.find((f) => f.kind === 'divergence')!;
    expect(d.severity).toBe('critical');
    expect(d.startStep).toBeGreaterThanOrEqual(25000 - 1000);
    expect(d.startStep).toBeLessThanOrEqual(25000 + 2000);
    expect(d.suggestions.length).toBeGreaterThan(0);
    // everything after the divergence is its consequence: no other warnings
    expect(fs.filter((f) => f.kind !== 'divergence' && f.kind !== 'gpu_underutilization' && f.severity !== 'info')).toEqual([]);
  });

  it('flags sustained multiplicative growth without NaN (D3) near its onset', () => {
    const run = generateRun(spec({ divergence: { t0: 30000, ratePerBlock: 0.02, nan: false } }));
    const [d] = detectDivergence(prepareRun(run));
    expect(d.kind).toBe('divergence');
    expect(d.evidence.rule).toBe('D3');
    expect(Math.abs(d.startStep - 30000)).toBeLessThan(2500);
    expect(d.summary).toMatch(/grew/);
  });

  it('flags an explosion far above the running minimum (D2)', () => {
    const steps = Array.from({ length: 400 }, (_, i) => i * 50 + 49);
    const values = steps.map((s, i) => (s < 12000 ? 1 / (1 + s / 2000) : 1 / (1 + 12000 / 2000) * Math.exp((i - 240) * 0.6)) * (1 + 0.01 * Math.sin(i * 1.7)));
    const run: RunData = {
      context: { genLr: 1e-3, discLr: 1e-4, genOptimizer: 'adam', batchSize: 8, maxEpochs: 10, limitTrainBatches: 2000, valCheckInterval: 2000, logEveryNSteps: 50, gradientClipVal: 1, scheduler: null, lastStep: 19999 },
      series: [{ tag: 'train_gen_l1', steps, values }],
    };
    const [d] = detectDivergence(prepareRun(run));
    expect(d.severity).toBe('critical');
    expect(['D2', 'D3']).toContain(d.evidence.rule);
    expect(Math.abs(d.startStep - 12000)).toBeLessThan(1000);
  });

  it('places the growth onset at the knot of the log curve', () => {
    const x = Array.from({ length: 200 }, (_, i) => (i < 120 ? 1 - i * 0.001 : 0.88 * Math.exp((i - 120) * 0.05)));
    expect(Math.abs(growthOnset(x, 190) - 120)).toBeLessThanOrEqual(3);
  });

  it('hard negatives: isolated spikes, noisy GAN losses, warm restarts, LR drops, a resumed run, a NaN FID bucket', () => {
    expect(kinds(generateRun(spec({ spikeRate: 0.004, heavy: true })))).not.toContain('divergence');
    expect(kinds(generateRun(spec({ ganNoise: 0.25, ganPhi: 0.8, heavy: true, ganWander: 1 })))).not.toContain('divergence');
    expect(kinds(generateRun(spec({ schedule: { kind: 'sgdr', t0: 5000, tMult: 1, kappa: 0.3, logged: true } })))).not.toContain('divergence');
    expect(kinds(generateRun(spec({ schedule: { kind: 'multistep', milestones: [25000, 40000], gamma: 0.1, logged: true } })))).not.toContain('divergence');
    expect(kinds(generateRun(spec({ resume: { at: 31249, back: 25000, bump: 0.2 } })))).not.toContain('divergence');
    // the generator writes `_val_fid_0-10%_mean` with NaN now and then (a bucket with one image)
    const run = generateRun(spec());
    expect(run.series.find((s) => s.tag === '_val_fid_0-10%_mean')!.values.some(Number.isNaN)).toBe(true);
    expect(kinds(run)).not.toContain('divergence');
  });

  it('says nothing about a short healthy run', () => {
    expect(kinds(generateRun(spec({ maxEpochs: 2, endFrac: 0.6 })))).toEqual([]);
  });
});
