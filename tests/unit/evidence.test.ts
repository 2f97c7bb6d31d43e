import { describe, expect, it } from 'vitest';
import { readSignals, scalarFields, fmtSig, fmtSignalValue, fmtScalar, fmtStep } from '../../app/_components/evidence';

describe('evidence panel helpers', () => {
  it('reads well-formed signals, including a non-finite value JSON stored as null', () => {
    const stored = JSON.parse(
      JSON.stringify({
        slope: 0.1,
        signals: [
          { signal: 'val loss above its best', value: 0.0123456, threshold: '> 0.01', step: 1200, fired: true },
          { signal: 'train loss', value: NaN, threshold: 'finite', step: null, fired: false },
          { signal: 'schedule', value: 'constant', threshold: 'not decayed', step: null, fired: true },
          { signal: 'broken', value: 1, threshold: 3, step: 1, fired: true },
          'not a signal',
        ],
      }),
    ) as Record<string, unknown>;
    const s = readSignals(stored);
    expect(s.map((x) => x.signal)).toEqual(['val loss above its best', 'train loss', 'schedule']);
    expect(s[1].value).toBeNull();
    expect(fmtSignalValue(s[1].value)).toBe('NaN/∞');
    expect(fmtSignalValue(s[2].value)).toBe('constant');
    expect(fmtSignalValue(s[0].value)).toBe('0.01235');
  });

  it('has no signals for older findings, whose scalar fields are the summary', () => {
    const ev = { ratio: 3.14159, window: [1, 2], steps: 5000, decayed: false, note: 'x', missing: null, nested: { a: 1 } };
    expect(readSignals(ev)).toEqual([]);
    expect(readSignals({ signals: 'nope' })).toEqual([]);
    expect(scalarFields(ev)).toEqual([
      ['ratio', 3.14159],
      ['steps', 5000],
      ['decayed', false],
      ['note', 'x'],
      ['missing', null],
    ]);
    expect(scalarFields({ signals: [], a: 1 })).toEqual([['a', 1]]);
    expect(scalarFields(ev).map(([, v]) => fmtScalar(v))).toEqual(['3.142', '5000', 'false', 'x', '—']);
  });

  it('formats numbers with about 4 significant digits', () => {
    expect(fmtSig(0.0123456)).toBe('0.01235');
    expect(fmtSig(1386.531003)).toBe('1387');
    expect(fmtSig(0.5)).toBe('0.5');
    expect(fmtSig(-2.718281)).toBe('-2.718');
    expect(fmtSig(12000)).toBe('12000');
    expect(fmtSig(0)).toBe('0');
    expect(fmtSig(0.000123456)).toBe('1.235e-4');
    expect(fmtSig(0.00015)).toBe('1.5e-4');
    expect(fmtSig(2e-5)).toBe('2e-5');
    expect(fmtSig(12345678.9)).toBe('1.235e7');
    expect(fmtSig(NaN)).toBe('NaN');
    expect(fmtSig(Infinity)).toBe('∞');
    expect(fmtSig(-Infinity)).toBe('−∞');
  });

  it('formats steps the same in every locale', () => {
    expect(fmtStep(1234567)).toBe('1,234,567');
    expect(fmtStep(99)).toBe('99');
    expect(fmtStep(null)).toBe('—');
  });
});
