import { describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from '../../server/ingest/crc32c';
import { readFixture } from '../helpers/fixtures';

/** Bit-at-a-time reference implementation, independent of the table code. */
function crc32cBitwise(buf: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of buf) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
}

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789', 'ascii'))).toBe(0xe3069283);
  });

  it('matches the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('is 0 for no bytes and returns an unsigned value', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
    const v = crc32c(Buffer.from('123456789', 'ascii'));
    expect(v).toBeGreaterThan(0x7fffffff);
  });

  it('agrees with a bitwise implementation for every length 0..300 and for sub-ranges', () => {
    const next = prng(7);
    const buf = Uint8Array.from({ length: 400 }, next);
    for (let len = 0; len <= 300; len++) {
      expect(crc32c(buf.subarray(0, len))).toBe(crc32cBitwise(buf.subarray(0, len)));
    }
    for (const [s, e] of [
      [1, 2],
      [3, 19],
      [5, 400],
      [17, 18],
      [100, 100],
      [13, 275],
    ]) {
      expect(crc32c(buf, s, e)).toBe(crc32cBitwise(buf.subarray(s, e)));
    }
  });

  it('masks as TFRecord does', () => {
    const data = Buffer.from('123456789', 'ascii');
    const crc = 0xe3069283;
    const expected = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) % 2 ** 32;
    expect(maskedCrc32c(data)).toBe(expected);
  });

  it('reproduces the masked CRCs stored in a real event file', () => {
    const file = readFixture('tfevents/lama_like/events.out.tfevents.1795836454.gpu-node-03');
    const len = file.readUInt32LE(0);
    expect(maskedCrc32c(file, 0, 8)).toBe(file.readUInt32LE(8));
    expect(maskedCrc32c(file, 12, 12 + len)).toBe(file.readUInt32LE(12 + len));
  });
});
