// Streaming, pure readers for GPU utilisation logs:
//  - `nvidia-smi --query-gpu=... --format=csv[,nounits][,noheader] -l N` output
//  - `nvidia-smi dmon [-s ...] [-o DT|T]` output
// plus the mapping of Lightning's `gpu_id: N/<field> (<unit>)` TensorBoard tags.
// See docs/lama-run-format.md §6.

import type { GpuSample, ReadIssue } from './types';
import { localMs } from './localTime';
import { maxOf } from '../lib/reduce';
import { MAX_LINE_BYTES, formatBytes } from './limits';

export type GpuLogFormat = 'nvidia-query-csv' | 'nvidia-dmon';

export interface GpuLogState {
  format: 'nvidia-query-csv' | 'nvidia-dmon' | null;
  /**
   * Query CSV: canonical field names (units stripped, '' = unknown column).
   * dmon: lower-cased names from the last `# gpu …` line.
   * `[]` marks "could not work out the columns; already reported" (no samples until a header appears).
   */
  columns: string[] | null;
  /** physical lines fully processed so far (line numbers in issues are line + 1, 1-based) */
  line: number;
  /** the last call ended inside an over-long line (already reported and counted): skip through its newline */
  skipping?: boolean;
}

export interface GpuLogParseOptions {
  /** absolute byte offset of chunk[0] in the file */
  baseOffset: number;
  /** true when the chunk ends at end of file and a trailing line without '\n' must be processed */
  final: boolean;
}

export interface GpuLogParseResult {
  samples: GpuSample[];
  consumed: number;
  state: GpuLogState;
  issues: ReadIssue[];
}

export function newGpuLogState(): GpuLogState {
  return { format: null, columns: null, line: 0 };
}

/** Field order of the query the design recommends (used for 9-field headerless rows). */
export const DESIGN_QUERY_FIELDS: readonly string[] = [
  'timestamp',
  'index',
  'name',
  'utilization.gpu',
  'utilization.memory',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
];

// ---------------------------------------------------------------------------
// value shapes

const TIMESTAMP_RE = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})[ T](\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const NUMBER_WITH_UNIT_RE =
  /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(?:\s*(%|MiB|MB|GiB|KiB|W|mW|MHz|°C|C|ms|us))?$/;
const PLAIN_INT_RE = /^\d+$/;
const QUERY_FIELD_RE = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$/;

/**
 * The field without its trailing ` [unit]` (what `/\s*\[[^\]]*\]$/` would remove), in linear time: that
 * regex tries every start position and is quadratic on a long run of spaces (a 200 KB line took 29 s).
 */
function stripHeaderUnit(field: string): string {
  const n = field.length;
  if (n < 2 || field.charCodeAt(n - 1) !== 0x5d /* ] */) return field;
  const open = field.indexOf('[', field.lastIndexOf(']', n - 2) + 1);
  if (open < 0 || open > n - 2) return field;
  return field.slice(0, open).trimEnd();
}

/** nvidia-smi writes unavailable values as `[N/A]`, `[Not Supported]`, `[Unknown Error]`, … or plain `N/A`. */
function isNotAvailable(v: string): boolean {
  return v === 'N/A' || v === '' || /^\[[^\]]*\]$/.test(v);
}

interface Measured {
  value: number;
  unit: string | null;
}

function measure(v: string): Measured | null {
  const m = NUMBER_WITH_UNIT_RE.exec(v);
  if (!m) return null;
  const value = Number(m[1]);
  if (!Number.isFinite(value)) return null;
  return { value, unit: m[2] ?? null };
}

function numericValue(v: string): number | null {
  if (isNotAvailable(v)) return null;
  const m = measure(v);
  return m ? m.value : null;
}

function fractionToMs(frac: string | undefined): number {
  if (!frac) return 0;
  return Math.round(Number('0.' + frac) * 1000);
}

/** `YYYY/MM/DD HH:MM:SS.mmm` in host local time (no zone) → ms since the epoch. */
function parseLocalTimestamp(v: string): number | null {
  const m = TIMESTAMP_RE.exec(v);
  if (!m) return null;
  return localMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), fractionToMs(m[7]));
}

/** dmon `-o DT`: `YYYYMMDD` + `HH:MM:SS` in local time → ms. */
function parseDmonDateTime(date: string, time: string): number | null {
  const d = /^(\d{4})(\d{2})(\d{2})$/.exec(date);
  const t = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(time);
  if (!d || !t) return null;
  return localMs(Number(d[1]), Number(d[2]), Number(d[3]), Number(t[1]), Number(t[2]), Number(t[3]), fractionToMs(t[4]));
}

// ---------------------------------------------------------------------------
// query CSV: header / headerless detection and column inference

/** nvidia-smi query field names the sniffer accepts as evidence of a query header. */
const QUERY_FIELD_PREFIX_RE =
  /^(timestamp|index|name|uuid|serial|count|pstate|driver_version|vbios_version|persistence_mode|compute_mode|display_(mode|active)|accounting\.|utilization\.|memory\.|temperature\.|power\.|enforced\.power|clocks|clocks_throttle_reasons|clocks_event_reasons|fan\.speed|pci\.|pcie\.|ecc\.|encoder\.|retired_pages\.|mig\.|inforom\.|gom\.|reset_status\.)/;
const STAT_FIELD_RE = /^(utilization|memory|temperature|power|clocks|fan)\./;

function canonicalHeaderName(field: string): string {
  return stripHeaderUnit(field.trim()).trim().toLowerCase();
}

/** True when every comma in the line is followed by a space (nvidia-smi's `, ` separator). */
function isCommaSpaceSeparated(line: string): boolean {
  return line.split(',').length === line.split(', ').length;
}

function splitQueryLine(line: string): string[] {
  return line.split(',').map((f) => f.trim());
}

/** A query-CSV header line: `timestamp, index, utilization.gpu [%], …` (units optional). */
function isQueryHeader(line: string): boolean {
  if (!/^[a-z]/.test(line)) return false; // fast path: data rows start with a digit or '['
  if (!isCommaSpaceSeparated(line)) return false;
  const raw = splitQueryLine(line);
  if (raw.length === 0) return false;
  const names = raw.map(canonicalHeaderName);
  for (let i = 0; i < raw.length; i++) {
    const withoutUnit = stripHeaderUnit(raw[i]);
    if (withoutUnit !== withoutUnit.trim()) return false;
    if (!QUERY_FIELD_RE.test(names[i])) return false;
  }
  if (!names.some((n) => QUERY_FIELD_PREFIX_RE.test(n))) return false;
  // A lone word such as `name` or `index` is too weak; a lone stat field (`memory.used [MiB]`) is fine.
  if (names.length === 1 && !STAT_FIELD_RE.test(names[0])) return false;
  return true;
}

type FieldKind = 'timestamp' | 'int' | 'number' | '%' | 'MiB' | 'W' | 'MHz' | 'otherUnit' | 'na' | 'text';

function fieldKind(v: string): FieldKind {
  if (isNotAvailable(v)) return 'na';
  if (TIMESTAMP_RE.test(v)) return 'timestamp';
  const m = measure(v);
  if (!m) return 'text';
  if (m.unit === null) return PLAIN_INT_RE.test(v) ? 'int' : 'number';
  if (m.unit === '%') return '%';
  if (m.unit === 'MiB' || m.unit === 'MB') return 'MiB';
  if (m.unit === 'W') return 'W';
  if (m.unit === 'MHz') return 'MHz';
  return 'otherUnit';
}

const UNIT_KINDS: ReadonlySet<FieldKind> = new Set<FieldKind>(['%', 'MiB', 'W', 'MHz', 'otherUnit']);

/** A `noheader` query row: `2020/11/12 13:48:11.412, 0, NVIDIA A100, 99 %, 52 %, 30994 MiB, …` or nounits with a timestamp. */
function isHeaderlessQueryRow(line: string): boolean {
  if (!isCommaSpaceSeparated(line)) return false;
  const fields = splitQueryLine(line);
  if (fields.length < 2) return false;
  const kinds = fields.map(fieldKind);
  const text = kinds.filter((k) => k === 'text').length;
  const hasTimestamp = kinds.includes('timestamp');
  const hasUnit = kinds.some((k) => UNIT_KINDS.has(k));
  if (!hasTimestamp && !hasUnit) return false;
  // Names, pstate, driver version … are text; everything else must look like a value.
  if (text > 3 || text >= fields.length - 1) return false;
  return true;
}

function fits(kind: FieldKind, allowed: FieldKind[]): boolean {
  return kind === 'na' || allowed.includes(kind);
}

/**
 * Infers column names for a headerless row. Returns null when it cannot tell which columns hold the
 * GPU statistics.
 */
function inferQueryColumns(fields: string[]): string[] | null {
  const kinds = fields.map(fieldKind);

  if (
    fields.length === DESIGN_QUERY_FIELDS.length &&
    fits(kinds[0], ['timestamp']) &&
    fits(kinds[1], ['int']) &&
    fits(kinds[3], ['%', 'int', 'number']) &&
    fits(kinds[4], ['%', 'int', 'number']) &&
    fits(kinds[5], ['MiB', 'int', 'number']) &&
    fits(kinds[6], ['MiB', 'int', 'number']) &&
    fits(kinds[7], ['int', 'number']) &&
    fits(kinds[8], ['W', 'int', 'number'])
  ) {
    return DESIGN_QUERY_FIELDS.slice();
  }

  if (!kinds.some((k) => UNIT_KINDS.has(k))) return null;

  const cols: string[] = fields.map(() => '');
  let percent = 0;
  const mib: number[] = [];
  const plainInts: number[] = [];
  let haveTimestamp = false;
  let haveIndex = false;
  let havePower = false;
  for (let i = 0; i < fields.length; i++) {
    switch (kinds[i]) {
      case 'timestamp':
        if (!haveTimestamp) {
          cols[i] = 'timestamp';
          haveTimestamp = true;
        }
        break;
      case 'int':
        if (!haveIndex && Number(fields[i]) <= 15) {
          cols[i] = 'index';
          haveIndex = true;
        } else {
          plainInts.push(i);
        }
        break;
      case '%':
        if (percent === 0) cols[i] = 'utilization.gpu';
        else if (percent === 1) cols[i] = 'utilization.memory';
        percent++;
        break;
      case 'MiB':
        mib.push(i);
        break;
      case 'W':
        if (!havePower) {
          cols[i] = 'power.draw';
          havePower = true;
        }
        break;
      default:
        break;
    }
  }

  // memory: the first MiB value is memory.used, unless it is strictly the largest and bigger than the
  // next one (then it is memory.total followed by memory.used, the common `total, used, free` order).
  if (mib.length === 1) {
    cols[mib[0]] = 'memory.used';
  } else if (mib.length >= 2) {
    const vals = mib.map((i) => measure(fields[i])!.value);
    const max = maxOf(vals);
    if (vals[0] === max && vals[0] > vals[1]) {
      cols[mib[0]] = 'memory.total';
      cols[mib[1]] = 'memory.used';
    } else {
      cols[mib[0]] = 'memory.used';
      let best = 1;
      for (let k = 2; k < vals.length; k++) if (vals[k] > vals[best]) best = k;
      if (vals[best] >= vals[0]) cols[mib[best]] = 'memory.total';
    }
  }

  // temperature.gpu has no unit: take it only when exactly one unexplained plain integer is left.
  if (plainInts.length === 1) {
    const v = Number(fields[plainInts[0]]);
    if (v <= 130) cols[plainInts[0]] = 'temperature.gpu';
  }

  const mapped = cols.some((c) => c in QUERY_TO_SAMPLE);
  return mapped ? cols : null;
}

type SampleKey = 'util' | 'memUtil' | 'memUsedMb' | 'memTotalMb' | 'powerW' | 'tempC';

const QUERY_TO_SAMPLE: Record<string, SampleKey> = {
  'utilization.gpu': 'util',
  'utilization.memory': 'memUtil',
  'memory.used': 'memUsedMb',
  'memory.total': 'memTotalMb',
  'power.draw': 'powerW',
  'temperature.gpu': 'tempC',
};

const DMON_TO_SAMPLE: Record<string, SampleKey> = {
  sm: 'util',
  mem: 'memUtil',
  fb: 'memUsedMb',
  pwr: 'powerW',
  gtemp: 'tempC',
};

function emptySample(gpu: number, time: number | null): GpuSample {
  return { gpu, time, util: null, memUtil: null, memUsedMb: null, memTotalMb: null, powerW: null, tempC: null };
}

function queryRowToSample(columns: string[], fields: string[]): GpuSample {
  let gpu = 0;
  let time: number | null = null;
  const s = emptySample(0, null);
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i];
    const v = fields[i];
    if (col === 'index') {
      const n = numericValue(v);
      if (n !== null && Number.isInteger(n) && n >= 0) gpu = n;
    } else if (col === 'timestamp') {
      time = isNotAvailable(v) ? null : parseLocalTimestamp(v);
    } else {
      const key = QUERY_TO_SAMPLE[col];
      if (key) s[key] = numericValue(v);
    }
  }
  s.gpu = gpu;
  s.time = time;
  return s;
}

// ---------------------------------------------------------------------------
// dmon

const DMON_COLUMN_NAMES: ReadonlySet<string> = new Set([
  'pwr', 'gtemp', 'mtemp', 'sm', 'mem', 'enc', 'dec', 'jpg', 'ofa', 'mclk', 'pclk', 'fb', 'bar1', 'ccpm',
  'sbecc', 'dbecc', 'pci', 'rxpci', 'txpci', 'pviol', 'tviol', 'nvlink',
]);

/** Names of a dmon `#` header line (`# gpu pwr …`, `#Date Time gpu …`), or null for a units/other comment line. */
function dmonHeaderNames(line: string): string[] | null {
  if (!line.startsWith('#')) return null;
  const names = line.slice(1).trim().split(/\s+/).filter(Boolean).map((t) => t.toLowerCase());
  if (!names.includes('gpu')) return null;
  if (!names.some((n) => DMON_COLUMN_NAMES.has(n))) return null;
  return names;
}

function dmonValue(tok: string): number | null {
  if (tok === '-' || tok === 'N/A') return null;
  const n = Number(tok);
  return tok !== '' && Number.isFinite(n) ? n : null;
}

function dmonRowToSample(columns: string[], tokens: string[]): GpuSample {
  const s = emptySample(0, null);
  const dateIdx = columns.indexOf('date');
  const timeIdx = columns.indexOf('time');
  if (dateIdx >= 0 && timeIdx >= 0) s.time = parseDmonDateTime(tokens[dateIdx], tokens[timeIdx]);
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i];
    if (col === 'gpu') {
      const n = dmonValue(tokens[i]);
      if (n !== null && Number.isInteger(n) && n >= 0) s.gpu = n;
    } else {
      const key = DMON_TO_SAMPLE[col];
      if (key) s[key] = dmonValue(tokens[i]);
    }
  }
  return s;
}

// ---------------------------------------------------------------------------
// sniffing

function firstLines(head: string, max: number): string[] {
  let text = head.startsWith('\uFEFF') ? head.slice(1) : head;
  const lastNl = text.lastIndexOf('\n');
  // Prefer complete lines; fall back to the partial one when the head holds a single line.
  if (lastNl >= 0) text = text.slice(0, lastNl);
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    out.push(line);
    if (out.length >= max) break;
  }
  return out;
}

/** Recognises an nvidia-smi query CSV or dmon log by content. Returns null for anything else. */
export function sniffGpuLog(head: string): GpuLogFormat | null {
  const lines = firstLines(head, 4);
  if (lines.length === 0) return null;
  const first = lines[0];
  if (first.startsWith('#')) return dmonHeaderNames(first) ? 'nvidia-dmon' : null;
  if (isQueryHeader(first)) return 'nvidia-query-csv';
  if (isHeaderlessQueryRow(first)) {
    const n = splitQueryLine(first).length;
    for (const next of lines.slice(1)) {
      if (isQueryHeader(next)) continue;
      if (!isHeaderlessQueryRow(next) || splitQueryLine(next).length !== n) return null;
    }
    return 'nvidia-query-csv';
  }
  return null;
}

// ---------------------------------------------------------------------------
// streaming parser

const decoder = new TextDecoder('utf-8');

/**
 * Parses complete lines of `chunk` (plus a trailing partial line when `opts.final`). Never throws on bad
 * input: problems become issues. The input state is not modified.
 */
export function parseGpuLog(chunk: Uint8Array, state: GpuLogState, opts: GpuLogParseOptions): GpuLogParseResult {
  const st: GpuLogState = {
    format: state.format,
    columns: state.columns ? state.columns.slice() : null,
    line: state.line,
  };
  const samples: GpuSample[] = [];
  const issues: ReadIssue[] = [];

  let start = 0;
  let consumed = 0;
  if (state.skipping) {
    // the rest of an over-long line, already reported and counted
    const nl = chunk.indexOf(0x0a);
    if (nl < 0) {
      if (!opts.final) st.skipping = true;
      return { samples, consumed: chunk.length, state: st, issues };
    }
    start = consumed = nl + 1;
  }
  while (start < chunk.length) {
    let nl = chunk.indexOf(0x0a, start);
    let next: number;
    if ((nl < 0 ? chunk.length : nl) - start > MAX_LINE_BYTES) {
      // not an nvidia-smi line: one issue, its bytes skipped through the newline (maybe in a later chunk)
      st.line++;
      issues.push({ line: st.line, offset: opts.baseOffset + start, reason: `line ${st.line} is longer than ${formatBytes(MAX_LINE_BYTES)}; skipped` });
      if (nl < 0) {
        if (!opts.final) st.skipping = true;
        consumed = chunk.length;
        break;
      }
      start = consumed = nl + 1;
      continue;
    }
    if (nl < 0) {
      if (!opts.final) break;
      nl = chunk.length;
      next = chunk.length;
    } else {
      next = nl + 1;
    }
    let line = decoder.decode(chunk.subarray(start, nl));
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (st.line === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    st.line++;
    handleLine(line, st.line, opts.baseOffset + start, st, samples, issues);
    start = next;
    consumed = next;
  }
  return { samples, consumed, state: st, issues };
}

function handleLine(
  line: string,
  lineNo: number,
  offset: number,
  st: GpuLogState,
  samples: GpuSample[],
  issues: ReadIssue[],
): void {
  if (line.trim() === '') return;

  if (st.format === null) {
    const dmonNames = dmonHeaderNames(line);
    if (dmonNames) {
      st.format = 'nvidia-dmon';
      st.columns = dmonNames;
      return;
    }
    if (line.startsWith('#')) return; // some other comment before the data
    if (isQueryHeader(line) || isHeaderlessQueryRow(line)) {
      st.format = 'nvidia-query-csv';
      st.columns = null;
      // fall through to the query handler below
    } else {
      if (st.columns === null) {
        st.columns = [];
        issues.push({
          line: lineNo,
          offset,
          reason: `line ${lineNo}: not an nvidia-smi query CSV or dmon line; GPU log format not recognised`,
        });
      }
      return;
    }
  }

  if (st.format === 'nvidia-dmon') {
    handleDmonLine(line, lineNo, offset, st, samples, issues);
  } else {
    handleQueryLine(line, lineNo, offset, st, samples, issues);
  }
}

function handleQueryLine(
  line: string,
  lineNo: number,
  offset: number,
  st: GpuLogState,
  samples: GpuSample[],
  issues: ReadIssue[],
): void {
  if (isQueryHeader(line)) {
    st.columns = splitQueryLine(line).map(canonicalHeaderName);
    return;
  }
  const fields = splitQueryLine(line);
  if (st.columns === null) {
    const inferred = inferQueryColumns(fields);
    if (!inferred) {
      st.columns = [];
      issues.push({
        line: lineNo,
        offset,
        reason: `line ${lineNo}: headerless nvidia-smi CSV with ${fields.length} fields; cannot infer its columns`,
      });
      return;
    }
    st.columns = inferred;
  }
  if (st.columns.length === 0) return; // columns unknown, already reported
  if (fields.length !== st.columns.length) {
    issues.push({
      line: lineNo,
      offset,
      reason: `line ${lineNo} has ${fields.length} fields, header has ${st.columns.length}`,
    });
    return;
  }
  samples.push(queryRowToSample(st.columns, fields));
}

function handleDmonLine(
  line: string,
  lineNo: number,
  offset: number,
  st: GpuLogState,
  samples: GpuSample[],
  issues: ReadIssue[],
): void {
  if (line.trimStart().startsWith('#')) {
    const names = dmonHeaderNames(line.trimStart());
    if (names) st.columns = names;
    return; // units line or other comment
  }
  if (st.columns === null || st.columns.length === 0) {
    if (st.columns === null) {
      st.columns = [];
      issues.push({ line: lineNo, offset, reason: `line ${lineNo}: dmon row before any '# gpu …' header line` });
    }
    return;
  }
  const tokens = line.trim().split(/\s+/);
  if (tokens.length !== st.columns.length) {
    issues.push({
      line: lineNo,
      offset,
      reason: `line ${lineNo} has ${tokens.length} fields, header has ${st.columns.length}`,
    });
    return;
  }
  samples.push(dmonRowToSample(st.columns, tokens));
}

// ---------------------------------------------------------------------------
// Lightning TensorBoard tags

const TAG_RE = /^gpu_id:\s*(\d+)\/(.+?)(?:\s*\([^)]*\))?$/;

const TAG_TO_SAMPLE: Record<string, SampleKey | null> = {
  'memory.used': 'memUsedMb',
  'memory.total': 'memTotalMb',
  'memory.free': null, // recognised, but nothing in GpuSample holds it
  'utilization.gpu': 'util',
  'utilization.memory': 'memUtil',
  'temperature.gpu': 'tempC',
  'power.draw': 'powerW',
};

/**
 * Maps a Lightning GPU tag (`gpu_id: 0/memory.used (MB)`, `gpu_id: 1/utilization.gpu (%)`, …) and its value to a
 * GpuSample that carries only that value. `memory.free` gives a sample with no values; other tags give null.
 */
export function gpuSampleFromTag(tag: string, value: number, wallTimeSec: number | null): GpuSample | null {
  const m = TAG_RE.exec(tag.trim());
  if (!m) return null;
  const field = m[2].trim();
  if (!(field in TAG_TO_SAMPLE)) return null;
  const time = wallTimeSec === null || !Number.isFinite(wallTimeSec) ? null : wallTimeSec * 1000;
  const s = emptySample(Number(m[1]), time);
  const key = TAG_TO_SAMPLE[field];
  if (key) s[key] = value;
  return s;
}
