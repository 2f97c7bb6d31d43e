import { describe, expect, it } from 'vitest';
import { parseTableHeading, parseValidationTable } from '../../server/ingest/validationTable';
import { readFixture } from '../helpers/fixtures';

const RUN_LOG = 'lama-run/experiments/j_doe_2026-11-28_04-45-28_train_lama-tiny32_/train.log';

function fixtureLines(rel: string): string[] {
  return readFixture(rel).toString('utf8').split('\n');
}

/** Continuation lines after the record on 1-based line `headingLine` of a fixture. */
function afterLine(rel: string, headingLine: number): string[] {
  return fixtureLines(rel).slice(headingLine);
}

/**
 * Render a table the way pandas prints a DataFrame with a sparse two-level column
 * header: right-justified columns separated by two spaces, score printed once over its
 * first sub-column, index labels left-justified.
 */
function renderTable(
  columns: { score: string; stat: string }[],
  rows: { label: string; cells: string[] }[],
): string[] {
  const idxWidth = Math.max(...rows.map((r) => r.label.length));
  const top: string[] = [];
  const widths = columns.map((c, i) => {
    const showScore = i === 0 || columns[i - 1].score !== c.score;
    top.push(showScore ? c.score : '');
    return Math.max(top[i].length, c.stat.length, ...rows.map((r) => r.cells[i].length));
  });
  const line = (first: string, cells: string[]) =>
    first.padEnd(idxWidth) + cells.map((c, i) => '  ' + c.padStart(widths[i])).join('');
  return [line('', top), line('', columns.map((c) => c.stat)), ...rows.map((r) => line(r.label, r.cells))];
}

describe('parseTableHeading', () => {
  it('recognises validation, test and extra-val headings', () => {
    expect(parseTableHeading('Validation metrics after epoch #0, total 24999 iterations:')).toEqual({
      kind: 'val',
      name: null,
      epoch: 0,
      iterations: 24999,
    });
    expect(parseTableHeading('Test metrics after epoch #3, total 399 iterations:')).toEqual({
      kind: 'test',
      name: null,
      epoch: 3,
      iterations: 399,
    });
    expect(parseTableHeading('Extra val random_thick_512 metrics after epoch #0, total 24999 iterations:')).toEqual({
      kind: 'extra_val',
      name: 'random_thick_512',
      epoch: 0,
      iterations: 24999,
    });
    expect(parseTableHeading('Validation metrics after epoch #12, total 0 iterations:')?.iterations).toBe(0);
  });

  it('rejects other messages', () => {
    expect(parseTableHeading('Make val dataloader default from /data/val')).toBeNull();
    expect(parseTableHeading('Validation metrics after epoch #x, total 1 iterations:')).toBeNull();
    expect(parseTableHeading('Training failed due to boom:')).toBeNull();
    expect(parseTableHeading('')).toBeNull();
  });
});

describe('parseValidationTable: issue #67 sample', () => {
  const lines = afterLine('lama-logs/train.log.issue67-sample', 1);
  const t = parseValidationTable(lines)!;

  it('rebuilds (score, stat) pairs from the sparse header', () => {
    expect(t).not.toBeNull();
    expect(t.columns).toEqual([
      { score: 'fid', stat: 'mean' },
      { score: 'lpips', stat: 'mean' },
      { score: 'lpips', stat: 'std' },
      { score: 'ssim', stat: 'mean' },
      { score: 'ssim', stat: 'std' },
      { score: 'ssim_fid100_f1', stat: 'mean' },
    ]);
    expect(t.issues).toEqual([]);
    expect(t.consumedLines).toBe(8);
  });

  it('reads every number, NaN as null', () => {
    expect(t.rows).toEqual([
      { label: '0-10%', values: [9.233729, 0.030847, 0.01594, 0.972129, 0.019427, null] },
      { label: '10-20%', values: [24.030723, 0.082105, 0.016849, 0.923911, 0.02911, null] },
      { label: '20-30%', values: [36.392329, 0.139558, 0.021874, 0.870975, 0.046391, null] },
      { label: '30-40%', values: [52.908639, 0.192846, 0.024251, 0.820481, 0.06249, null] },
      { label: '40-50%', values: [80.976875, 0.248025, 0.026053, 0.765624, 0.07879, null] },
      { label: 'total', values: [14.276092, 0.134199, 0.074044, 0.875066, 0.0836, 0.865561] },
    ]);
    // spot checks named in the brief
    const col = (score: string, stat: string) => t.columns.findIndex((c) => c.score === score && c.stat === stat);
    expect(t.rows[0].values[col('fid', 'mean')]).toBe(9.233729);
    expect(t.rows[0].values[col('lpips', 'std')]).toBe(0.01594);
    expect(t.rows[5].values[col('ssim_fid100_f1', 'mean')]).toBe(0.865561);
    expect(JSON.parse(JSON.stringify(t.rows))).toEqual(t.rows); // JSON-safe
  });
});

describe('parseValidationTable: lama-run train.log', () => {
  it('parses the sanity-check table whose fid column is wider (1081.610101)', () => {
    // line 224: "Validation metrics after epoch #0, total 0 iterations:"
    const t = parseValidationTable(afterLine(RUN_LOG, 224))!;
    expect(t.columns.map((c) => `${c.score}/${c.stat}`)).toEqual([
      'fid/mean',
      'lpips/mean',
      'lpips/std',
      'ssim/mean',
      'ssim/std',
      'ssim_fid100_f1/mean',
    ]);
    expect(t.rows.map((r) => r.label)).toEqual(['0-10%', '10-20%', '20-30%', '30-40%', '40-50%', '50-60%', 'total']);
    expect(t.rows[4].values).toEqual([1081.610101, 0.215928, 0.087114, 0.628843, 0.019311, null]);
    expect(t.rows[6].values[5]).toBe(0); // printed "0.0"
    // the table stops before the next log record
    expect(t.consumedLines).toBe(9);
  });

  it('parses a test table with NaN fid buckets', () => {
    // line 246: "Test metrics after epoch #0, total 0 iterations:"
    const t = parseValidationTable(afterLine(RUN_LOG, 246))!;
    expect(t.rows.map((r) => r.label)).toEqual(['0-10%', '10-20%', '20-30%', 'total']);
    expect(t.rows[1].values).toEqual([null, 0.098747, 0, 0.91256, 0, null]);
    expect(t.rows[3].values).toEqual([64.639456, 0.104251, 0.105115, 0.87333, 0.115895, 0.502981]);
    expect(t.consumedLines).toBe(6);
  });
});

describe('parseValidationTable: layouts not hard-coded', () => {
  it('handles a config without lpips', () => {
    const lines = [
      '              fid      ssim           ssim_fid100_f1',
      '             mean      mean       std           mean',
      '0-10%    9.233729  0.972129  0.019427            NaN',
      '10-20%  24.030723  0.923911  0.029110            NaN',
      'total   14.276092  0.875066  0.083600       0.865561',
    ];
    const t = parseValidationTable(lines)!;
    expect(t.columns).toEqual([
      { score: 'fid', stat: 'mean' },
      { score: 'ssim', stat: 'mean' },
      { score: 'ssim', stat: 'std' },
      { score: 'ssim_fid100_f1', stat: 'mean' },
    ]);
    expect(t.rows).toEqual([
      { label: '0-10%', values: [9.233729, 0.972129, 0.019427, null] },
      { label: '10-20%', values: [24.030723, 0.923911, 0.02911, null] },
      { label: 'total', values: [14.276092, 0.875066, 0.0836, 0.865561] },
    ]);
    expect(t.consumedLines).toBe(5);
    expect(t.issues).toEqual([]);
  });

  it('handles scores with three stats, long score names and scientific notation', () => {
    const columns = [
      { score: 'a_very_long_score_name', stat: 'mean' },
      { score: 'a_very_long_score_name', stat: 'std' },
      { score: 'lpips', stat: 'mean' },
      { score: 'lpips', stat: 'median' },
      { score: 'lpips', stat: 'std' },
      { score: 'z', stat: 'max' },
    ];
    const lines = renderTable(columns, [
      { label: '90-100%', cells: ['1.5', 'NaN', '1.000000e-05', '-0.25', '3', 'inf'] },
      { label: 'total', cells: ['2.0', '0.1', '2.5e+03', '0.5', '0.75', '-inf'] },
    ]);
    const t = parseValidationTable(lines)!;
    expect(t.columns).toEqual(columns);
    expect(t.rows).toEqual([
      { label: '90-100%', values: [1.5, null, 1e-5, -0.25, 3, Infinity] },
      { label: 'total', values: [2, 0.1, 2500, 0.5, 0.75, -Infinity] },
    ]);
  });

  it('handles a single fid column', () => {
    const t = parseValidationTable([
      '             fid',
      '            mean',
      '0-10%   1.000000',
      'total   2.000000',
    ])!;
    expect(t.columns).toEqual([{ score: 'fid', stat: 'mean' }]);
    expect(t.rows).toEqual([
      { label: '0-10%', values: [1] },
      { label: 'total', values: [2] },
    ]);
  });

  it('rebuilds rendered tables of arbitrary shape', () => {
    const scores = ['fid', 'lpips', 'ssim', 'ssim_fid100_f1'];
    const columns = scores.flatMap((s) => (s === 'lpips' || s === 'ssim' ? ['mean', 'std'] : ['mean']).map((stat) => ({ score: s, stat })));
    for (let drop = 0; drop < scores.length; drop++) {
      const cols = columns.filter((c) => c.score !== scores[drop]);
      const rows = [
        { label: '0-10%', cells: cols.map((_, i) => (i * 1.25 + 0.5).toFixed(6)) },
        { label: 'total', cells: cols.map((_, i) => (i === cols.length - 1 ? 'NaN' : (i * 100.5).toFixed(6))) },
      ];
      const t = parseValidationTable(renderTable(cols, rows))!;
      expect(t.columns).toEqual(cols);
      expect(t.rows[0].values).toEqual(cols.map((_, i) => i * 1.25 + 0.5));
      expect(t.rows[1].values[cols.length - 1]).toBeNull();
    }
  });
});

describe('parseValidationTable: rows and boundaries', () => {
  const header = [
    '              fid     lpips                ssim           ssim_fid100_f1',
    '             mean      mean       std      mean       std           mean',
  ];

  it('skips a ragged row with an issue and keeps parsing', () => {
    const lines = [
      ...header,
      '0-10%    9.233729  0.030847  0.015940  0.972129  0.019427            NaN   1.0',
      '10-20%  24.030723  0.082105  0.016849  0.923911',
      '20-30%  36.392329  0.139558  0.021874  0.870975  0.046391            NaN',
      'total   14.276092  0.134199  0.074044  0.875066  0.083600       0.865561',
    ];
    const t = parseValidationTable(lines)!;
    expect(t.rows.map((r) => r.label)).toEqual(['20-30%', 'total']);
    expect(t.issues).toHaveLength(2);
    expect(t.issues[0].lineIndex).toBe(2);
    expect(t.issues[0].reason).toMatch(/"0-10%" has 7 values, expected 6/);
    expect(t.issues[1].lineIndex).toBe(3);
    expect(t.issues[1].reason).toMatch(/"10-20%" has 4 values, expected 6/);
    expect(t.consumedLines).toBe(6);
  });

  it('stops at the first line that is not a row', () => {
    const rows = ['total   14.276092  0.134199  0.074044  0.875066  0.083600       0.865561'];
    const tails = [
      '[2021-11-10 23:40:09,400][root][INFO] - next record',
      'Traceback (most recent call last):',
      '  File "bin/train.py", line 63, in main',
      '',
      'LOCAL_RANK: 0 - CUDA_VISIBLE_DEVICES: [0,1,2,3]',
      'GPU available: True, used: True',
      'Epoch 1:   4%|▎         | 40/1095 [00:03<01:37, 10.84it/s, loss=4.501, v_num=10]',
      'total',
    ];
    for (const tail of tails) {
      const t = parseValidationTable([...header, ...rows, tail, rows[0]])!;
      expect(t.consumedLines, tail).toBe(3);
      expect(t.rows).toHaveLength(1);
      expect(t.issues).toEqual([]);
    }
  });

  it('returns a table without rows when only the header has been written', () => {
    const t = parseValidationTable(header)!;
    expect(t.columns).toHaveLength(6);
    expect(t.rows).toEqual([]);
    expect(t.consumedLines).toBe(2);
  });

  it('returns null for lines that are not a table', () => {
    expect(parseValidationTable([])).toBeNull();
    expect(parseValidationTable([header[0]])).toBeNull();
    expect(parseValidationTable(['Traceback (most recent call last):', '  File "x", line 1'])).toBeNull();
    expect(parseValidationTable(['training_model:', '  kind: default', '  concat_mask: true'])).toBeNull();
    expect(parseValidationTable(['', ''])).toBeNull();
    expect(parseValidationTable(['   1.0  2.0', '   3.0  4.0'])).toBeNull();
    // more score names than stat columns
    expect(parseValidationTable(['   a   b   c', '   mean  std'])).toBeNull();
  });
});

describe('parseValidationTable: the empty DataFrame LaMa prints when every metric is NaN', () => {
  // pd.DataFrame(...).dropna(axis=1, how='all') left nothing: pandas prints the empty frame
  const LRRAMP = 'lama-devset/experiments/t.nguyen_2026-12-01_13-04-34_train_lama-tiny32_lrramp_/train.log';

  it('reads the real lines (lrramp train.log, epoch #9 validation) as an all-NaN table', () => {
    const lines = afterLine(LRRAMP, 643);
    expect(lines.slice(0, 4)).toEqual([
      'Empty DataFrame',
      'Columns: []',
      'Index: []',
      expect.stringMatching(/^\[2026-12-01 13:08:48,484\]/),
    ]);
    expect(parseValidationTable(lines)).toEqual({ columns: [], rows: [], consumedLines: 3, issues: [], allNaN: true });
  });

  it('keeps the index labels pandas lists (rows without values)', () => {
    const t = parseValidationTable(['Empty DataFrame', 'Columns: []', 'Index: [0-10%, 10-20%, total]', 'next'])!;
    expect(t.allNaN).toBe(true);
    expect(t.columns).toEqual([]);
    expect(t.rows).toEqual([
      { label: '0-10%', values: [] },
      { label: '10-20%', values: [] },
      { label: 'total', values: [] },
    ]);
    expect(t.consumedLines).toBe(3);
  });

  it('accepts a block still being written (only its first line so far)', () => {
    expect(parseValidationTable(['Empty DataFrame'])).toEqual({ columns: [], rows: [], consumedLines: 1, issues: [], allNaN: true });
    expect(parseValidationTable(['Empty DataFrame', 'Columns: []'])).toMatchObject({ consumedLines: 2, allNaN: true });
  });

  it('leaves printed tables flagged as not all-NaN', () => {
    const t = parseValidationTable(afterLine(LRRAMP, 601))!;
    expect(t.allNaN).toBe(false);
    expect(t.rows.map((r) => r.label).at(-1)).toBe('total');
  });
});
