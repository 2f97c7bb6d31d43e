"""A small TensorBoard event-file writer (and reader), written from the format description.

Record framing (TFRecord):
    uint64 length (little endian)
    uint32 masked_crc32c(length bytes)
    data[length]
    uint32 masked_crc32c(data)
with masked(crc) = (((crc >> 15) | (crc << 17)) + 0xA282EAD8) mod 2**32 and crc32c = CRC-32C
(Castagnoli, reflected polynomial 0x82F63B78).

Protobuf messages, encoded by hand:
    Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
    Summary { repeated Value value = 1; }
    Value   { string tag = 1; float simple_value = 2; }

The first record of a file carries file_version "brain.Event:2". Scalars are written the way
torch.utils.tensorboard's summary.scalar does by default: simple_value (float32), tag unchanged.
Only the standard library is used.
"""

import math
import os
import socket
import struct
import time

# ---------------------------------------------------------------- CRC-32C

_POLY = 0x82F63B78


def _make_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            if c & 1:
                c = (c >> 1) ^ _POLY
            else:
                c >>= 1
        table.append(c)
    return table


_TABLE = _make_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    tbl = _TABLE
    for b in data:
        crc = tbl[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ---------------------------------------------------------------- protobuf primitives

def _varint(n: int) -> bytes:
    if n < 0:  # int64 negative numbers are encoded as 10-byte two's complement
        n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint((field << 3) | wire_type)


def _len_delimited(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + _varint(len(payload)) + payload


def _fixed64_double(field: int, value: float) -> bytes:
    return _key(field, 1) + struct.pack('<d', value)


def _fixed32_float(field: int, value: float) -> bytes:
    return _key(field, 5) + struct.pack('<f', value)


def _varint_field(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def encode_value(tag: str, value: float) -> bytes:
    v = float(value)
    if math.isfinite(v) and abs(v) > 3.4028234663852886e38:
        v = math.copysign(math.inf, v)  # what a float32 cast of an out-of-range double gives
    return _len_delimited(1, tag.encode('utf-8')) + _fixed32_float(2, v)


def encode_event(wall_time: float, step: int = 0, file_version: str = None, scalars=None) -> bytes:
    """scalars: iterable of (tag, value) pairs put in one Summary."""
    out = _fixed64_double(1, wall_time)
    if step:
        out += _varint_field(2, int(step))  # proto3: default 0 is not written
    if file_version is not None:
        out += _len_delimited(3, file_version.encode('utf-8'))
    if scalars is not None:
        summary = b''.join(_len_delimited(1, encode_value(t, v)) for t, v in scalars)
        out += _len_delimited(5, summary)
    return out


def frame_record(data: bytes) -> bytes:
    header = struct.pack('<Q', len(data))
    return header + struct.pack('<I', masked_crc32c(header)) + data + struct.pack('<I', masked_crc32c(data))


# ---------------------------------------------------------------- writer

class EventFileWriter:
    """Writes events.out.tfevents.<unix10>.<host>.<pid>.<uid> into logdir."""

    def __init__(self, logdir, host=None, pid=None, uid=0, start_time=None, filename_time=None):
        os.makedirs(logdir, exist_ok=True)
        t = time.time() if start_time is None else start_time
        ft = t if filename_time is None else filename_time
        host = host or socket.gethostname()
        pid = os.getpid() if pid is None else pid
        self.path = os.path.join(logdir, 'events.out.tfevents.%010d.%s.%s.%s' % (int(ft), host, pid, uid))
        self._f = open(self.path, 'wb')
        self._f.write(frame_record(encode_event(t, 0, file_version='brain.Event:2')))
        self.records = 1

    def add_scalar(self, tag, value, step, wall_time=None):
        wt = time.time() if wall_time is None else wall_time
        self._f.write(frame_record(encode_event(wt, step, scalars=[(tag, value)])))
        self.records += 1

    def flush(self):
        self._f.flush()

    def close(self):
        self._f.close()


# ---------------------------------------------------------------- reader (used to check the files)

def _read_varint(buf, pos):
    shift = 0
    result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _parse_fields(buf):
    """Yields (field, wire_type, value) over one message; value is int, bytes or raw 4/8 bytes."""
    pos = 0
    n = len(buf)
    while pos < n:
        key, pos = _read_varint(buf, pos)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, pos = _read_varint(buf, pos)
        elif wt == 1:
            v = buf[pos:pos + 8]
            pos += 8
        elif wt == 2:
            ln, pos = _read_varint(buf, pos)
            v = buf[pos:pos + ln]
            pos += ln
        elif wt == 5:
            v = buf[pos:pos + 4]
            pos += 4
        else:
            raise ValueError('unsupported wire type %d' % wt)
        yield field, wt, v


def read_records(path):
    """Returns (list of record payloads, number of trailing bytes that do not form a complete record).
    Raises ValueError on a CRC mismatch."""
    with open(path, 'rb') as f:
        data = f.read()
    pos = 0
    out = []
    while pos + 12 <= len(data):
        header = data[pos:pos + 8]
        (ln,) = struct.unpack('<Q', header)
        (hcrc,) = struct.unpack('<I', data[pos + 8:pos + 12])
        if hcrc != masked_crc32c(header):
            raise ValueError('length crc mismatch at offset %d' % pos)
        end = pos + 12 + ln + 4
        if end > len(data):
            break
        payload = data[pos + 12:pos + 12 + ln]
        (dcrc,) = struct.unpack('<I', data[pos + 12 + ln:end])
        if dcrc != masked_crc32c(payload):
            raise ValueError('data crc mismatch at offset %d' % pos)
        out.append(payload)
        pos = end
    return out, len(data) - pos


def read_scalars(path):
    """Returns (file_version, {tag: [(step, wall_time, value), ...]})."""
    records, _ = read_records(path)
    file_version = None
    series = {}
    for rec in records:
        wall, step, summary = 0.0, 0, None
        for field, wt, v in _parse_fields(rec):
            if field == 1 and wt == 1:
                (wall,) = struct.unpack('<d', v)
            elif field == 2 and wt == 0:
                step = v - (1 << 64) if v >= (1 << 63) else v
            elif field == 3 and wt == 2:
                file_version = v.decode('utf-8')
            elif field == 5 and wt == 2:
                summary = v
        if summary is None:
            continue
        for field, wt, val in _parse_fields(summary):
            if field != 1 or wt != 2:
                continue
            tag, sv = None, None
            for f2, w2, v2 in _parse_fields(val):
                if f2 == 1 and w2 == 2:
                    tag = v2.decode('utf-8')
                elif f2 == 2 and w2 == 5:
                    (sv,) = struct.unpack('<f', v2)
            if tag is not None and sv is not None:
                series.setdefault(tag, []).append((step, wall, sv))
    return file_version, series


if __name__ == '__main__':
    # self-check: the CRC-32C check value and a write/read round trip
    assert crc32c(b'123456789') == 0xE3069283, hex(crc32c(b'123456789'))
    import tempfile
    d = tempfile.mkdtemp()
    w = EventFileWriter(d, host='selftest', pid=1, start_time=1700000000.0)
    w.add_scalar('val_ssim_10-20%_mean', 0.5, 99, wall_time=1700000001.0)
    w.add_scalar('train_gen_l1', float('nan'), 2 ** 40, wall_time=1700000002.0)
    w.add_scalar('big', 1e300, 3, wall_time=1700000003.0)
    w.close()
    fv, s = read_scalars(w.path)
    assert fv == 'brain.Event:2'
    assert s['val_ssim_10-20%_mean'] == [(99, 1700000001.0, 0.5)]
    assert s['train_gen_l1'][0][0] == 2 ** 40 and math.isnan(s['train_gen_l1'][0][2])
    assert s['big'][0][2] == math.inf
    print('ok', w.path)
