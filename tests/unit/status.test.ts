import { describe, it, expect } from 'vitest';
import { deriveStatus, STALL_MIN_MS, type StatusFacts } from '../../server/domain/status';

const base: StatusFacts = {
  current: 'unknown', updatedAt: 1_000_000, writeIntervalMs: 1000, lastStep: 500, maxEpochs: 10,
  limitTrainBatches: 100, lastValidatedEpoch: 3, missing: false,
};

describe('deriveStatus', () => {
  it('running while data arrives, stalled after max(10 min, 5 × the usual write interval)', () => {
    expect(deriveStatus(base, base.updatedAt! + 60_000)).toBe('running');
    expect(deriveStatus(base, base.updatedAt! + STALL_MIN_MS + 1)).toBe('stalled');
    // a job that writes every 5 minutes is not stalled after 11 minutes, but is after 26
    const slow = { ...base, writeIntervalMs: 5 * 60_000 };
    expect(deriveStatus(slow, slow.updatedAt! + 11 * 60_000)).toBe('running');
    expect(deriveStatus(slow, slow.updatedAt! + 26 * 60_000)).toBe('stalled');
  });

  it('finished once the last epoch was validated or the step budget reached, whatever the time', () => {
    expect(deriveStatus({ ...base, lastValidatedEpoch: 9 }, base.updatedAt! + 1e9)).toBe('finished');
    expect(deriveStatus({ ...base, lastValidatedEpoch: null, lastStep: 999 }, base.updatedAt! + 1e9)).toBe('finished');
    expect(deriveStatus({ ...base, lastValidatedEpoch: 8, lastStep: 998 }, base.updatedAt! + 1e9)).toBe('stalled');
  });

  it('failed and interrupted stick; missing wins over everything', () => {
    expect(deriveStatus({ ...base, current: 'failed' }, base.updatedAt!)).toBe('failed');
    expect(deriveStatus({ ...base, current: 'interrupted' }, base.updatedAt! + 1e9)).toBe('interrupted');
    expect(deriveStatus({ ...base, current: 'failed', missing: true }, base.updatedAt!)).toBe('missing');
    expect(deriveStatus({ ...base, current: 'missing' }, base.updatedAt! + 1000)).toBe('running'); // folder is back
  });

  it('unknown without any data time', () => {
    expect(deriveStatus({ ...base, updatedAt: null, maxEpochs: null }, 5)).toBe('unknown');
  });
});
