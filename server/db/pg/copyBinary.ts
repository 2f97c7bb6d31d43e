// COPY … FROM STDIN (FORMAT binary) for rows of numbers (bigint and double precision columns): what the
// bridge sends for the points and series summaries it coalesces. Compared with the text format, no
// number is turned into a decimal string here (the main thread's cost) nor parsed back by PostgreSQL
// (float8in/int8in: the server's cost): each field is its length and 8 bytes.
//
// Format (PostgreSQL docs, "Binary Format" of COPY): the signature PGCOPY\n\377\r\n\0, int32 flags 0,
// int32 header-extension length 0; per row an int16 field count, then per field an int32 byte length
// (-1 for NULL) and the value in network byte order; int16 -1 ends the data.

export type NumericType = 'bigint' | 'double precision';

const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const TWO32 = 2 ** 32;

export class BinaryCopyWriter {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;
  /** rows written */
  rows = 0;
  private readonly isInt: boolean[];

  constructor(private readonly types: readonly NumericType[], initialBytes = 1 << 20) {
    this.isInt = types.map((t) => t === 'bigint');
    // never from Node's shared pool: the finished bytes are handed over to the bridge's worker (transferred)
    this.buf = Buffer.allocUnsafeSlow(Math.max(initialBytes, 64));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    SIGNATURE.copy(this.buf, 0);
    this.pos = SIGNATURE.length;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** Adds the rows held in `values` (row after row, `types.length` values each) from index `from`. */
  add(values: ArrayLike<unknown>, from = 0, count = Math.floor((values.length - from) / this.types.length)): void {
    const c = this.types.length;
    this.ensure(count * (2 + c * 12));
    const v = this.view;
    let p = this.pos;
    let i = from;
    for (let r = 0; r < count; r++) {
      v.setInt16(p, c);
      p += 2;
      for (let k = 0; k < c; k++, i++) {
        const x = values[i];
        if (x === null || x === undefined || (typeof x === 'number' && Number.isNaN(x))) {
          v.setInt32(p, -1);
          p += 4;
          continue;
        }
        v.setInt32(p, 8);
        if (this.isInt[k]) {
          if (typeof x === 'bigint') v.setBigInt64(p + 4, x);
          else {
            const n = x as number;
            if (!Number.isSafeInteger(n)) throw new TypeError(`invalid input for a bigint column: ${String(x)}`);
            const hi = Math.floor(n / TWO32);
            v.setInt32(p + 4, hi);
            v.setUint32(p + 8, n - hi * TWO32);
          }
        } else {
          const n = typeof x === 'number' ? x : Number(x);
          if (Number.isNaN(n)) throw new TypeError(`invalid input for a double precision column: ${String(x)}`);
          v.setFloat64(p + 4, n);
        }
        p += 12;
      }
      this.rows++;
    }
    this.pos = p;
  }

  /** The COPY data (with its trailer), at offset 0 of a buffer of its own; the writer is done. */
  finish(): Buffer {
    this.ensure(2);
    this.view.setInt16(this.pos, -1);
    this.pos += 2;
    return this.buf.subarray(0, this.pos);
  }
}
