// Streaming reader for LaMa's Hydra `train.log` (docs/lama-run-format.md §5).
// Pure: bytes in, events out. The caller keeps `consumed` and `state` between calls
// and calls again with the file's bytes from `baseOffset + consumed`.
//
// Record grammar: a line matching RECORD_START opens a record; every other line
// continues the previous record (config dumps, module reprs, metric tables,
// tracebacks, interleaved unformatted stderr). Lines before the first record are ignored.
//
// Streaming contract:
// - Only complete lines ('\n'-terminated) are read, unless `opts.final`.
// - The last record of a chunk may still grow, so `consumed` stops at the START of that
//   record (never past it). Events for it are emitted anyway from the lines seen so far;
//   the next call sees it again and re-emits it (table stores upsert on
//   (kind, name, epoch, iterations), so a half-written table is completed then). The same
//   holds for a `failed` record whose traceback is still being written: its message may
//   gain the exception line on the next call, so key stored statuses on (type, line).
// - Issues (bad UTF-8, ragged table rows, headings without a table) are reported only for
//   lines before `consumed`, or for every line when `opts.final`, so that each one is
//   reported once when the caller follows the contract and passes `final` once.
// - Bounded: a line longer than MAX_LINE_BYTES is one issue and is skipped (through its newline, also
//   across calls: `state.skipping`); the lines before it are settled. Unsettled bytes (a record that never
//   ends, or lines with no record at all) are settled once they pass MAX_PENDING_BYTES, so a read never
//   has to start further back than that.
// - `records` counts every record start read in this call, including the pending last
//   record (which will be read, and counted, again by the next call).

import type { ReadIssue } from './types';
import { parseTableHeading, parseValidationTable, type TableColumn, type TableKind, type TableRow } from './validationTable';
import { localMs } from './localTime';
import { MAX_LINE_BYTES, clip, formatBytes } from './limits';

/** A pending record (or record-less lines) past this many bytes is settled as it is. */
export const MAX_PENDING_BYTES = 4 * 1024 * 1024;

export interface TrainLogState {
  /** lines consumed so far (lines before baseOffset + consumed), so issues can cite 1-based line numbers */
  line: number;
  /** the last call ended inside an over-long line (already reported and counted): skip through its newline */
  skipping?: boolean;
}

export function newTrainLogState(): TrainLogState {
  return { line: 0 };
}

export type TrainLogEvent =
  | {
      type: 'table';
      kind: TableKind;
      name: string | null;
      epoch: number;
      iterations: number;
      /** the sanity-check table (`total 0 iterations`), printed before training, absent from TensorBoard */
      sanity: boolean;
      /** ms since the Unix epoch (record time read as host local time) */
      time: number | null;
      /** 1-based line number of the heading record */
      line: number;
      columns: TableColumn[];
      /** values: null means the table printed NaN */
      rows: TableRow[];
      /** LaMa printed `Empty DataFrame`: every metric of this validation was NaN (no columns) */
      allNaN: boolean;
    }
  | { type: 'failed'; message: string; time: number | null; line: number }
  | { type: 'interrupted'; time: number | null; line: number };

export interface TrainLogResult {
  events: TrainLogEvent[];
  /** bytes of the chunk that are done: the caller's next chunk starts at baseOffset + consumed */
  consumed: number;
  state: TrainLogState;
  issues: ReadIssue[];
  /** min / max record time (ms since epoch) among the records read in this call */
  firstTime: number | null;
  lastTime: number | null;
  /** number of record starts read in this call (the pending last record included) */
  records: number;
}

const RECORD_START =
  /^\[(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3})\]\[([^\]]+)\]\[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] - (.*)$/;

const FAILED_PREFIX = 'Training failed due to ';

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const lenientDecoder = new TextDecoder('utf-8');

interface Line {
  text: string;
  /** byte offset of the line start, relative to the chunk */
  start: number;
  /** 1-based line number in the file */
  no: number;
}

interface RecordStart {
  /** null for a stamp that is not a real time (month 13…) */
  time: number | null;
  logger: string;
  level: string;
  message: string;
}

function matchRecord(text: string): RecordStart | null {
  let candidate = text;
  if (candidate.charCodeAt(0) !== 0x5b /* [ */) {
    // a console line may carry tqdm `\r` updates in front of the record
    const cr = candidate.lastIndexOf('\r');
    if (cr < 0) return null;
    candidate = candidate.slice(cr + 1);
    if (candidate.charCodeAt(0) !== 0x5b) return null;
  }
  const m = RECORD_START.exec(candidate);
  if (!m) return null;
  const time = localMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]));
  return { time, logger: m[8], level: m[9], message: m[10] };
}

/** The exception line of the last traceback in `lines` (`ValueError: …`), if present. */
function exceptionLine(lines: Line[]): string | null {
  let tb = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].text.startsWith('Traceback (most recent call last)')) {
      tb = i;
      break;
    }
  }
  if (tb < 0) return null;
  for (let i = tb + 1; i < lines.length; i++) {
    const t = lines[i].text;
    if (t.length === 0 || t[0] === ' ' || t[0] === '\t') continue; // frames and source lines are indented
    if (/^[A-Za-z_][\w.]*(?::|$)/.test(t)) return t.trimEnd();
    return null;
  }
  return null;
}

function tableKey(kind: string, name: string | null, epoch: number, iterations: number): string {
  return `${kind}\u0000${name ?? ''}\u0000${epoch}\u0000${iterations}`;
}

export function parseTrainLog(
  chunk: Uint8Array,
  state: TrainLogState,
  opts: { baseOffset: number; final: boolean },
): TrainLogResult {
  if (state.skipping) {
    const nl = chunk.indexOf(0x0a);
    const line = state.line;
    if (nl < 0) {
      return { events: [], consumed: chunk.length, state: opts.final ? { line } : { line, skipping: true }, issues: [], firstTime: null, lastTime: null, records: 0 };
    }
    const rest = parseTrainLog(chunk.subarray(nl + 1), { line }, { baseOffset: opts.baseOffset + nl + 1, final: opts.final });
    return { ...rest, consumed: rest.consumed + nl + 1 };
  }
  const issues: ReadIssue[] = [];
  const events: TrainLogEvent[] = [];
  let firstTime: number | null = null;
  let lastTime: number | null = null;
  let records = 0;

  // --- split into lines, decode, find record starts -------------------------------------
  const lines: Line[] = [];
  const recordIdx: number[] = []; // indices into `lines` of record starts
  const recordInfo: RecordStart[] = [];
  const lineIssues: { lineIndex: number; issue: ReadIssue }[] = [];

  let pos = 0;
  let lineNo = state.line;
  const n = chunk.length;
  /** an over-long line: where it starts, where reading goes on, and whether its newline was seen */
  let over: { start: number; next: number; complete: boolean } | null = null;
  while (pos < n) {
    const nl = chunk.indexOf(0x0a, pos);
    let end: number;
    let next: number;
    if (nl < 0) {
      if (n - pos > MAX_LINE_BYTES) {
        over = { start: pos, next: n, complete: opts.final };
        break;
      }
      if (!opts.final) break; // incomplete trailing line
      end = n;
      next = n;
    } else {
      end = nl;
      next = nl + 1;
    }
    if (end - pos > MAX_LINE_BYTES) {
      over = { start: pos, next, complete: true };
      break;
    }
    lineNo++;
    let stop = end;
    if (stop > pos && chunk[stop - 1] === 0x0d) stop--;
    const bytes = chunk.subarray(pos, stop);
    let text: string;
    try {
      text = strictDecoder.decode(bytes);
    } catch {
      text = lenientDecoder.decode(bytes);
      lineIssues.push({
        lineIndex: lines.length,
        issue: {
          line: lineNo,
          offset: opts.baseOffset + pos,
          reason: `line ${lineNo} is not valid UTF-8; decoded with replacement characters`,
        },
      });
    }
    const rec = matchRecord(text);
    if (rec) {
      recordIdx.push(lines.length);
      recordInfo.push(rec);
    }
    lines.push({ text, start: pos, no: lineNo });
    pos = next;
  }

  // --- where this call's work is settled ----------------------------------------------
  // Normally up to the start of the last record (it may still grow). Everything read is settled when an
  // over-long line cuts the chunk, or when what would be held back passes MAX_PENDING_BYTES.
  const lastRecordLine = recordIdx.length > 0 ? recordIdx[recordIdx.length - 1] : -1;
  let consumed = lastRecordLine >= 0 ? lines[lastRecordLine].start : 0;
  let settledLines = lastRecordLine >= 0 ? lastRecordLine : 0;
  let final = opts.final;
  if (over || pos - consumed > MAX_PENDING_BYTES) {
    final = true;
    consumed = over ? over.next : pos;
    settledLines = lines.length;
  }
  const reportable = (lineIndex: number) => final || lineIndex < settledLines;

  for (const li of lineIssues) if (reportable(li.lineIndex)) issues.push(li.issue);
  if (over) {
    const no = lineNo + 1;
    issues.push({ line: no, offset: opts.baseOffset + over.start, reason: `line ${no} is longer than ${formatBytes(MAX_LINE_BYTES)}; skipped` });
  }

  // --- records ----------------------------------------------------------------------------
  const tableAt = new Map<string, number>(); // key -> index in events
  const tableSettled = new Map<string, boolean>();

  for (let r = 0; r < recordIdx.length; r++) {
    const first = recordIdx[r];
    const after = r + 1 < recordIdx.length ? recordIdx[r + 1] : lines.length;
    const rec = recordInfo[r];
    const head = lines[first];
    const pending = !final && r === recordIdx.length - 1;
    records++;
    if (rec.time !== null && (firstTime === null || rec.time < firstTime)) firstTime = rec.time;
    if (rec.time !== null && (lastTime === null || rec.time > lastTime)) lastTime = rec.time;

    const message = rec.message;
    const heading = message.startsWith('Validation') || message.startsWith('Test') || message.startsWith('Extra val')
      ? parseTableHeading(message)
      : null;

    if (heading) {
      const cont: string[] = [];
      for (let i = first + 1; i < after; i++) cont.push(lines[i].text);
      const table = parseValidationTable(cont);
      if (!table) {
        if (!pending) {
          issues.push({
            line: head.no,
            offset: opts.baseOffset + head.start,
            reason: `line ${head.no}: "${clip(message.trim())}" is not followed by a metrics table`,
          });
        }
        continue;
      }
      if (!pending) {
        for (const ti of table.issues) {
          const l = lines[first + 1 + ti.lineIndex];
          issues.push({ line: l.no, offset: opts.baseOffset + l.start, reason: `line ${l.no}: ${ti.reason}` });
        }
      }
      const ev: TrainLogEvent = {
        type: 'table',
        kind: heading.kind,
        name: heading.name,
        epoch: heading.epoch,
        iterations: heading.iterations,
        sanity: heading.iterations === 0,
        time: rec.time,
        line: head.no,
        columns: table.columns,
        rows: table.rows,
        allNaN: table.allNaN,
      };
      const key = tableKey(heading.kind, heading.name, heading.epoch, heading.iterations);
      const at = tableAt.get(key);
      if (at === undefined) {
        tableAt.set(key, events.length);
        tableSettled.set(key, !pending);
        events.push(ev);
      } else if (!pending || !tableSettled.get(key)) {
        // duplicate (one copy per DDP rank): the later copy wins, as the caller's upsert would,
        // except that a still-growing copy never replaces a complete one
        events[at] = ev;
        tableSettled.set(key, !pending);
      }
      continue;
    }

    if (rec.level === 'CRITICAL' && message.startsWith(FAILED_PREFIX)) {
      let text = message.slice(FAILED_PREFIX.length).trimEnd();
      if (text.endsWith(':')) text = text.slice(0, -1).trimEnd();
      const exc = exceptionLine(lines.slice(first + 1, after));
      if (exc && exc !== text) text = `${text}\n${exc}`;
      events.push({ type: 'failed', message: text, time: rec.time, line: head.no });
      continue;
    }

    if (message.trim() === 'Interrupted by user') {
      events.push({ type: 'interrupted', time: rec.time, line: head.no });
    }
  }

  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));

  return {
    events,
    consumed,
    state: over ? (over.complete ? { line: state.line + settledLines + 1 } : { line: state.line + settledLines + 1, skipping: true }) : { line: state.line + settledLines },
    issues,
    firstTime,
    lastTime,
    records,
  };
}
