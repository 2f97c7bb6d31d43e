import { describe, expect, it } from 'vitest';
import { maskedCrc32c } from '../../server/ingest/crc32c';
import { frameTfRecord, readTfRecords } from '../../server/ingest/tfrecord';
import { readFixture } from '../helpers/fixtures';

const NAME = 'events.out.tfevents.1795836454.gpu-node-03';
const lama = () => readFixture(`tfevents/lama_like/${NAME}`);
const truncated = () => readFixture(`tfevents/truncated/${NAME}`);
const expected = JSON.parse(readFixture('tfevents/expected.json').toString('utf8'));
const truncInfo = expected[`truncated/${NAME}`] as {
  complete_records: number;
  bytes_of_complete_records: number;
  file_bytes: number;
};

/** Record boundaries computed independently by walking the length fields. */
function boundaries(buf: Buffer): { offset: number; len: number }[] {
  const out: { offset: number; len: number }[] = [];
  let p = 0;
  while (p + 12 <= buf.length) {
    const len = Number(buf.readBigUInt64LE(p));
    if (p + 16 + len > buf.length) break;
    out.push({ offset: p, len });
    p += 16 + len;
  }
  return out;
}

function randomBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

describe('readTfRecords on the fixtures', () => {
  for (const dir of ['lama_like', 'new_style', 'double', 'hparams']) {
    it(`reads every record of ${dir}`, () => {
      const buf = readFixture(`tfevents/${dir}/${NAME}`);
      const r = readTfRecords(buf, 0);
      const b = boundaries(buf);
      expect(r.issues).toEqual([]);
      expect(r.partial).toBe(false);
      expect(r.nextOffset).toBe(buf.length);
      expect(r.records.map((x) => x.offset)).toEqual(b.map((x) => x.offset));
      for (let i = 0; i < b.length; i++) {
        expect(r.records[i].data.equals(buf.subarray(b[i].offset + 12, b[i].offset + 12 + b[i].len))).toBe(true);
      }
    });
  }

  it('returns views into the input, not copies', () => {
    const buf = lama();
    const r = readTfRecords(buf, 0);
    expect(r.records[3].data.buffer).toBe(buf.buffer);
  });

  it('stops before the partial last record of the truncated file', () => {
    const buf = truncated();
    expect(buf.length).toBe(truncInfo.file_bytes);
    const r = readTfRecords(buf, 0);
    expect(r.issues).toEqual([]);
    expect(r.records.length).toBe(truncInfo.complete_records);
    expect(r.nextOffset).toBe(truncInfo.bytes_of_complete_records);
    expect(r.partial).toBe(true);
  });

  it('resumes from nextOffset once the missing bytes arrive', () => {
    const full = lama();
    const part = truncated();
    expect(full.subarray(0, part.length).equals(part)).toBe(true);
    const first = readTfRecords(part, 0);
    const grown = Buffer.concat([part, full.subarray(part.length)]);
    const rest = readTfRecords(grown.subarray(first.nextOffset), first.nextOffset);
    expect(rest.issues).toEqual([]);
    expect(rest.partial).toBe(false);
    expect(rest.nextOffset).toBe(full.length);
    expect(rest.records.map((x) => x.offset)).toEqual([truncInfo.bytes_of_complete_records]);
    const whole = readTfRecords(full, 0);
    const joined = [...first.records, ...rest.records];
    expect(joined.map((x) => x.offset)).toEqual(whole.records.map((x) => x.offset));
    expect(joined.every((x, i) => x.data.equals(whole.records[i].data))).toBe(true);
  });

  it('gives the same records for every possible cut point of a file', () => {
    const buf = readFixture(`tfevents/hparams/${NAME}`);
    const whole = readTfRecords(buf, 0).records.map((x) => x.offset);
    for (let cut = 0; cut <= buf.length; cut++) {
      const a = readTfRecords(buf.subarray(0, cut), 0);
      expect(a.issues).toEqual([]);
      expect(a.partial).toBe(a.nextOffset < cut);
      const b = readTfRecords(buf.subarray(a.nextOffset), a.nextOffset);
      expect(b.issues).toEqual([]);
      expect(b.partial).toBe(false);
      expect([...a.records, ...b.records].map((x) => x.offset)).toEqual(whole);
    }
  });

  it('reports absolute offsets when the buffer starts inside the file', () => {
    const buf = lama();
    const b = boundaries(buf);
    const start = b[10].offset;
    const r = readTfRecords(buf.subarray(start), start);
    expect(r.records.map((x) => x.offset)).toEqual(b.slice(10).map((x) => x.offset));
    expect(r.nextOffset).toBe(buf.length);
  });
});

describe('readTfRecords on damaged input', () => {
  it('skips a record whose data CRC does not match and keeps all others', () => {
    const buf = Buffer.from(lama());
    const b = boundaries(buf);
    const bad = b[5];
    buf[bad.offset + 12 + 3] ^= 0x40;
    const r = readTfRecords(buf, 0);
    expect(r.issues).toEqual([
      {
        offset: bad.offset,
        reason: `data CRC mismatch in record at byte ${bad.offset} (length ${bad.len}); record skipped`,
      },
    ]);
    expect(r.records.map((x) => x.offset)).toEqual(b.filter((x) => x !== bad).map((x) => x.offset));
    expect(r.nextOffset).toBe(buf.length);
    expect(r.partial).toBe(false);
  });

  it('resynchronises after a corrupt length field', () => {
    const buf = Buffer.from(lama());
    const b = boundaries(buf);
    const bad = b[7];
    const next = b[8];
    buf[bad.offset] ^= 0x01; // length off by one: the length CRC no longer matches
    const r = readTfRecords(buf, 0);
    expect(r.issues).toEqual([
      {
        offset: bad.offset,
        reason: `corrupt record header at byte ${bad.offset}; skipped ${next.offset - bad.offset} bytes to the next valid record at byte ${next.offset}`,
      },
    ]);
    expect(r.records.map((x) => x.offset)).toEqual(b.filter((x) => x !== bad).map((x) => x.offset));
    expect(r.nextOffset).toBe(buf.length);
  });

  it('resynchronises after a corrupt length CRC', () => {
    const buf = Buffer.from(lama());
    const b = boundaries(buf);
    buf[b[2].offset + 9] ^= 0xff;
    const r = readTfRecords(buf, 0);
    expect(r.issues.length).toBe(1);
    expect(r.issues[0].offset).toBe(b[2].offset);
    expect(r.issues[0].reason).toContain(`next valid record at byte ${b[3].offset}`);
    expect(r.records.length).toBe(b.length - 1);
  });

  it('after a corrupt header followed only by a partial record, stops at the corrupt header and retries later', () => {
    const full = Buffer.from(lama());
    const b = boundaries(full);
    const bad = b[b.length - 2];
    const last = b[b.length - 1];
    full[bad.offset + 2] ^= 0x10;
    const cut = full.subarray(0, last.offset + 20); // the writer has not flushed the last record yet
    const r = readTfRecords(cut, 0);
    expect(r.records.map((x) => x.offset)).toEqual(b.slice(0, -2).map((x) => x.offset));
    expect(r.partial).toBe(false);
    expect(r.nextOffset).toBe(bad.offset);
    expect(r.issues).toEqual([
      {
        offset: bad.offset,
        reason: `corrupt record header at byte ${bad.offset} (not a TFRecord / damaged file); no valid record after it`,
      },
    ]);
    // once the file has grown, re-reading from nextOffset finds the next record
    const again = readTfRecords(full.subarray(r.nextOffset), r.nextOffset);
    expect(again.records.map((x) => x.offset)).toEqual([last.offset]);
    expect(again.issues.map((x) => x.reason)).toEqual([
      `corrupt record header at byte ${bad.offset}; skipped ${last.offset - bad.offset} bytes to the next valid record at byte ${last.offset}`,
    ]);
    expect(again.nextOffset).toBe(full.length);
  });

  it('resynchronises after garbage in front of valid records', () => {
    const file = lama();
    const junk = randomBytes(1000, 42);
    const r = readTfRecords(Buffer.concat([junk, file]), 500);
    expect(r.issues).toEqual([
      {
        offset: 500,
        reason: `corrupt record header at byte 500; skipped 1000 bytes to the next valid record at byte 1500`,
      },
    ]);
    expect(r.records.map((x) => x.offset)).toEqual(boundaries(file).map((x) => x.offset + 1500));
  });

  it('reports random bytes as unreadable without throwing', () => {
    const junk = randomBytes(20000, 1);
    const r = readTfRecords(junk, 100);
    expect(r.records).toEqual([]);
    expect(r.partial).toBe(false);
    expect(r.nextOffset).toBe(100);
    expect(r.issues).toEqual([
      {
        offset: 100,
        reason: 'corrupt record header at byte 100 (not a TFRecord / damaged file); no valid record after it',
      },
    ]);
  });

  it('keeps the records before trailing garbage and stops at the garbage', () => {
    const file = lama();
    const r = readTfRecords(Buffer.concat([file, randomBytes(64, 9)]), 0);
    expect(r.records.length).toBe(boundaries(file).length);
    expect(r.nextOffset).toBe(file.length);
    expect(r.issues.length).toBe(1);
    expect(r.issues[0].offset).toBe(file.length);
    expect(r.issues[0].reason).toContain('not a TFRecord');
  });

  it('returns nothing for an empty buffer', () => {
    expect(readTfRecords(Buffer.alloc(0), 0)).toEqual({ records: [], nextOffset: 0, issues: [], partial: false });
    expect(readTfRecords(Buffer.alloc(0), 77)).toEqual({ records: [], nextOffset: 77, issues: [], partial: false });
  });

  it('treats a few header bytes as a partial record', () => {
    const r = readTfRecords(lama().subarray(0, 5), 0);
    expect(r).toEqual({ records: [], nextOffset: 0, issues: [], partial: true });
  });

  it('waits for more data when a valid header announces a big record (up to MAX_RECORD_BYTES)', () => {
    const header = Buffer.alloc(12 + 100);
    header.writeUInt32LE(200 * 1024 * 1024, 0); // 200 MiB: a live writer has not flushed it yet
    header.writeUInt32LE(0, 4);
    header.writeUInt32LE(maskedCrc32c(header, 0, 8), 8);
    const r = readTfRecords(header, 10);
    expect(r).toEqual({ records: [], nextOffset: 10, issues: [], partial: true });
  });

  it('skips a valid header that announces more than MAX_RECORD_BYTES (it would be waited for forever)', () => {
    const header = Buffer.alloc(12 + 100);
    header.writeUInt32LE(0, 0);
    header.writeUInt32LE(0x40, 4); // 0x40_0000_0000 bytes = 256 GiB
    header.writeUInt32LE(maskedCrc32c(header, 0, 8), 8);
    const r = readTfRecords(header, 10);
    expect(r.partial).toBe(false);
    expect(r.records).toEqual([]);
    expect(r.issues).toEqual([{ offset: 10, reason: expect.stringMatching(/^corrupt record header at byte 10/) }]);
  });
});

describe('frameTfRecord', () => {
  it('round-trips payloads of various sizes', () => {
    const payloads = [Buffer.alloc(0), Buffer.from('x'), randomBytes(300, 3), randomBytes(70000, 4)];
    const file = Buffer.concat(payloads.map((p) => frameTfRecord(p)));
    const r = readTfRecords(file, 0);
    expect(r.issues).toEqual([]);
    expect(r.partial).toBe(false);
    expect(r.records.length).toBe(payloads.length);
    r.records.forEach((rec, i) => expect(rec.data.equals(payloads[i])).toBe(true));
    expect(r.records.map((x) => x.offset)).toEqual([0, 16, 33, 349]);
  });

  it('frames exactly as the real writer did', () => {
    const file = lama();
    const b = boundaries(file);
    const rec = b[4];
    const data = file.subarray(rec.offset + 12, rec.offset + 12 + rec.len);
    expect(frameTfRecord(data).equals(file.subarray(rec.offset, rec.offset + 16 + rec.len))).toBe(true);
  });
});
