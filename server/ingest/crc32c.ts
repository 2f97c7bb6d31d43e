// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), pure JS, slicing-by-8.
// TFRecord framing protects both the length field and the payload with a "masked" CRC-32C.

const POLY = 0x82f63b78;

/** 8 tables of 256 entries, table k at [k * 256, k * 256 + 256). */
const T = new Int32Array(8 * 256);

(function buildTables() {
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    T[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = T[n];
    for (let k = 1; k < 8; k++) {
      c = T[c & 0xff] ^ (c >>> 8);
      T[k * 256 + n] = c;
    }
  }
})();

/** CRC-32C of buf[start, end), as an unsigned 32-bit integer. */
export function crc32c(buf: Uint8Array, start = 0, end: number = buf.length): number {
  if (end > buf.length) end = buf.length;
  const t = T;
  let crc = -1;
  let i = start;
  const end8 = end - 7;
  while (i < end8) {
    const a = crc ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    crc =
      t[1792 + (a & 0xff)] ^
      t[1536 + ((a >>> 8) & 0xff)] ^
      t[1280 + ((a >>> 16) & 0xff)] ^
      t[1024 + (a >>> 24)] ^
      t[768 + buf[i + 4]] ^
      t[512 + buf[i + 5]] ^
      t[256 + buf[i + 6]] ^
      t[buf[i + 7]];
    i += 8;
  }
  while (i < end) {
    crc = t[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}

/** The masked CRC-32C used by TFRecord: ((crc >>> 15) | (crc << 17)) + 0xa282ead8, as uint32. */
export function maskedCrc32c(buf: Uint8Array, start = 0, end: number = buf.length): number {
  const crc = crc32c(buf, start, end);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
