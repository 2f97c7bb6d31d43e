// The agent's store: the calls ingest makes on a Store (ingest.ts, ingestFile.ts, runMeta.ts), each
// forwarded to `lrscope serve` (POST /api/agent), which makes them on its database as this host
// (agentServer.ts). The agent keeps no state of its own: offsets are the server's, compare-and-set in the
// commit transaction, so an agent or a server killed at any moment loses nothing and doubles nothing —
// a chunk either committed with its offset or not at all, and a restarted agent asks where to go on.
import type { Store, ChunkCommit, RunUpsert } from '../db/store';
import { StaleOffsetError } from '../db/store';
import type { FileKind, RunStatus, SourceFile } from '../db/schema';
import type { ReadIssue } from '../ingest/types';
import { toColumns } from '../ingest/scalarColumns';
import { AGENT_PATH, decode, encode, type AgentOp, type AgentResponse } from './protocol';
import { HttpLinkError, SyncHttp } from './syncHttp';

/**
 * The server cannot take writes now (unreachable, restarting, answering 5xx): a storage fault for the
 * ingest code (db/faults.ts: code EIO), so it stops the pass and the agent retries later from the
 * server's offsets.
 */
export class AgentLinkError extends Error {
  readonly code = 'EIO';
  constructor(message: string) {
    super(message);
    this.name = 'AgentLinkError';
  }
}

/** The server refused the agent (token, bad request): retrying does not help. */
export class AgentRefusedError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'AgentRefusedError';
  }
}

export class RemoteStore implements Pick<Store, AgentOp> {
  private readonly http = new SyncHttp();
  private readonly url: string;
  /** bytes sent and calls made (bench:team's agent → server throughput) */
  sent = 0;
  calls = 0;

  constructor(server: string, private readonly token: string | null, readonly host: string) {
    this.url = server.replace(/\/+$/, '') + AGENT_PATH;
  }

  private call<T>(op: AgentOp, ...args: unknown[]): T {
    const body = encode({ host: this.host, op, args });
    let res;
    try {
      res = this.http.request(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body,
      });
    } catch (err) {
      if (err instanceof HttpLinkError) throw new AgentLinkError(`cannot reach the server: ${err.message}`);
      throw err;
    }
    this.sent += body.length;
    this.calls++;
    let answer: AgentResponse | null = null;
    try {
      answer = decode(res.body) as AgentResponse;
    } catch {
      // not our JSON: a proxy's page, a server starting up
    }
    if (answer && !answer.ok && answer.code === 'STALE_OFFSET') {
      const path = (args[0] as { path?: string } | undefined)?.path ?? '';
      const from = (args[0] as { fromOffset?: number } | undefined)?.fromOffset ?? -1;
      throw new StaleOffsetError(path, from, answer.stored ?? null);
    }
    if (res.status >= 500 || res.status === 429 || res.status === 503) throw new AgentLinkError(`the server answered ${res.status}${answer && !answer.ok ? `: ${answer.error}` : ''}`);
    if (!answer) throw new AgentLinkError(`the server answered ${res.status} with something that is not lrscope's`);
    if (!answer.ok) throw new AgentRefusedError(`the server refused ${op}: ${answer.error}`, res.status);
    return answer.value as T;
  }

  getFile(path: string): SourceFile | undefined {
    return this.call<SourceFile | null>('getFile', path) ?? undefined;
  }

  resetFile(file: SourceFile): void {
    this.call('resetFile', file.path);
  }

  recordIssues(runId: number | null, path: string, issues: ReadIssue[]): number {
    return issues.length ? this.call<number>('recordIssues', runId, path, issues) : 0;
  }

  clearIssues(path: string, reasonPrefix: string): void {
    this.call('clearIssues', path, reasonPrefix);
  }

  commitChunk(c: ChunkCommit): { points: number } {
    const { file, scalars, ...rest } = c;
    const columns = c.columns ?? (scalars?.length ? toColumns(scalars) : null);
    return this.call<{ points: number }>('commitChunk', { ...rest, columns, path: file.path });
  }

  upsertRun(r: RunUpsert): number {
    return this.call<number>('upsertRun', r);
  }

  runIdByKey(key: string): number | null {
    return this.call<number | null>('runIdByKey', key);
  }

  ensureFile(runId: number, path: string, kind: FileKind, tagPrefix: string): SourceFile {
    return this.call<SourceFile>('ensureFile', runId, path, kind, tagPrefix);
  }

  isDeletedRun(key: string, path: string): boolean {
    return this.call<boolean>('isDeletedRun', key, path);
  }

  restoreRun(key: string, path: string | null = null): boolean {
    return this.call<boolean>('restoreRun', key, path);
  }

  refreshStatus(runId: number, now: number, missing = false): RunStatus {
    return this.call<RunStatus>('refreshStatus', runId, now, missing);
  }

  updateRun(runId: number, patch: Record<string, string | number | null>): void {
    this.call('updateRun', runId, patch);
  }

  filesOfRun(runId: number): SourceFile[] {
    return this.call<SourceFile[]>('filesOfRun', runId);
  }

  close(): void {
    this.http.close();
  }
}
