// A 100 MB single line in a text log (metrics.csv, train.log, nvidia-smi) read the way ingest reads it —
// 1 MiB chunks, the state through JSON between calls — is one ingest error and is skipped, and the lines
// after it are read. Bounded memory and linear time, asserted by the work each call does (not by a clock):
// every call consumes its whole chunk (the caller never has to read a bigger one, so nothing holds more
// than a chunk), so each byte is looked at once.
import { describe, expect, it } from 'vitest';
import { parseMetricsCsv, newMetricsCsvState } from '../../server/ingest/lightningCsv';
import { parseTrainLog, newTrainLogState } from '../../server/ingest/trainLog';
import { parseGpuLog, newGpuLogState } from '../../server/ingest/gpuLog';
import type { ReadIssue } from '../../server/ingest/types';

const MiB = 1024 * 1024;
const LONG = 100 * MiB;

interface Reader {
  fresh(): unknown;
  parse(chunk: Uint8Array, state: never, opts: { baseOffset: number; final: boolean }): { consumed: number; state: unknown; issues: ReadIssue[] };
}

/** head, then LONG bytes of `fill` with no newline, then tail — produced chunk by chunk, never whole. */
function* chunks(head: string, fill: number, tail: string, size: number): Generator<Buffer> {
  const total = head.length + LONG + tail.length;
  const filler = Buffer.alloc(size, fill);
  for (let off = 0; off < total; off += size) {
    const end = Math.min(total, off + size);
    const parts: Buffer[] = [];
    // the three regions, cut to [off, end)
    const h0 = Math.max(off, 0), h1 = Math.min(end, head.length);
    if (h1 > h0) parts.push(Buffer.from(head.slice(h0, h1)));
    const l0 = Math.max(off, head.length), l1 = Math.min(end, head.length + LONG);
    if (l1 > l0) parts.push(filler.subarray(0, l1 - l0));
    const t0 = Math.max(off, head.length + LONG), t1 = Math.min(end, total);
    if (t1 > t0) parts.push(Buffer.from(tail.slice(t0 - head.length - LONG, t1 - head.length - LONG)));
    yield Buffer.concat(parts);
  }
}

/**
 * Feeds the chunks like ingestFile: what a call does not consume is handed back at the front of the next
 * chunk. Returns every result, and the most bytes any call was handed (bounded memory).
 */
function stream(reader: Reader, head: string, fill: number, tail: string) {
  let state = reader.fresh();
  let carry: Buffer = Buffer.alloc(0);
  let offset = 0;
  let largest = 0;
  const results: { consumed: number; state: unknown; issues: ReadIssue[] }[] = [];
  const gen = chunks(head, fill, tail, MiB);
  let next = gen.next();
  while (!next.done) {
    const following = gen.next();
    const chunk = carry.length ? Buffer.concat([carry, next.value]) : next.value;
    largest = Math.max(largest, chunk.length);
    const r = reader.parse(chunk, JSON.parse(JSON.stringify(state)) as never, { baseOffset: offset, final: following.done === true });
    results.push(r);
    state = r.state;
    carry = chunk.subarray(r.consumed);
    offset += r.consumed;
    next = following;
  }
  return { results, largest, issues: results.flatMap((r) => r.issues) };
}

describe('a 100 MB single line: one error, skipped in bounded memory, the rest read', () => {
  it('metrics.csv', () => {
    const reader: Reader = { fresh: newMetricsCsvState, parse: parseMetricsCsv as Reader['parse'] };
    const s = stream(reader, 'step,loss\n0,1\n', 0x37, '\n1,0.5\n2,0.25\n');
    expect(s.issues).toEqual([{ line: 3, offset: 14, reason: 'line 3 is longer than 1 MiB; skipped' }]);
    expect(s.largest).toBeLessThanOrEqual(2 * MiB); // never more than a chunk and a short remainder
    const scalars = s.results.flatMap((r) => (r as unknown as { scalars: { step: number; value: number }[] }).scalars);
    expect(scalars.map((x) => [x.step, x.value])).toEqual([[0, 1], [1, 0.5], [2, 0.25]]);
  });

  it('train.log', () => {
    const reader: Reader = { fresh: newTrainLogState, parse: parseTrainLog as Reader['parse'] };
    const rec = (m: string) => `[2026-11-20 09:30:00,000][__main__][INFO] - ${m}\n`;
    const s = stream(reader, rec('start'), 0x41, '\n' + '[2026-11-20 09:30:01,000][__main__][WARNING] - Interrupted by user\n' + rec('after'));
    expect(s.issues).toEqual([{ line: 2, offset: rec('start').length, reason: 'line 2 is longer than 1 MiB; skipped' }]);
    expect(s.largest).toBeLessThanOrEqual(2 * MiB);
    const events = s.results.flatMap((r) => (r as unknown as { events: { type: string; line: number }[] }).events);
    expect(events.filter((e) => e.type === 'interrupted').map((e) => e.line)).toContain(3);
  });

  it('nvidia-smi log', () => {
    const reader: Reader = { fresh: newGpuLogState, parse: parseGpuLog as Reader['parse'] };
    const header = 'timestamp, index, utilization.gpu [%], memory.used [MiB]\n';
    const row = (s: number) => `2026/11/20 09:30:0${s}.000, 0, 5${s} %, 100 MiB\n`;
    const s = stream(reader, header + row(0), 0x20, '\n' + row(1) + row(2)); // 100 MB of spaces: the old regex's worst case
    expect(s.issues).toEqual([{ line: 3, offset: header.length + row(0).length, reason: 'line 3 is longer than 1 MiB; skipped' }]);
    expect(s.largest).toBeLessThanOrEqual(2 * MiB);
    const samples = s.results.flatMap((r) => (r as unknown as { samples: { util: number }[] }).samples);
    expect(samples.map((x) => x.util)).toEqual([50, 51, 52]);
  });
});
