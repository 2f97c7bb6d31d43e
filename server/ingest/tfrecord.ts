// TFRecord framing, as written by TensorFlow / tensorboardX / torch.utils.tensorboard:
//   uint64 LE length | uint32 LE masked_crc32c(length bytes) | data[length] | uint32 LE masked_crc32c(data)
import { maskedCrc32c } from './crc32c';
import type { ReadIssue } from './types';

/** One framed record: absolute file offset of its header, and its payload (a view into the input). */
export interface TfRecord {
  offset: number;
  data: Buffer;
}

export interface TfRecordReadResult {
  records: TfRecord[];
  /** absolute offset to resume reading from (start of the first record not consumed) */
  nextOffset: number;
  issues: ReadIssue[];
  /** true when the buffer ends inside a record (a writer that has not flushed yet) */
  partial: boolean;
}

/**
 * A length above this is not a TensorBoard record (scalars are ~100 bytes, images a few MB; protobuf stops
 * at 2 GB): treated as a damaged header, so a bogus length is skipped instead of waited for — the caller
 * would otherwise read ever larger chunks, up to the whole file, looking for the record's end.
 */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;
const FRAME_BYTES = HEADER_BYTES + FOOTER_BYTES;
const TWO_32 = 4294967296;

function u32le(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** The uint64 length field at p (exact below 2^53, which is all that can ever fit in a buffer). */
function lengthAt(b: Uint8Array, p: number): number {
  return u32le(b, p) + u32le(b, p + 4) * TWO_32;
}

/** Needs p + 12 <= b.length. */
function headerValid(b: Uint8Array, p: number): boolean {
  return maskedCrc32c(b, p, p + 8) === u32le(b, p + 8);
}

/**
 * First offset >= from where a complete, fully valid record (length CRC and data CRC) starts,
 * or -1. Cost is one 8-byte CRC per candidate offset; the data CRC is only computed for the
 * rare candidates whose length CRC matches.
 */
function resync(b: Uint8Array, from: number): number {
  const n = b.length;
  for (let q = from; q + FRAME_BYTES <= n; q++) {
    if (!headerValid(b, q)) continue;
    const len = lengthAt(b, q);
    if (len > n - q - FRAME_BYTES || len > MAX_RECORD_BYTES) continue;
    const dataEnd = q + HEADER_BYTES + len;
    if (maskedCrc32c(b, q + HEADER_BYTES, dataEnd) === u32le(b, dataEnd)) return q;
  }
  return -1;
}

/**
 * Split `buf` (the bytes of a file starting at absolute offset `baseOffset`) into TFRecords.
 * Never throws on bad input: problems become `issues`.
 */
export function readTfRecords(buf: Buffer, baseOffset: number): TfRecordReadResult {
  const records: TfRecord[] = [];
  const issues: ReadIssue[] = [];
  const n = buf.length;
  let pos = 0;
  let partial = false;

  for (;;) {
    const left = n - pos;
    if (left < HEADER_BYTES) {
      partial = left > 0;
      break;
    }
    if (!headerValid(buf, pos) || lengthAt(buf, pos) > MAX_RECORD_BYTES) {
      const at = baseOffset + pos;
      const next = resync(buf, pos + 1);
      if (next < 0) {
        issues.push({
          offset: at,
          // no byte count in the text: the same bad header re-read as the file grows must give the same issue
          reason: `corrupt record header at byte ${at} (not a TFRecord / damaged file); no valid record after it`,
        });
        break;
      }
      issues.push({
        offset: at,
        reason: `corrupt record header at byte ${at}; skipped ${next - pos} bytes to the next valid record at byte ${baseOffset + next}`,
      });
      pos = next;
      continue;
    }
    const len = lengthAt(buf, pos);
    if (len > left - FRAME_BYTES) {
      partial = true;
      break;
    }
    const dataStart = pos + HEADER_BYTES;
    const dataEnd = dataStart + len;
    if (maskedCrc32c(buf, dataStart, dataEnd) === u32le(buf, dataEnd)) {
      records.push({ offset: baseOffset + pos, data: buf.subarray(dataStart, dataEnd) });
    } else {
      const at = baseOffset + pos;
      issues.push({ offset: at, reason: `data CRC mismatch in record at byte ${at} (length ${len}); record skipped` });
    }
    pos = dataEnd + FOOTER_BYTES;
  }

  return { records, nextOffset: baseOffset + pos, issues, partial };
}

/** Frame one payload as a TFRecord (the writer side). */
export function frameTfRecord(data: Uint8Array): Buffer {
  const len = data.length;
  const out = Buffer.allocUnsafe(len + FRAME_BYTES);
  out.writeUInt32LE(len % TWO_32, 0);
  out.writeUInt32LE(Math.floor(len / TWO_32), 4);
  out.writeUInt32LE(maskedCrc32c(out, 0, 8), 8);
  out.set(data, HEADER_BYTES);
  out.writeUInt32LE(maskedCrc32c(out, HEADER_BYTES, HEADER_BYTES + len), HEADER_BYTES + len);
  return out;
}
