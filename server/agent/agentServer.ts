// `lrscope serve`'s side of `lrscope agent` (POST /api/agent, app/api/agent/route.ts): each request is one
// store call, made through a Store whose host is the agent's (a file is (host, path); the agent's runs
// carry its host), so every write goes through the same Store as ingest and watch: one transaction, the
// offset compare-and-set in it. One database connection per agent host (db/open.ts), so the stores see
// each other's commits (data_version) as separate processes would.
import { openDb, type DbHandle } from '../db/open';
import { Store, StaleOffsetError, type ChunkCommit } from '../db/store';
import type { ReadIssue } from '../ingest/types';
import type { FileKind, SourceFile } from '../db/schema';
import { AGENT_OPS, decode, encode, type AgentRequest, type AgentResponse } from './protocol';
import { refreshFindings } from '../services/diagnosis';

/**
 * Runs an agent pushed data into are diagnosed (as `watch` does its runs): debounced per run, 2 s after
 * its last commit and at most 10 s after the first, so a burst of commits costs one pass.
 */
const DIAGNOSE_DEBOUNCE_MS = 2000;
const DIAGNOSE_MAX_WAIT_MS = 10_000;
const pendingDiagnosis = new Map<number, { timer: NodeJS.Timeout; since: number }>();

function scheduleDiagnosis(store: Store, runId: number): void {
  const now = Date.now();
  const pending = pendingDiagnosis.get(runId);
  if (pending) clearTimeout(pending.timer);
  const since = pending?.since ?? now;
  const timer = setTimeout(() => {
    pendingDiagnosis.delete(runId);
    try {
      refreshFindings(store, runId);
    } catch (err) {
      console.error(`lrscope serve: diagnosing run ${runId} failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }, Math.max(0, Math.min(DIAGNOSE_DEBOUNCE_MS, since + DIAGNOSE_MAX_WAIT_MS - now)));
  timer.unref();
  pendingDiagnosis.set(runId, { timer, since });
}

/** the run columns an agent may set (what runMeta.ts derives from the config files) */
const RUN_COLUMNS = new Set([
  'config_name', 'run_title', 'config', 'hparams', 'overrides', 'gen_optimizer', 'gen_lr', 'disc_optimizer', 'disc_lr',
  'batch_size', 'max_epochs', 'limit_train_batches', 'val_check_interval', 'log_every_n_steps', 'gradient_clip_val', 'scheduler',
]);
const HOST = /^[\w.:@-]{1,255}$/;

const g = globalThis as unknown as { __lrscopeAgentStores?: Map<string, { handle: DbHandle; store: Store }> };

function storeOf(db: string, host: string): Store {
  const all = (g.__lrscopeAgentStores ??= new Map());
  let s = all.get(host);
  if (!s) {
    const handle = openDb(db);
    s = { handle, store: new Store(handle, { host }) };
    all.set(host, s);
  }
  return s.store;
}

class BadRequest extends Error {}

function fileOf(store: Store, path: unknown): SourceFile {
  if (typeof path !== 'string') throw new BadRequest('a file path is needed');
  const f = store.getFile(path);
  if (!f) throw new BadRequest(`no file ${path} for this host: register its run first`);
  return f;
}

const num = (v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest('a number is needed');
  return v;
};
const str = (v: unknown): string => {
  if (typeof v !== 'string') throw new BadRequest('a string is needed');
  return v;
};

function dispatch(store: Store, op: AgentRequest['op'], a: unknown[]): unknown {
  switch (op) {
    case 'getFile':
      return store.getFile(str(a[0])) ?? null;
    case 'resetFile':
      return store.resetFile(fileOf(store, a[0]));
    case 'recordIssues':
      return store.recordIssues(a[0] === null ? null : num(a[0]), str(a[1]), a[2] as ReadIssue[]);
    case 'clearIssues':
      return store.clearIssues(str(a[0]), str(a[1]));
    case 'commitChunk': {
      const { path, ...c } = a[0] as Omit<ChunkCommit, 'file'> & { path: string };
      const file = fileOf(store, path);
      const r = store.commitChunk({ ...c, file });
      if (r.points > 0 || c.tables?.length || c.gpu?.samples.length) scheduleDiagnosis(store, file.runId);
      return r;
    }
    case 'upsertRun':
      return store.upsertRun(a[0] as Parameters<Store['upsertRun']>[0]);
    case 'runIdByKey':
      return store.runIdByKey(str(a[0]));
    case 'ensureFile':
      return store.ensureFile(num(a[0]), str(a[1]), str(a[2]) as FileKind, str(a[3]));
    case 'isDeletedRun':
      return store.isDeletedRun(str(a[0]), str(a[1]));
    case 'restoreRun':
      return store.restoreRun(str(a[0]), a[1] === null ? null : str(a[1]));
    case 'refreshStatus':
      return store.refreshStatus(num(a[0]), num(a[1]), a[2] === true);
    case 'updateRun': {
      const patch = a[1] as Record<string, string | number | null>;
      if (typeof patch !== 'object' || patch === null || Object.keys(patch).some((k) => !RUN_COLUMNS.has(k))) throw new BadRequest('updateRun: unknown column');
      return store.updateRun(num(a[0]), patch);
    }
    case 'filesOfRun':
      return store.filesOfRun(num(a[0]));
  }
}

/** Handles one agent request body; the HTTP status and JSON body to answer. */
export function handleAgentRequest(body: string, db: string): { status: number; body: string } {
  const reply = (status: number, r: AgentResponse) => ({ status, body: encode(r) });
  let req: AgentRequest;
  try {
    req = decode(body) as AgentRequest;
  } catch {
    return reply(400, { ok: false, error: 'the body is not JSON' });
  }
  if (!req || typeof req.host !== 'string' || !HOST.test(req.host)) return reply(400, { ok: false, error: 'host: 1–255 characters from A-Z a-z 0-9 . _ : @ -' });
  if (!(AGENT_OPS as readonly string[]).includes(req.op) || !Array.isArray(req.args)) return reply(400, { ok: false, error: `unknown call ${String(req.op)}` });
  try {
    return reply(200, { ok: true, value: dispatch(storeOf(db, req.host), req.op, req.args) ?? null });
  } catch (err) {
    if (err instanceof StaleOffsetError) return reply(409, { ok: false, error: err.message, code: err.code, stored: err.stored });
    if (err instanceof BadRequest) return reply(400, { ok: false, error: err.message });
    // the database failed (restarting, full…): the agent retries later
    return reply(503, { ok: false, error: err instanceof Error ? err.message.split('\n')[0] : String(err) });
  }
}
