import { describe, expect, it } from 'vitest';
import {
  newMetricsCsvState,
  parseMetricsCsv,
  splitCsvRecord,
  type MetricsCsvState,
} from '../../server/ingest/lightningCsv';
import type { ReadIssue, ScalarRecord } from '../../server/ingest/types';

const enc = (s: string) => new TextEncoder().encode(s);

function parseAll(text: string | Uint8Array, state: MetricsCsvState = newMetricsCsvState()) {
  const bytes = typeof text === 'string' ? enc(text) : text;
  return parseMetricsCsv(bytes, state, { baseOffset: 0, final: true });
}

const rec = (tag: string, step: number, value: number, wallTime: number | null = null): ScalarRecord => ({
  tag,
  step,
  wallTime,
  value,
});

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** A tailing caller: the file grows by random amounts, state goes through JSON between calls. */
function parseTailing(bytes: Uint8Array, seed: number, maxStep: number) {
  const rand = rng(seed);
  let state: MetricsCsvState = newMetricsCsvState();
  let offset = 0;
  let visible = 0;
  const scalars: ScalarRecord[] = [];
  const issues: ReadIssue[] = [];
  while (true) {
    visible = Math.min(bytes.length, visible + 1 + Math.floor(rand() * maxStep));
    const final = visible === bytes.length;
    const r = parseMetricsCsv(bytes.subarray(offset, visible), state, { baseOffset: offset, final });
    scalars.push(...r.scalars);
    issues.push(...r.issues);
    expect(r.consumed).toBeLessThanOrEqual(visible - offset);
    offset += r.consumed;
    state = JSON.parse(JSON.stringify(r.state));
    if (final) {
      expect(offset).toBe(bytes.length);
      break;
    }
  }
  return { scalars, issues, state };
}

/** As Python's csv.DictWriter writes it: `\r\n` line ends, empty cells for missing keys. */
const SPARSE =
  'epoch,step,train_loss,val_loss,lr-Adam\r\n' +
  ',0,,,0.001\r\n' +
  '0,49,0.53,,\r\n' +
  '0,99,0.41,,\r\n' +
  '0,99,,0.45,\r\n' +
  ',100,,,0.0005\r\n' +
  '1,149,0.38,,\r\n';

describe('parseMetricsCsv', () => {
  it('turns sparse rows into one scalar per non-empty cell (epoch is a tag, step is not)', () => {
    const r = parseAll(SPARSE);
    expect(r.issues).toEqual([]);
    expect(r.consumed).toBe(enc(SPARSE).length);
    expect(r.state).toEqual({
      columns: ['epoch', 'step', 'train_loss', 'val_loss', 'lr-Adam'],
      line: 7,
      row: 6,
    });
    expect(r.scalars).toEqual([
      rec('lr-Adam', 0, 0.001),
      rec('epoch', 49, 0),
      rec('train_loss', 49, 0.53),
      rec('epoch', 99, 0),
      rec('train_loss', 99, 0.41),
      rec('epoch', 99, 0),
      rec('val_loss', 99, 0.45),
      rec('lr-Adam', 100, 0.0005),
      rec('epoch', 149, 1),
      rec('train_loss', 149, 0.38),
    ]);
  });

  it('supports RFC-4180 quoting in the header and cells', () => {
    const text =
      'step,"loss, weighted","say ""hi""","multi\nline"\n' + // header spans two physical lines
      '1,"0.5","2",3\n' +
      '2,,"1e-3",\n';
    const r = parseAll(text);
    expect(r.issues).toEqual([]);
    expect(r.state.columns).toEqual(['step', 'loss, weighted', 'say "hi"', 'multi\nline']);
    expect(r.state.line).toBe(4);
    expect(r.scalars).toEqual([
      rec('loss, weighted', 1, 0.5),
      rec('say "hi"', 1, 2),
      rec('multi\nline', 1, 3),
      rec('say "hi"', 2, 0.001),
    ]);
    expect(splitCsvRecord('a,"b,""c""",,"",d')).toEqual(['a', 'b,"c"', '', '', 'd']);
  });

  it('keeps nan, NaN, inf, -inf and Infinity', () => {
    const r = parseAll('step,a,b,c,d,e\n5,nan,NaN,inf,-inf,Infinity\n');
    expect(r.issues).toEqual([]);
    const v = r.scalars.map((s) => s.value);
    expect(r.scalars.map((s) => s.tag)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(Number.isNaN(v[0])).toBe(true);
    expect(Number.isNaN(v[1])).toBe(true);
    expect(v.slice(2)).toEqual([Infinity, -Infinity, Infinity]);
    expect(r.scalars.every((s) => s.step === 5)).toBe(true);
  });

  it('reports a ragged row with line and offset, skips it and ingests the rest', () => {
    const head = 'epoch,step,loss\n0,1,0.5\n';
    const text = head + '0,2,0.4,9\n0,3\n0,4,0.3\n';
    const r = parseAll(text);
    expect(r.scalars).toEqual([rec('epoch', 1, 0), rec('loss', 1, 0.5), rec('epoch', 4, 0), rec('loss', 4, 0.3)]);
    expect(r.issues).toEqual([
      { line: 3, offset: head.length, reason: 'line 3 has 4 fields, header has 3' },
      { line: 4, offset: head.length + '0,2,0.4,9\n'.length, reason: 'line 4 has 2 fields, header has 3' },
    ]);
  });

  it('reports a non-numeric cell once per column and skips those cells', () => {
    const text = 'step,loss,note,acc\n1,0.5,abc,0.1\n2,0.4,def,tensor(0.2)\n3,0.3,,0.3\n4,0.2,ghi,x\n';
    const r = parseAll(text);
    expect(r.scalars).toEqual([
      rec('loss', 1, 0.5),
      rec('acc', 1, 0.1),
      rec('loss', 2, 0.4),
      rec('loss', 3, 0.3),
      rec('acc', 3, 0.3),
      rec('loss', 4, 0.2),
    ]);
    expect(r.issues).toHaveLength(2);
    expect(r.issues[0]).toMatchObject({ line: 2, offset: 'step,loss,note,acc\n'.length });
    expect(r.issues[0].reason).toContain('"note"');
    expect(r.issues[1]).toMatchObject({ line: 3 });
    expect(r.issues[1].reason).toContain('"acc"');
    expect(r.issues[1].reason).toContain('tensor(0.2)');
  });

  it('uses the row index as step when there is no step column', () => {
    const r = parseAll('epoch,loss\n0,0.9\n0,0.8\n\n1,0.7\n');
    expect(r.issues).toEqual([]);
    expect(r.scalars).toEqual([
      rec('epoch', 0, 0),
      rec('loss', 0, 0.9),
      rec('epoch', 1, 0),
      rec('loss', 1, 0.8),
      rec('epoch', 2, 1),
      rec('loss', 2, 0.7),
    ]);
    expect(r.state.row).toBe(3);
    expect(r.state.line).toBe(5);
  });

  it('takes wallTime (seconds) from a time column, which is not a tag', () => {
    const r = parseAll('step,time,loss\n1,1700000000.25,0.5\n2,,0.4\n');
    expect(r.scalars).toEqual([rec('loss', 1, 0.5, 1700000000.25), rec('loss', 2, 0.4, null)]);
    const c = parseAll('created_at,step,loss\n1700000001,3,0.1\n');
    expect(c.scalars).toEqual([rec('loss', 3, 0.1, 1700000001)]);
  });

  it('resets the columns on a header-looking line (Lightning rewrote with a wider header)', () => {
    const text = 'epoch,step,loss\n0,1,0.5\nepoch,step,loss,val_loss\n0,2,0.4,0.6\n';
    const r = parseAll(text);
    expect(r.issues).toEqual([]);
    expect(r.state.columns).toEqual(['epoch', 'step', 'loss', 'val_loss']);
    expect(r.scalars).toEqual([
      rec('epoch', 1, 0),
      rec('loss', 1, 0.5),
      rec('epoch', 2, 0),
      rec('loss', 2, 0.4),
      rec('val_loss', 2, 0.6),
    ]);
  });

  it('does not consume a trailing record without newline unless final; does not mutate the state', () => {
    const text = 'step,loss\n1,0.5\n2,0.4';
    const bytes = enc(text);
    const state = newMetricsCsvState();
    const r = parseMetricsCsv(bytes, state, { baseOffset: 0, final: false });
    expect(state).toEqual(newMetricsCsvState());
    expect(r.consumed).toBe('step,loss\n1,0.5\n'.length);
    expect(r.scalars).toEqual([rec('loss', 1, 0.5)]);
    const rest = parseMetricsCsv(bytes.subarray(r.consumed), r.state, { baseOffset: r.consumed, final: true });
    expect(rest.consumed).toBe(bytes.length - r.consumed);
    expect(rest.scalars).toEqual([rec('loss', 2, 0.4)]);
    expect(rest.state.line).toBe(3);
  });

  it('waits for the closing quote of a multi-line field in a live file', () => {
    const bytes = enc('step,"a\nb"\n1,2\n');
    const part = parseMetricsCsv(bytes.subarray(0, 8), newMetricsCsvState(), { baseOffset: 0, final: false });
    expect(part.consumed).toBe(0);
    expect(part.state.columns).toBeNull();
  });

  it('reports an unterminated quote at end of file without throwing', () => {
    const r = parseAll('step,loss\n1,"0.5\n');
    expect(r.issues).toEqual([{ line: 2, offset: 10, reason: 'line 2: quoted field is never closed' }]);
    expect(r.scalars).toEqual([rec('loss', 1, 0.5)]);
    expect(r.state.line).toBe(2);
  });

  it('does not let a stray quote hold back a live file forever', () => {
    let text = 'step,loss\n1,"0.5\n';
    for (let i = 2; i <= 150; i++) text += `${i},0.${i}\n`;
    const r = parseMetricsCsv(enc(text), newMetricsCsvState(), { baseOffset: 0, final: false });
    expect(r.consumed).toBe(enc(text).length);
    expect(r.issues[0]).toEqual({ line: 2, offset: 10, reason: 'line 2: quoted field is never closed' });
    expect(r.scalars[0]).toEqual(rec('loss', 1, 0.5));
    expect(r.scalars.at(-1)).toEqual(rec('loss', 150, 0.15));
    expect(r.scalars).toHaveLength(150);
    expect(r.state.line).toBe(151);
  });

  it('gives the same result in random-sized chunks as in one shot', () => {
    const inputs = [
      SPARSE,
      'step,"loss, weighted","say ""hi""","multi\nline"\r\n1,"0.5","2",3\r\n2,,"1e-3",\r\n',
      'epoch,step,loss,note\n0,1,nan,a\n0,2,inf\n0,3,-inf,b\n0,4,0.25,\n' +
        'epoch,step,loss,note,val\n0,5,0.2,,1\n0,6,x,y,2\n0,7,0.1,,3',
      'time,epoch,acc\n1700000000.5,0,0.1\n1700000001.5,0,\n\n1700000002.5,1,0.3\n',
    ];
    for (const [n, text] of inputs.entries()) {
      const bytes = enc(text);
      const whole = parseAll(bytes);
      expect(whole.scalars.length).toBeGreaterThan(0);
      for (let seed = 1; seed <= 20; seed++) {
        const t = parseTailing(bytes, seed * 31 + n, seed % 4 === 0 ? 60 : 7);
        expect(t.scalars).toEqual(whole.scalars);
        expect(t.issues).toEqual(whole.issues);
        expect(t.state).toEqual(whole.state);
      }
    }
  });
});
