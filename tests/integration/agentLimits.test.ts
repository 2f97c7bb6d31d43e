// POST /api/agent guards: the bearer token, and the body cap also for a chunked request (no content-length
// to refuse it by): the server stops reading past MAX_AGENT_BODY and answers 413.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freePort, startWatch, type WatchProc } from '../helpers/watchProcess';
import { MAX_AGENT_BODY } from '../../server/agent/protocol';

const TOKEN = 'agent-limits-token-0123456789';

/** POSTs `chunks` × `chunkBytes` without a content-length (chunked); the status, and how many chunks had been written when it came. */
function postChunks(url: string, o: { token?: string; chunks: number; chunkBytes: number }): Promise<{ status: number; written: number }> {
  return new Promise((resolve, reject) => {
    let i = 0;
    const req = http.request(`${url}/api/agent`, { method: 'POST', headers: { 'content-type': 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, written: i });
      i = o.chunks; // stop writing
      req.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    const chunk = Buffer.alloc(o.chunkBytes, 0x20);
    const write = () => {
      while (i < o.chunks) {
        i++;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      if (!req.destroyed) req.end();
    };
    write();
  });
}

const post = async (url: string, o: { token?: string; chunks: number; chunkBytes: number }): Promise<number> => (await postChunks(url, o)).status;

describe('POST /api/agent limits', () => {
  let tmp: string;
  let serve: WatchProc;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-agent-limits-'));
    serve = await startWatch(['--db', path.join(tmp, 'db.sqlite'), '--port', String(await freePort()), '--token', TOKEN], { command: 'serve', env: { LRSCOPE_TOKEN: TOKEN } });
  }, 120_000);
  afterAll(async () => {
    await serve?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a missing or wrong token with 401', async () => {
    expect(await post(serve.url, { chunks: 1, chunkBytes: 10 })).toBe(401);
    expect(await post(serve.url, { token: 'wrong', chunks: 1, chunkBytes: 10 })).toBe(401);
  });

  it('answers 413 to a chunked body past the cap as soon as it passes it, without reading the rest', async () => {
    const mib = 1024 * 1024;
    const chunks = (3 * MAX_AGENT_BODY) / mib; // three times the cap
    const r = await postChunks(serve.url, { token: TOKEN, chunks, chunkBytes: mib });
    expect(r.status).toBe(413);
    // the answer came while the client was still sending (socket buffers hold a few MiB at most)
    expect(r.written).toBeLessThan(chunks * 0.6);
  }, 60_000);

  it('reads a small body (a malformed one is a 4xx about its content, not 413)', async () => {
    const status = await post(serve.url, { token: TOKEN, chunks: 1, chunkBytes: 100 });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(status).not.toBe(413);
  });
});
