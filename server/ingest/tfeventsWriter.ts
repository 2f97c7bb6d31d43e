// Pure encoders for TensorBoard event files (tests, demo writer, benchmark). Encoding goes through
// protobufjs, independently of the hand-written fast decoder, so round trips test the decoder.
import { frameTfRecord } from './tfrecord';
import { DT, TB_TYPES } from './tfevents';

export type ScalarEncoding =
  | 'simple_value'
  | 'tensor_float'
  | 'tensor_double'
  | 'tensor_content_float'
  | 'tensor_content_double';

export interface ScalarEventSpec {
  step: number;
  /** seconds since the Unix epoch */
  wallTime: number;
  tag: string;
  value: number;
  /** default 'simple_value' (torch add_scalar's default) */
  encoding?: ScalarEncoding;
  /** attach SummaryMetadata{plugin_name:'scalars'}; default true for tensor encodings, false for simple_value */
  pluginMetadata?: boolean;
}

export interface TensorSpec {
  dtype: number;
  /** dimension sizes; omitted or [] = a 0-d tensor */
  shape?: number[];
  floatVal?: number[];
  doubleVal?: number[];
  intVal?: number[];
  int64Val?: number[];
  halfVal?: number[];
  stringVal?: (string | Uint8Array)[];
  tensorContent?: Uint8Array;
}

export interface TensorEventSpec {
  step: number;
  wallTime: number;
  tag: string;
  /** SummaryMetadata.plugin_data.plugin_name; omitted = no metadata */
  pluginName?: string;
  pluginContent?: Uint8Array;
  /** omitted = a metadata-only value (as hparams summaries are) */
  tensor?: TensorSpec;
}

function encodeEvent(obj: Record<string, unknown>): Buffer {
  const bytes = TB_TYPES.Event.encode(obj).finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function metadata(pluginName: string, content?: Uint8Array): Record<string, unknown> {
  const pluginData: Record<string, unknown> = { plugin_name: pluginName };
  if (content) pluginData.content = content;
  return { plugin_data: pluginData };
}

/** Payload of the first Event of every file: file_version 'brain.Event:2'. */
export function encodeFileVersionEvent(wallTime: number): Buffer {
  return encodeEvent({ wall_time: wallTime, file_version: 'brain.Event:2' });
}

/** Payload of an Event holding one scalar in the requested encoding. */
export function encodeScalarEvent(e: ScalarEventSpec): Buffer {
  const encoding = e.encoding ?? 'simple_value';
  const value: Record<string, unknown> = { tag: e.tag };
  switch (encoding) {
    case 'simple_value':
      value.simple_value = e.value;
      break;
    case 'tensor_float':
      value.tensor = { dtype: DT.FLOAT, float_val: [e.value] };
      break;
    case 'tensor_double':
      value.tensor = { dtype: DT.DOUBLE, double_val: [e.value] };
      break;
    case 'tensor_content_float': {
      const b = Buffer.alloc(4);
      b.writeFloatLE(e.value, 0);
      value.tensor = { dtype: DT.FLOAT, tensor_content: b };
      break;
    }
    case 'tensor_content_double': {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(e.value, 0);
      value.tensor = { dtype: DT.DOUBLE, tensor_content: b };
      break;
    }
  }
  if (e.pluginMetadata ?? encoding !== 'simple_value') value.metadata = metadata('scalars');
  return encodeEvent({ wall_time: e.wallTime, step: e.step, summary: { value: [value] } });
}

/** Payload of an Event holding one tensor value (or metadata only) of any plugin. */
export function encodeTensorEvent(e: TensorEventSpec): Buffer {
  const value: Record<string, unknown> = { tag: e.tag };
  if (e.pluginName !== undefined) value.metadata = metadata(e.pluginName, e.pluginContent);
  const t = e.tensor;
  if (t) {
    const tensor: Record<string, unknown> = { dtype: t.dtype };
    if (t.shape) tensor.tensor_shape = { dim: t.shape.map((size) => ({ size })) };
    if (t.floatVal) tensor.float_val = t.floatVal;
    if (t.doubleVal) tensor.double_val = t.doubleVal;
    if (t.intVal) tensor.int_val = t.intVal;
    if (t.int64Val) tensor.int64_val = t.int64Val;
    if (t.halfVal) tensor.half_val = t.halfVal;
    if (t.stringVal) tensor.string_val = t.stringVal.map((s) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s));
    if (t.tensorContent) tensor.tensor_content = t.tensorContent;
    value.tensor = tensor;
  }
  return encodeEvent({ wall_time: e.wallTime, step: e.step, summary: { value: [value] } });
}

/** Frame an Event payload as a TFRecord, ready to append to an event file. */
export function eventRecord(payload: Uint8Array): Buffer {
  return frameTfRecord(payload);
}

/** `events.out.tfevents.%010d.<host>.<pid>.<k>`, as tensorboard's EventFileWriter names files. */
export function eventFileName(wallTimeSec: number, host: string, pid: number, k = 0): string {
  return `events.out.tfevents.${String(Math.trunc(wallTimeSec)).padStart(10, '0')}.${host}.${pid}.${k}`;
}
