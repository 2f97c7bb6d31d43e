// Decoding of TensorBoard `Event` protobufs (payloads of tfevents TFRecords) into scalar records.
//
// Two decoders produce identical results:
//  - a hand-written fast path over the raw bytes for the common case (an Event with wall_time, step,
//    file_version and/or a Summary whose Values carry only tag / node_name / simple_value), and
//  - protobufjs reflection (`Type.decode`) on a trimmed copy of TensorFlow's event.proto, summary.proto
//    and tensor.proto for everything else (tensors, metadata, unknown fields, malformed input).
// The fast path gives up (returns false) on anything it does not fully understand, leaving the record
// to protobufjs, so the interpretation of unusual input is always protobufjs's.
import protobuf from 'protobufjs';
import type { ReadIssue, ScalarRecord } from './types';
import { clip } from './limits';

/** Trimmed from tensorflow/core/util/event.proto, framework/summary.proto, tensor.proto, tensor_shape.proto. */
const TB_PROTO = `
syntax = "proto3";
package lrscope.tb;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    bytes graph_def = 4;
    Summary summary = 5;
  }
}

message Summary {
  message Value {
    string node_name = 7;
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      bytes obsolete_old_style_histogram = 3;
      bytes image = 4;
      bytes histo = 5;
      bytes audio = 6;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}

message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  int32 data_class = 4;
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated int32 half_val = 13 [packed = true];
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated int32 int_val = 7 [packed = true];
  repeated bytes string_val = 8;
  repeated int64 int64_val = 10 [packed = true];
}
`;

const tbRoot = protobuf.parse(TB_PROTO, { keepCase: true }).root;

/** protobufjs types for the trimmed TensorBoard protos (the writer encodes with these). */
export const TB_TYPES = {
  Event: tbRoot.lookupType('lrscope.tb.Event'),
  Summary: tbRoot.lookupType('lrscope.tb.Summary'),
  SummaryValue: tbRoot.lookupType('lrscope.tb.Summary.Value'),
  SummaryMetadata: tbRoot.lookupType('lrscope.tb.SummaryMetadata'),
  TensorProto: tbRoot.lookupType('lrscope.tb.TensorProto'),
};

/** TensorFlow DataType enum values used here. */
export const DT = {
  FLOAT: 1,
  DOUBLE: 2,
  INT32: 3,
  STRING: 7,
  INT64: 9,
  BFLOAT16: 14,
  HALF: 19,
} as const;

/** Per-file decoding state kept between calls (JSON-serialisable). */
export interface TfEventsState {
  /** plugin name per tag; writers send a tag's SummaryMetadata only with its first value */
  plugins: Record<string, string>;
}

export function newTfEventsState(): TfEventsState {
  return { plugins: {} };
}

export interface TfEventsDecodeResult {
  scalars: ScalarRecord[];
  issues: ReadIssue[];
  state: TfEventsState;
  /** `file_version` of the first Event that carries one (normally 'brain.Event:2'), else null */
  fileVersion: string | null;
  /** smallest non-zero wall_time of the decoded Events, seconds, else null */
  minWallTime: number | null;
}

export interface TfEventsDecodeOptions {
  /** use the hand-written fast path where possible (default true); false = protobufjs only */
  fastPath?: boolean;
  /** if given, incremented with how many records each decoder handled (records the fast path gave up on count as slow) */
  stats?: { fast: number; slow: number };
}

// ---------------------------------------------------------------------------------------------
// shared helpers

const TWO_32 = 4294967296;
const HPARAMS_PREFIX = '_hparams_/';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// Scratch views: a uint32 written with the assembled little-endian bits reads back as the float.
const f32 = new Float32Array(1);
const f32u = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const f64u = new Uint32Array(f64.buffer);
const F64_LO = LITTLE_ENDIAN ? 0 : 1;
const F64_HI = 1 - F64_LO;

function u32le(d: Uint8Array, p: number): number {
  return d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24);
}

function f32le(d: Uint8Array, p: number): number {
  f32u[0] = u32le(d, p);
  return f32[0];
}

function f64le(d: Uint8Array, p: number): number {
  f64u[F64_LO] = u32le(d, p);
  f64u[F64_HI] = u32le(d, p + 4);
  return f64[0];
}

/** IEEE 754 half precision bits → number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits → number (the top half of a float32). */
function bfloat16ToNumber(h: number): number {
  f32u[0] = (h & 0xffff) << 16;
  return f32[0];
}

interface LongLike {
  low: number;
  high: number;
}

/** int64 as decoded by protobufjs (Long or number) → number, as Long#toNumber does for signed values. */
function int64ToNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) {
    const l = v as LongLike;
    return (l.high | 0) * TWO_32 + (l.low >>> 0);
  }
  return Number(v);
}

function asBuffer(d: Uint8Array): Buffer {
  return Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

// Tag strings repeat for every value of a tag, so decoded tags are cached by their bytes: a hit costs
// a hash and a byte compare instead of a UTF-8 decode, and all records of a tag share one string.
const TAG_CACHE_SIZE = 4096;
const tagCacheBytes: (Uint8Array | undefined)[] = new Array(TAG_CACHE_SIZE);
const tagCacheStr: string[] = new Array(TAG_CACHE_SIZE);

function tagString(d: Uint8Array, s: number, e: number): string {
  const len = e - s;
  if (len === 0) return '';
  let h = 0x811c9dc5 ^ len;
  for (let i = s; i < e; i++) h = Math.imul(h ^ d[i], 0x01000193);
  const slot = (h ^ (h >>> 13)) & (TAG_CACHE_SIZE - 1);
  const cached = tagCacheBytes[slot];
  if (cached !== undefined && cached.length === len) {
    let j = 0;
    while (j < len && cached[j] === d[s + j]) j++;
    if (j === len) return tagCacheStr[slot];
  }
  // Same decoder protobufjs uses for Buffer input (Node's UTF-8), so both paths agree.
  const str = asBuffer(d).toString('utf8', s, e);
  if (len <= 512) {
    const copy = new Uint8Array(len);
    copy.set(d.subarray(s, e));
    tagCacheBytes[slot] = copy;
    tagCacheStr[slot] = str;
  }
  return str;
}

/** Decoding context of one decodeTfEvents call. */
class Ctx {
  scalars: ScalarRecord[] = [];
  issues: ReadIssue[] = [];
  plugins: Record<string, string>;
  fileVersion: string | null = null;
  minWallTime: number | null = null;

  constructor(state: TfEventsState) {
    // Copy into a prototype-free object: tags are arbitrary strings ('constructor', '__proto__').
    const plugins: Record<string, string> = Object.create(null);
    const src = state?.plugins;
    if (src && typeof src === 'object') {
      for (const k of Object.keys(src)) {
        const v = src[k];
        if (typeof v === 'string') plugins[k] = v;
      }
    }
    this.plugins = plugins;
  }

  noteEvent(wallTime: number, fileVersion: string | null): void {
    if (wallTime !== 0 && Number.isFinite(wallTime) && (this.minWallTime === null || wallTime < this.minWallTime)) {
      this.minWallTime = wallTime;
    }
    if (fileVersion !== null && this.fileVersion === null) this.fileVersion = fileVersion;
  }
}

// ---------------------------------------------------------------------------------------------
// fast path

// Varint results: value in vNum, position after it in vPos (-1 on failure).
let vPos = 0;
let vNum = 0;

/** uint32 varint (lengths); fails beyond 5 bytes or past end. */
function readLen(d: Uint8Array, p: number, end: number): void {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (p >= end) break;
    const b = d[p++];
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      vNum = result;
      vPos = p;
      return;
    }
  }
  vPos = -1;
}

/** int64 varint → number (signed, as Long#toNumber); fails beyond 10 bytes or past end. */
function readInt64(d: Uint8Array, p: number, end: number): void {
  let lo = 0;
  let b = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (p >= end) {
      vPos = -1;
      return;
    }
    b = d[p++];
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) {
      vNum = lo;
      vPos = p;
      return;
    }
  }
  if (p >= end) {
    vPos = -1;
    return;
  }
  b = d[p++];
  lo |= (b & 0x7f) << 28;
  let hi = (b & 0x7f) >>> 4;
  if (b < 0x80) {
    vNum = hi * TWO_32 + (lo >>> 0);
    vPos = p;
    return;
  }
  for (let shift = 3; shift < 32; shift += 7) {
    if (p >= end) {
      vPos = -1;
      return;
    }
    b = d[p++];
    hi |= (b & 0x7f) << shift;
    if (b < 0x80) {
      vNum = (hi | 0) * TWO_32 + (lo >>> 0);
      vPos = p;
      return;
    }
  }
  vPos = -1;
}

/**
 * Decode one Event in the common shape; true when done (scalars appended to ctx),
 * false when the record must go to protobufjs (nothing appended).
 */
function fastDecode(d: Uint8Array, ctx: Ctx): boolean {
  const n = d.length;
  let p = 0;
  let wall = 0;
  let step = 0;
  let fileVersion: string | null = null;
  let sumStart = -1;
  let sumEnd = -1;

  while (p < n) {
    switch (d[p++]) {
      case 0x09: // wall_time, double
        if (p + 8 > n) return false;
        wall = f64le(d, p);
        p += 8;
        break;
      case 0x10: // step, int64 varint
        readInt64(d, p, n);
        if (vPos < 0) return false;
        step = vNum;
        p = vPos;
        break;
      case 0x1a: // file_version, string
        readLen(d, p, n);
        if (vPos < 0 || vPos + vNum > n) return false;
        fileVersion = asBuffer(d).toString('utf8', vPos, vPos + vNum);
        p = vPos + vNum;
        break;
      case 0x22: // graph_def, bytes: skipped
        readLen(d, p, n);
        if (vPos < 0 || vPos + vNum > n) return false;
        p = vPos + vNum;
        break;
      case 0x2a: // summary
        if (sumStart >= 0) return false; // repeated occurrence: protobufjs merges them
        readLen(d, p, n);
        if (vPos < 0 || vPos + vNum > n) return false;
        sumStart = vPos;
        sumEnd = vPos + vNum;
        p = sumEnd;
        break;
      default:
        return false;
    }
  }

  if (sumStart >= 0) {
    const out = ctx.scalars;
    const mark = out.length;
    const wallTime = wall !== 0 ? wall : null;
    p = sumStart;
    while (p < sumEnd) {
      if (d[p++] !== 0x0a) {
        out.length = mark;
        return false;
      }
      readLen(d, p, sumEnd);
      if (vPos < 0 || vPos + vNum > sumEnd) {
        out.length = mark;
        return false;
      }
      const vEnd = vPos + vNum;
      p = vPos;
      let tagStart = 0;
      let tagEnd = 0;
      let hasValue = false;
      let value = 0;
      while (p < vEnd) {
        switch (d[p++]) {
          case 0x0a: // tag
            readLen(d, p, vEnd);
            if (vPos < 0 || vPos + vNum > vEnd) {
              out.length = mark;
              return false;
            }
            tagStart = vPos;
            tagEnd = vPos + vNum;
            p = tagEnd;
            break;
          case 0x15: // simple_value, float
            if (p + 4 > vEnd) {
              out.length = mark;
              return false;
            }
            value = f32le(d, p);
            hasValue = true;
            p += 4;
            break;
          case 0x3a: // node_name: skipped
            readLen(d, p, vEnd);
            if (vPos < 0 || vPos + vNum > vEnd) {
              out.length = mark;
              return false;
            }
            p = vPos + vNum;
            break;
          default: // metadata, tensor, other value kinds, unknown fields
            out.length = mark;
            return false;
        }
      }
      if (hasValue) {
        const tag = tagString(d, tagStart, tagEnd);
        if (!tag.startsWith(HPARAMS_PREFIX)) out.push({ tag, step, wallTime, value });
      }
    }
  }

  ctx.noteEvent(wall, fileVersion);
  return true;
}

// ---------------------------------------------------------------------------------------------
// protobufjs path

interface PbTensorShape {
  dim?: { size?: unknown }[];
}

interface PbTensor {
  dtype?: number;
  tensor_shape?: PbTensorShape | null;
  tensor_content?: Uint8Array;
  half_val?: number[];
  float_val?: number[];
  double_val?: number[];
  int_val?: number[];
  int64_val?: unknown[];
  string_val?: Uint8Array[];
}

interface PbValue {
  tag?: string;
  metadata?: { plugin_data?: { plugin_name?: string } | null } | null;
  simple_value?: number;
  tensor?: PbTensor | null;
}

interface PbEvent {
  wall_time?: number;
  step?: unknown;
  file_version?: string;
  summary?: { value?: PbValue[] } | null;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Number of elements given by the tensor's shape (1 for a 0-d tensor or a missing shape). */
function shapeElements(t: PbTensor): number {
  const dims = t.tensor_shape?.dim;
  if (!dims || dims.length === 0) return 1;
  let count = 1;
  for (const dim of dims) count *= int64ToNumber(dim.size ?? 0);
  return count;
}

/** First element of a numeric tensor, or undefined when the dtype is not numeric or no value is stored. */
function tensorFirstValue(t: PbTensor): number | undefined {
  const content = t.tensor_content;
  const has = (a: unknown[] | undefined) => a !== undefined && a.length > 0;
  switch (t.dtype ?? 0) {
    case DT.FLOAT:
      if (has(t.float_val)) return t.float_val![0];
      if (content && content.length >= 4) return f32le(content, 0);
      return undefined;
    case DT.DOUBLE:
      if (has(t.double_val)) return t.double_val![0];
      if (content && content.length >= 8) return f64le(content, 0);
      return undefined;
    case DT.HALF:
      if (has(t.half_val)) return halfToNumber(t.half_val![0] & 0xffff);
      if (content && content.length >= 2) return halfToNumber(content[0] | (content[1] << 8));
      return undefined;
    case DT.BFLOAT16:
      if (has(t.half_val)) return bfloat16ToNumber(t.half_val![0]);
      if (content && content.length >= 2) return bfloat16ToNumber(content[0] | (content[1] << 8));
      return undefined;
    case DT.INT32:
      if (has(t.int_val)) return t.int_val![0];
      if (content && content.length >= 4) return u32le(content, 0);
      return undefined;
    case DT.INT64:
      if (has(t.int64_val)) return int64ToNumber(t.int64_val![0]);
      if (content && content.length >= 8) {
        return u32le(content, 4) * TWO_32 + (u32le(content, 0) >>> 0);
      }
      return undefined;
    default:
      return undefined;
  }
}

function slowDecode(offset: number, d: Uint8Array, ctx: Ctx): void {
  let ev: PbEvent;
  try {
    ev = TB_TYPES.Event.decode(asBuffer(d)) as unknown as PbEvent;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    ctx.issues.push({ offset, reason: `record at byte ${offset} is not a valid Event protobuf: ${msg}` });
    return;
  }
  const wall = ev.wall_time ?? 0;
  const wallTime = wall !== 0 ? wall : null;
  const step = ev.step == null ? 0 : int64ToNumber(ev.step);
  const values = ev.summary?.value;
  if (values) {
    for (const v of values) {
      const tag = v.tag ?? '';
      if (tag.startsWith(HPARAMS_PREFIX)) continue;
      const pluginName = v.metadata?.plugin_data?.plugin_name;
      if (pluginName) ctx.plugins[tag] = pluginName;
      if (hasOwn(v, 'simple_value')) {
        ctx.scalars.push({ tag, step, wallTime, value: v.simple_value as number });
      } else if (hasOwn(v, 'tensor') && v.tensor) {
        const plugin = ctx.plugins[tag] as string | undefined;
        if (plugin === 'scalars') {
          const value = tensorFirstValue(v.tensor);
          if (value === undefined) {
            ctx.issues.push({
              offset,
              reason: `record at byte ${offset}: scalar tag '${clip(tag)}' at step ${step} has a tensor without a readable value (dtype ${v.tensor.dtype ?? 0}); value skipped`,
            });
          } else {
            ctx.scalars.push({ tag, step, wallTime, value });
          }
        } else if (plugin === undefined && shapeElements(v.tensor) === 1) {
          // No plugin known for this tag (its first value was lost or never had metadata):
          // a single-element numeric tensor is a scalar; text/images are DT_STRING and are skipped.
          const value = tensorFirstValue(v.tensor);
          if (value !== undefined) ctx.scalars.push({ tag, step, wallTime, value });
        }
        // any other plugin (text, histograms, images, pr_curves, ...): not a scalar
      }
    }
  }
  ctx.noteEvent(wall, hasOwn(ev, 'file_version') ? (ev.file_version ?? '') : null);
}

// ---------------------------------------------------------------------------------------------

/**
 * Decode Event payloads into scalar records. `state` is not modified; the returned state
 * (plugin names learned so far) must be passed to the next call for the same file.
 */
export function decodeTfEvents(
  records: { offset: number; data: Uint8Array }[],
  state: TfEventsState,
  options: TfEventsDecodeOptions = {},
): TfEventsDecodeResult {
  const ctx = new Ctx(state);
  const fast = options.fastPath !== false;
  let fastCount = 0;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i];
    if (fast && fastDecode(rec.data, ctx)) {
      fastCount++;
      continue;
    }
    slowDecode(rec.offset, rec.data, ctx);
  }
  if (options.stats) {
    options.stats.fast += fastCount;
    options.stats.slow += records.length - fastCount;
  }
  const plugins: Record<string, string> = {};
  for (const k of Object.keys(ctx.plugins)) {
    Object.defineProperty(plugins, k, { value: ctx.plugins[k], enumerable: true, writable: true, configurable: true });
  }
  return {
    scalars: ctx.scalars,
    issues: ctx.issues,
    state: { plugins },
    fileVersion: ctx.fileVersion,
    minWallTime: ctx.minWallTime,
  };
}
