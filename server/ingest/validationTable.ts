// Parser for the evaluator tables that LaMa prints into train.log
// (see docs/lama-run-format.md §3). Pure: strings in, plain data out.
//
// A table is the pandas rendering of a DataFrame with a two-level column index
// (score, stat), e.g.
//
//                 fid     lpips                ssim           ssim_fid100_f1
//                mean      mean       std      mean       std           mean
//   0-10%    9.233729  0.030847  0.015940  0.972129  0.019427            NaN
//   total   14.276092  0.134199  0.074044  0.875066  0.083600       0.865561
//
// Header line 1 is sparse: a score name is printed once, right-aligned over the
// first of its sub-columns. Header line 2 has one stat token per numeric column.
// Which scores (and how many stats each) exist depends on the evaluator config,
// so the (score, stat) pairs are rebuilt from token positions.
//
// When every metric of a validation is NaN, `dropna(axis=1, how='all')` drops every column and
// pandas prints the empty frame instead of a table:
//
//   Empty DataFrame
//   Columns: []
//   Index: []
//
// That is a validation whose metrics are all NaN, not a malformed table: it is returned with
// `allNaN` set, no columns, and one value-less row per label of `Index: [...]` (usually none).
import { clip } from './limits';

export type TableKind = 'val' | 'test' | 'extra_val';

export interface TableHeading {
  kind: TableKind;
  /** the extra-val title (`Extra val <name> metrics …`), null for val/test */
  name: string | null;
  epoch: number;
  iterations: number;
}

export interface TableColumn {
  score: string;
  stat: string;
}

export interface TableRow {
  /** row label: a mask-area bucket such as `0-10%`, or `total` */
  label: string;
  /**
   * One value per column, in column order. `null` means the table printed `NaN`
   * (kept JSON-safe). `inf`/`-inf` are returned as ±Infinity.
   */
  values: (number | null)[];
}

export interface TableIssue {
  /** index into the `lines` array given to parseValidationTable */
  lineIndex: number;
  reason: string;
}

export interface ValidationTable {
  columns: TableColumn[];
  rows: TableRow[];
  /** how many of the given lines belong to the table (header lines included) */
  consumedLines: number;
  issues: TableIssue[];
  /** pandas printed `Empty DataFrame`: every metric was NaN (all columns dropped) */
  allNaN: boolean;
}

const HEADING_VAL = /^Validation metrics after epoch #(\d+), total (\d+) iterations:?\s*$/;
const HEADING_TEST = /^Test metrics after epoch #(\d+), total (\d+) iterations:?\s*$/;
const HEADING_EXTRA = /^Extra val (.+) metrics after epoch #(\d+), total (\d+) iterations:?\s*$/;

/** Recognise the log message that introduces a table; null for any other message. */
export function parseTableHeading(message: string): TableHeading | null {
  let m = HEADING_VAL.exec(message);
  if (m) return { kind: 'val', name: null, epoch: Number(m[1]), iterations: Number(m[2]) };
  m = HEADING_TEST.exec(message);
  if (m) return { kind: 'test', name: null, epoch: Number(m[1]), iterations: Number(m[2]) };
  m = HEADING_EXTRA.exec(message);
  if (m) return { kind: 'extra_val', name: m[1], epoch: Number(m[2]), iterations: Number(m[3]) };
  return null;
}

interface Token {
  text: string;
  /** index of the first character */
  start: number;
  /** index one past the last character */
  end: number;
}

const WS = /[^\s]+/g;

function tokenize(line: string): Token[] {
  const out: Token[] = [];
  WS.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WS.exec(line)) !== null) {
    out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  }
  return out;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parse one printed cell; undefined when the token is not a number at all. */
function parseCell(tok: string): number | null | undefined {
  if (NUMBER.test(tok)) return Number(tok);
  switch (tok.toLowerCase()) {
    case 'nan':
    case '-nan':
    case '+nan':
      return null;
    case 'inf':
    case '+inf':
    case 'infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    default:
      return undefined;
  }
}

function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

function startsWithSpace(line: string): boolean {
  return line.length > 0 && (line[0] === ' ' || line[0] === '\t');
}

/**
 * Assign each score name of header line 1 to the column it sits over.
 * Returns the column index per score token, or null when the layout is inconsistent.
 */
function placeScores(scores: Token[], stats: Token[]): number[] | null {
  const placed: number[] = [];
  for (const s of scores) {
    // pandas right-aligns the score with its first sub-column
    let col = stats.findIndex((t) => t.end === s.end);
    if (col < 0) {
      // fallback: the column region (previous column's right edge, this right edge]
      // holding the score's last character
      col = stats.findIndex((t) => s.end <= t.end);
      if (col < 0) col = stats.length - 1;
    }
    if (placed.length > 0 && col <= placed[placed.length - 1]) return null;
    placed.push(col);
  }
  return placed;
}

const EMPTY_FRAME = 'Empty DataFrame';
const EMPTY_COLUMNS = /^Columns: \[.*\]$/;
const EMPTY_INDEX = /^Index: \[(.*)\]$/;

/**
 * The `Empty DataFrame` / `Columns: [...]` / `Index: [...]` block. The header may be all that was
 * written yet (a record still growing): the lines present are consumed, the rest is not required.
 */
function parseEmptyFrame(lines: string[]): ValidationTable {
  let i = 1;
  if (i < lines.length && EMPTY_COLUMNS.test(lines[i].trim())) i++;
  const rows: TableRow[] = [];
  const idx = i < lines.length ? EMPTY_INDEX.exec(lines[i].trim()) : null;
  if (idx) {
    i++;
    // pandas lists the labels as `[0-10%, 10-20%, total]`; a long index is elided with `...`
    for (const label of idx[1].split(',')) {
      const l = label.trim();
      if (l && l !== '...') rows.push({ label: l, values: [] });
    }
  }
  return { columns: [], rows, consumedLines: i, issues: [], allNaN: true };
}

/**
 * Parse the continuation lines that follow a `… metrics after epoch #E, total S iterations:`
 * heading. Stops at the first line that is not a table row (the lines may go on with
 * unrelated output); `consumedLines` says how many lines belong to the table.
 * Returns null when the lines do not start with the two header lines of a table or with the
 * `Empty DataFrame` block.
 */
export function parseValidationTable(lines: string[]): ValidationTable | null {
  if (lines.length >= 1 && lines[0].trim() === EMPTY_FRAME) return parseEmptyFrame(lines);
  if (lines.length < 2) return null;
  const [h1, h2] = lines;
  // the index column has no header, so both header lines start with padding
  if (!startsWithSpace(h1) || !startsWithSpace(h2) || isBlank(h1) || isBlank(h2)) return null;
  const scoreToks = tokenize(h1);
  const statToks = tokenize(h2);
  if (statToks.length === 0 || scoreToks.length === 0 || scoreToks.length > statToks.length) return null;
  // header tokens are names, never numbers
  for (const t of scoreToks) if (parseCell(t.text) !== undefined) return null;
  for (const t of statToks) if (parseCell(t.text) !== undefined) return null;

  const placed = placeScores(scoreToks, statToks);
  if (!placed) return null;

  const issues: TableIssue[] = [];
  const columns: TableColumn[] = statToks.map((t) => ({ score: '', stat: t.text }));
  for (let i = 0; i < placed.length; i++) {
    const from = placed[i];
    const to = i + 1 < placed.length ? placed[i + 1] : columns.length;
    for (let c = from; c < to; c++) columns[c].score = scoreToks[i].text;
  }
  if (placed[0] > 0) {
    issues.push({
      lineIndex: 0,
      reason: `table header: ${placed[0]} column(s) before "${clip(scoreToks[0].text)}" have no score name`,
    });
  }

  const rows: TableRow[] = [];
  let i = 2;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (isBlank(line) || startsWithSpace(line)) break;
    const toks = tokenize(line);
    // label = leading non-numeric tokens (normally exactly one); the rest must all be numbers
    let k = 0;
    while (k < toks.length && parseCell(toks[k].text) === undefined) k++;
    if (k === 0) k = 1; // a numeric label (e.g. an integer index)
    if (k >= toks.length) break;
    const values: (number | null)[] = [];
    let numeric = true;
    for (let j = k; j < toks.length; j++) {
      const v = parseCell(toks[j].text);
      if (v === undefined) {
        numeric = false;
        break;
      }
      values.push(v);
    }
    if (!numeric) break;
    const label = toks
      .slice(0, k)
      .map((t) => t.text)
      .join(' ');
    if (values.length !== columns.length) {
      issues.push({
        lineIndex: i,
        reason: `table row "${clip(label)}" has ${values.length} values, expected ${columns.length}; row skipped`,
      });
      continue;
    }
    rows.push({ label, values });
  }

  return { columns, rows, consumedLines: i, issues, allNaN: false };
}
