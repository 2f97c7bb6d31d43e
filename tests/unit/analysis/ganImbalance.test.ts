import { describe, expect, it } from 'vitest';
import { prepareRun } from '../../../server/analysis/diagnose';
import { detectGanImbalance } from '../../../server/analysis/detectors/ganImbalance';
import type { RunData } from '../../../server/analysis/types';
import { makeRun, noise } from '../../helpers/runData';

const gan = (run: RunData) => detectGanImbalance(prepareRun(run));

/** D's loss and G's adversarial loss over 2000 steps: `d(p)`, `g(p)` at run fraction p, 10% noise. */
function pair(d: (p: number) => number, g: (p: number) => number, seed = 1): RunData {
  const n = noise(seed);
  return makeRun({
    steps: 2000,
    train: { train_gen_l1: () => 0.1 * (1 + 0.2 * n()), train_discr_adv: (s) => d(s / 2000) * (1 + 0.1 * n()), train_gen_adv: (s) => g(s / 2000) * (1 + 0.1 * n()) },
  });
}

describe('GAN imbalance detector', () => {
  it('D wins: its loss falls below 0.2 while the generator adversarial loss doubles; onset where D went below 0.2', () => {
    const [f] = gan(pair((p) => 0.35 - 0.25 * p, (p) => 1.7 + 1.6 * p));
    expect(f.kind).toBe('gan_imbalance');
    expect(f.evidence.subtype).toBe('d_winning');
    // 0.35 − 0.25p < 0.2 from p = 0.6 (step 1200)
    expect(f.startStep).toBeGreaterThan(1000);
    expect(f.startStep).toBeLessThan(1400);
    expect(f.summary).toMatch(/The discriminator wins/);
  });

  it('a healthy GAN that settles in its first epochs is balanced', () => {
    expect(gan(pair((p) => 0.52 + 0.2 * Math.exp(-p * 20), (p) => 0.85 + 1.5 * Math.exp(-p * 20)))).toEqual([]);
  });

  it('G rising alone (D steady) is not D winning', () => {
    expect(gan(pair(() => 0.5, (p) => 1 + p))).toEqual([]);
  });

  it('no adversarial pair logged: no verdict', () => {
    const run = makeRun({ steps: 2000, train: { train_loss: (s) => 1 / (1 + s) } });
    expect(gan(run)).toEqual([]);
  });
});
