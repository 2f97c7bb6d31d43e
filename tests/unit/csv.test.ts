// CSV text cells neutralised against spreadsheet formulas (CSV injection); numbers untouched.
import { describe, it, expect } from 'vitest';
import { csvText } from '../../server/lib/csv';

describe('csvText', () => {
  it('prefixes a cell that a spreadsheet would read as a formula with a single quote', () => {
    expect(csvText('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvText('+1+1')).toBe("'+1+1");
    expect(csvText('-2+3')).toBe("'-2+3");
    expect(csvText('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvText('\t=1')).toBe("'\t=1");
    expect(csvText('\r=1')).toBe(`"'\r=1"`);
  });

  it('leaves ordinary text as it is, quoting only what CSV needs quoted', () => {
    expect(csvText('train_gen_l1')).toBe('train_gen_l1');
    expect(csvText('val/ssim = 0.9')).toBe('val/ssim = 0.9');
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('say "hi"')).toBe('"say ""hi"""');
    expect(csvText('')).toBe('');
  });
});
