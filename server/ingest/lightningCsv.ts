// Streaming, pure reader for PyTorch Lightning's CSVLogger `metrics.csv`.
//
// The file is written by Python's csv.DictWriter: a header line, then sparse rows (most cells empty), `\r\n`
// line ends, RFC-4180 quoting when a field holds a comma, quote or newline. Lightning rewrites the whole file
// with a wider header when new keys appear; the caller notices that and re-reads from byte 0 with a fresh
// state. A header-looking line in the middle of the stream resets the columns.

import type { ReadIssue, ScalarRecord } from './types';
import { MAX_LINE_BYTES, clip, formatBytes } from './limits';

export interface MetricsCsvState {
  /** header names (trimmed), null until the header has been read */
  columns: string[] | null;
  /** physical lines fully processed so far */
  line: number;
  /** data rows seen so far (the step of a row when the file has no `step` column) */
  row: number;
  /** columns already reported for a non-numeric value (so each is reported once) */
  reportedColumns?: string[];
  /** the chunk ended inside an over-long record (already reported): drop bytes through the next newline */
  skipping?: boolean;
}

export interface MetricsCsvParseOptions {
  /** absolute byte offset of chunk[0] in the file */
  baseOffset: number;
  /** true when the chunk ends at end of file and a trailing record without '\n' must be processed */
  final: boolean;
}

export interface MetricsCsvParseResult {
  scalars: ScalarRecord[];
  consumed: number;
  state: MetricsCsvState;
  issues: ReadIssue[];
}

export function newMetricsCsvState(): MetricsCsvState {
  return { columns: null, line: 0, row: 0 };
}

/** Columns that hold the row's wall time in seconds (not turned into tags). */
const TIME_COLUMNS = ['time', 'timestamp', 'created_at'];

/**
 * A quoted field spanning more lines than this is taken as a stray quote: the record then ends at its first
 * newline, so one bad quote cannot hold back the rest of a live file.
 */
const MAX_QUOTED_LINES = 100;

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a CSV cell as Python writes floats: plain numbers, `nan`, `inf`, `-inf`, `Infinity` (any case). */
export function parseMetricValue(cell: string): number | null {
  const s = cell.trim();
  if (NUMBER_RE.test(s)) return Number(s);
  const lower = s.toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return null;
}

/**
 * Splits one CSV record (without its line terminator) into fields, RFC-4180 style. Linear in the record's
 * length: fields are sliced, never built a character at a time. A quote opens a quoted field only at the
 * field's start; after the closing quote, the rest up to the comma is kept as it is; an unclosed quote
 * runs to the end of the record.
 */
export function splitCsvRecord(text: string): string[] {
  const fields: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    if (i < n && text.charCodeAt(i) === 0x22 /* " */) {
      const parts: string[] = [];
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          parts.push(text.slice(j));
          j = n;
          break;
        }
        parts.push(text.slice(j, q));
        if (text.charCodeAt(q + 1) === 0x22) {
          parts.push('"');
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      const comma = j < n ? text.indexOf(',', j) : -1;
      parts.push(text.slice(j, comma < 0 ? n : comma));
      fields.push(parts.join(''));
      if (comma < 0) break;
      i = comma + 1;
    } else {
      const comma = text.indexOf(',', i);
      if (comma < 0) {
        fields.push(text.slice(i));
        break;
      }
      fields.push(text.slice(i, comma));
      i = comma + 1;
    }
  }
  return fields;
}

interface RawRecord {
  start: number;
  end: number; // exclusive, before the '\n'
  lines: number; // physical lines the record covers
  unterminatedQuote: boolean;
  /** longer than MAX_LINE_BYTES: not parsed, skipped through its next newline */
  overlong?: boolean;
}

/**
 * Finds complete records (ending in '\n' outside quotes) in the chunk. A record that grows past
 * MAX_LINE_BYTES is returned as `overlong` and its bytes are dropped through the next newline (`skipping`
 * when that newline is beyond the chunk: the next call drops bytes until it).
 */
function scanRecords(chunk: Uint8Array, final: boolean, skipping: boolean): { records: RawRecord[]; consumed: number; skipping: boolean } {
  const records: RawRecord[] = [];
  const n = chunk.length;
  let recStart = 0;
  if (skipping) {
    const nl = chunk.indexOf(0x0a);
    if (nl < 0) return { records, consumed: n, skipping: !final };
    recStart = nl + 1;
  }
  let i = recStart;
  let inQuotes = false;
  let atFieldStart = true;
  let newlinesInQuotes = 0;
  let firstQuotedNewline = -1;
  while (i < n) {
    if (i - recStart >= MAX_LINE_BYTES) {
      records.push({ start: recStart, end: recStart, lines: 1 + newlinesInQuotes, unterminatedQuote: false, overlong: true });
      const nl = chunk.indexOf(0x0a, i);
      if (nl < 0) return { records, consumed: n, skipping: !final };
      recStart = nl + 1;
      i = recStart;
      inQuotes = false;
      atFieldStart = true;
      newlinesInQuotes = 0;
      firstQuotedNewline = -1;
      continue;
    }
    const b = chunk[i];
    if (inQuotes) {
      if (b === 0x22) {
        if (i + 1 < n && chunk[i + 1] === 0x22) {
          i += 2;
          continue;
        }
        inQuotes = false;
      } else if (b === 0x0a) {
        if (firstQuotedNewline < 0) firstQuotedNewline = i;
        newlinesInQuotes++;
        if (newlinesInQuotes > MAX_QUOTED_LINES) {
          records.push({ start: recStart, end: firstQuotedNewline, lines: 1, unterminatedQuote: true });
          recStart = firstQuotedNewline + 1;
          i = recStart;
          inQuotes = false;
          atFieldStart = true;
          newlinesInQuotes = 0;
          firstQuotedNewline = -1;
          continue;
        }
      }
      atFieldStart = false;
      i++;
      continue;
    }
    if (b === 0x0a) {
      records.push({ start: recStart, end: i, lines: 1 + newlinesInQuotes, unterminatedQuote: false });
      recStart = i + 1;
      atFieldStart = true;
      newlinesInQuotes = 0;
      firstQuotedNewline = -1;
    } else if (b === 0x2c) {
      atFieldStart = true;
    } else if (b === 0x22 && atFieldStart) {
      inQuotes = true;
      atFieldStart = false;
    } else {
      atFieldStart = false;
    }
    i++;
  }
  if (recStart < n && final) {
    // inside an unclosed quote the chunk may end right after a newline: count only lines with bytes
    const lines = newlinesInQuotes + (chunk[n - 1] === 0x0a ? 0 : 1);
    records.push({ start: recStart, end: n, lines, unterminatedQuote: inQuotes });
    recStart = n;
  }
  return { records, consumed: recStart, skipping: false };
}

function looksLikeHeader(fields: string[], columns: string[]): boolean {
  const names = fields.map((f) => f.trim());
  if (names.some((f) => f === '' || parseMetricValue(f) !== null)) return false;
  const known = new Set(columns);
  return names.some((f) => known.has(f));
}

function parseWallTime(cell: string): number | null {
  const s = cell.trim();
  if (s === '') return null;
  const n = parseMetricValue(s);
  if (n !== null) {
    if (!Number.isFinite(n)) return null;
    return n > 1e11 ? n / 1000 : n; // tolerate milliseconds
  }
  const t = Date.parse(s);
  return Number.isFinite(t) ? t / 1000 : null;
}

const decoder = new TextDecoder('utf-8');

/**
 * Parses the complete records of `chunk` (plus a trailing partial record when `opts.final`). One ScalarRecord
 * per non-empty numeric cell; NaN and ±Infinity are kept. Never throws on bad input. The input state is not
 * modified.
 */
export function parseMetricsCsv(
  chunk: Uint8Array,
  state: MetricsCsvState,
  opts: MetricsCsvParseOptions,
): MetricsCsvParseResult {
  const st: MetricsCsvState = {
    columns: state.columns ? state.columns.slice() : null,
    line: state.line,
    row: state.row,
  };
  const reported = new Set(state.reportedColumns ?? []);
  const scalars: ScalarRecord[] = [];
  const issues: ReadIssue[] = [];

  const { records, consumed, skipping } = scanRecords(chunk, opts.final, state.skipping === true);
  if (skipping) st.skipping = true;

  for (const rec of records) {
    const lineNo = st.line + 1;
    const offset = opts.baseOffset + rec.start;
    st.line += rec.lines;

    if (rec.overlong) {
      issues.push({ line: lineNo, offset, reason: `line ${lineNo} is longer than ${formatBytes(MAX_LINE_BYTES)}; skipped` });
      continue;
    }

    let text = decoder.decode(chunk.subarray(rec.start, rec.end));
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (lineNo === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    if (text.trim() === '') continue;

    if (rec.unterminatedQuote) {
      issues.push({ line: lineNo, offset, reason: `line ${lineNo}: quoted field is never closed` });
    }

    const fields = splitCsvRecord(text);

    if (st.columns === null) {
      st.columns = fields.map((f) => f.trim());
      reported.clear();
      continue;
    }
    if (looksLikeHeader(fields, st.columns)) {
      st.columns = fields.map((f) => f.trim());
      reported.clear();
      continue;
    }

    const columns = st.columns;
    const rowIndex = st.row;
    st.row++;

    if (fields.length !== columns.length) {
      issues.push({
        line: lineNo,
        offset,
        reason: `line ${lineNo} has ${fields.length} fields, header has ${columns.length}`,
      });
      continue;
    }

    const stepIdx = columns.indexOf('step');
    let step = rowIndex;
    if (stepIdx >= 0) {
      const v = parseMetricValue(fields[stepIdx]);
      if (v === null || !Number.isFinite(v)) {
        issues.push({
          line: lineNo,
          offset,
          reason: `line ${lineNo}: step ${JSON.stringify(clip(fields[stepIdx]))} is not a number; row skipped`,
        });
        continue;
      }
      step = v;
    }

    const timeIdx = columns.findIndex((c) => TIME_COLUMNS.includes(c));
    const wallTime = timeIdx >= 0 ? parseWallTime(fields[timeIdx]) : null;

    for (let j = 0; j < columns.length; j++) {
      if (j === stepIdx || j === timeIdx) continue;
      const tag = columns[j];
      if (tag === '') continue;
      const cell = fields[j].trim();
      if (cell === '') continue;
      const value = parseMetricValue(cell);
      if (value === null) {
        if (!reported.has(tag)) {
          reported.add(tag);
          issues.push({
            line: lineNo,
            offset,
            reason: `line ${lineNo}: column ${JSON.stringify(clip(tag))} has a non-numeric value ${JSON.stringify(clip(cell))}; such cells are skipped`,
          });
        }
        continue;
      }
      scalars.push({ tag, step, wallTime, value });
    }
  }

  if (reported.size > 0) st.reportedColumns = [...reported];
  return { scalars, consumed, state: st, issues };
}
