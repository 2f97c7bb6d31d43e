// What `lrscope agent` and `lrscope serve` say to each other (POST /api/agent, bearer token): one call of
// the store the agent's ingest runs against, { host, op, args } → { ok: true, value } | { ok: false,
// error, code }. JSON, except what JSON cannot carry: typed arrays (a chunk's scalar columns) as base64
// of their bytes, NaN and ±Infinity as { $n: 'NaN' | 'Infinity' | '-Infinity' }.
export const AGENT_PATH = '/api/agent';
/** the largest request body serve accepts (a commit is a few MB: one batch of a file) */
export const MAX_AGENT_BODY = 64 * 1024 * 1024;

/** the store calls an agent may make (RemoteStore ↔ agentServer) */
export const AGENT_OPS = [
  'getFile', 'resetFile', 'recordIssues', 'clearIssues', 'commitChunk', 'upsertRun', 'runIdByKey', 'ensureFile',
  'isDeletedRun', 'restoreRun', 'refreshStatus', 'updateRun', 'filesOfRun',
] as const;
export type AgentOp = (typeof AGENT_OPS)[number];

export interface AgentRequest {
  host: string;
  op: AgentOp;
  args: unknown[];
}

export type AgentResponse = { ok: true; value: unknown } | { ok: false; error: string; code?: string; stored?: number | null };

const TYPED = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Uint8Array,
} as const;
type TypedName = keyof typeof TYPED;

export function encode(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) return { $n: String(value) };
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const name = value.constructor.name as TypedName;
      if (!(name in TYPED)) throw new TypeError(`cannot send a ${name}`);
      return { $ta: name, b64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    }
    return value;
  });
}

export function decode(text: string): unknown {
  return JSON.parse(text, (_k, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const o = value as Record<string, unknown>;
      if (typeof o.$n === 'string' && Object.keys(o).length === 1) return Number(o.$n);
      if (typeof o.$ta === 'string' && typeof o.b64 === 'string' && Object.hasOwn(TYPED, o.$ta)) {
        const bytes = Buffer.from(o.b64, 'base64');
        const Ctor = TYPED[o.$ta as TypedName];
        // a copy at offset 0: aligned for the element size
        const ab = new ArrayBuffer(bytes.byteLength);
        new Uint8Array(ab).set(bytes);
        return new Ctor(ab);
      }
    }
    return value;
  });
}
