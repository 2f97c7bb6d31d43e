// The base of the constructed series the detector tests start from (server/analysis/corpus.ts Spec).
import type { Spec } from '../../scripts/eval/synthetic';

const BASE: Spec = {
  seed: 51,
  epochSteps: 2500,
  logEvery: 50,
  maxEpochs: 24,
  endFrac: 1,
  tau: 0.02,
  gamma: 0.6,
  aScale: 2,
  exp: false,
  noise: 0.015,
  phi: 0.3,
  heavy: false,
  spikeRate: 0,
  ganNoise: 0.05,
  ganPhi: 0.2,
  valNoise: 0.004,
  genLr: 1e-3,
  discLr: 1e-4,
  batchSize: 10,
  dLogit: 0.8,
  withVal: true,
  withGpu: false,
};

/** A spec factory: the base, this test file's own settings, then each case's overrides. */
export function specWith(own: Partial<Spec>): (o?: Partial<Spec>) => Spec {
  return (o = {}) => ({ ...BASE, ...own, ...o });
}
