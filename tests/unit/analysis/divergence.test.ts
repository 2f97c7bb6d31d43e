import { describe, expect, it } from 'vitest';
import { prepareRun } from '../../../server/analysis/diagnose';
import { detectDivergence } from '../../../server/analysis/detectors/divergence';
import type { RunData } from '../../../server/analysis/types';
import { makeRun, noise } from '../../helpers/runData';

const div = (run: RunData) => detectDivergence(prepareRun(run));

describe('divergence detector', () => {
  it('NaN after finite values: D1, onset where the climb before it began', () => {
    const n = noise(1);
    // flat until 1000, then ×1.01 per step (an ExponentialLR with gamma > 1), NaN from 1600
    const run = makeRun({ steps: 2000, train: { train_gen_l1: (s) => (s >= 1600 ? NaN : 0.1 * Math.exp(Math.max(0, s - 1000) * 0.01) * (1 + 0.05 * n())) } });
    const [f] = div(run);
    expect(f.kind).toBe('divergence');
    expect(f.severity).toBe('critical');
    expect(f.evidence.rule).toBe('D1');
    expect(f.startStep).toBeGreaterThan(900);
    expect(f.startStep).toBeLessThan(1300);
    expect(f.summary).toMatch(/became NaN at step 1609/);
  });

  it('a tag that is NaN from its first point is not a divergence (NaN by rule, e.g. FID of a 1-image bucket)', () => {
    const run = makeRun({ steps: 1000, train: { train_gen_l1: () => 0.1, train_loss: () => NaN } });
    expect(div(run)).toEqual([]);
  });

  it('a sustained explosion without NaN: D2', () => {
    const n = noise(2);
    const run = makeRun({ steps: 3000, train: { train_loss: (s) => (s < 1500 ? 0.5 : 0.5 * Math.min(200, Math.exp((s - 1500) / 100))) * (1 + 0.05 * n()) } });
    const [f] = div(run);
    expect(f.evidence.rule).toBe('D2');
    // startStep: above 10× the early level for good (0.5·e^((s−1500)/100) ≥ 5 from s ≈ 1730)
    expect(f.startStep).toBeGreaterThan(1680);
    expect(f.startStep).toBeLessThan(1800);
    // the climb began where the level left 2× its minimum (s ≈ 1570)
    expect(f.evidence.climbStart).toBeGreaterThan(1400);
    expect(f.evidence.climbStart).toBeLessThan(1700);
  });

  it('a loss that blew up in its first steps has no healthy level to leave: no D2 (the other detectors describe it)', () => {
    const n = noise(5);
    const run = makeRun({ steps: 3000, train: { train_loss: (s) => (s < 30 ? 0.5 : 5000) * (1 + 0.05 * n()) } });
    expect(div(run)).toEqual([]);
  });

  it('an excursion that comes back down is not a divergence', () => {
    const run = makeRun({ steps: 3000, train: { train_loss: (s) => (s > 1000 && s < 1400 ? 30 : 1) } });
    expect(div(run)).toEqual([]);
  });

  it('a loss converging towards 0 with large relative noise is not a divergence', () => {
    const n = noise(3);
    const run = makeRun({ steps: 5000, train: { train_loss: (s) => 0.08 * Math.exp(-s / 500) + 0.0003 * Math.exp(1.5 * n()) } });
    expect(div(run)).toEqual([]);
  });

  it('a bimodal per-batch loss (0.05 or 3 by batch, as in a real trading model) is not a divergence', () => {
    const r = noise(4);
    const run = makeRun({ steps: 10000, train: { train_loss: (s) => (r() > (s > 1200 && s < 1500 ? 1.5 : 0) ? 0.05 : 3) * (1 + 0.1 * r()) } });
    expect(div(run)).toEqual([]);
  });

  it('a rising validation loss alone is overfitting territory, not divergence', () => {
    const run = makeRun({ steps: 2000, train: { train_loss: (s) => 1 / (1 + s / 200) }, val: { val_loss: (s) => 0.001 * Math.exp(s / 300) } });
    expect(div(run)).toEqual([]);
  });

  it('scales: 1M points in a single series', () => {
    const run = makeRun({ steps: 1_000_000, every: 1, train: { train_loss: (s) => (s > 900_000 ? NaN : 1 + 0.1 * Math.sin(s)) } });
    const [f] = div(run);
    expect(f.evidence.rule).toBe('D1');
  });
});
