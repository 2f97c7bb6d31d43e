import { describe, expect, it } from 'vitest';
import { diagnoseRun, prepareRun } from '../../../server/analysis/diagnose';
import { detectOscillation, residualCv, zigZag } from '../../../server/analysis/detectors/oscillation';
import type { RunData } from '../../../server/analysis/types';
import { makeRun, noise } from '../../helpers/runData';

const osc = (run: RunData) => detectOscillation(prepareRun(run));

/** LaMa's adversarial pair: healthy levels with multiplicative noise of the given spread. */
function gan(spread: number, seed: number): RunData {
  const n = noise(seed);
  return makeRun({
    steps: 3000,
    train: {
      train_gen_l1: (s) => 0.1 * (1 + 0.2 * n()),
      train_gen_adv: () => 0.85 * Math.exp(spread * n()),
      train_discr_adv: () => 0.52 * Math.exp(spread * n()),
    },
    val: { val_gen_l1: (s) => 0.15 + 0.02 / (1 + s / 500) },
  });
}

describe('oscillation detector', () => {
  it('zigZag counts direction reversals of at least 1.5× on both sides', () => {
    const z = zigZag([2.9, 3.4, 4.5, 1.8, 3.8, 6.0, 3.6, 8.3, 5.7, 1.9, 6.0], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(z.reversals).toBe(4); // 8.3 → 5.7 is under 1.5×
    expect(z.firstStep).toBe(3);
    expect(zigZag([1, 1.1, 1.0, 1.1, 1.0, 1.1], [1, 2, 3, 4, 5, 6]).reversals).toBe(0);
  });

  it('residualCv: swing around the trend relative to the level', () => {
    const quiet = prepareRun(gan(0.05, 1)).train.find((s) => s.tag === 'train_gen_adv')!;
    const wild = prepareRun(gan(1.2, 1)).train.find((s) => s.tag === 'train_gen_adv')!;
    expect(residualCv(quiet, 0)!.cv).toBeLessThan(0.1);
    expect(residualCv(wild, 0)!.cv).toBeGreaterThan(0.5);
  });

  it('O1: adversarial losses swinging by their own level (an LR far too high) is oscillation, with the players named', () => {
    const [f] = osc(gan(1.2, 2));
    expect(f.kind).toBe('oscillation');
    expect(f.metrics).toEqual(['train_gen_adv', 'train_discr_adv']);
    expect(f.evidence.players).toEqual(['generator', 'discriminator']);
    expect(f.evidence.signals!.filter((s) => s.fired)).toHaveLength(2);
  });

  it('noisy but healthy GAN losses (small batch: ±25%) are not oscillation', () => {
    for (const seed of [3, 4, 5]) expect(osc(gan(0.25, seed))).toEqual([]);
  });

  it('O2: a validation loss bouncing 2–4× between validations at a constant LR', () => {
    const vals = [2.9, 3.4, 4.5, 1.8, 3.8, 6.0, 3.6, 8.3, 5.7, 1.9, 6.0, 3.4, 5.4, 7.8, 8.2];
    const run = makeRun({ steps: 1500, train: { train_loss: () => 1.5 }, val: { val_loss: (s, i) => vals[i] } });
    const [f] = osc(run);
    expect(f.metrics).toEqual(['val_loss']);
    expect(f.summary).toMatch(/val_loss zig-zags \(\d+ reversals/);
  });

  it('diagnoseRun attaches suggestions to an oscillation', () => {
    const [f] = diagnoseRun(gan(1.2, 6)).filter((x) => x.kind === 'oscillation');
    expect(f.suggestions.length).toBeGreaterThan(0);
  });
});
