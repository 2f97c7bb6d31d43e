// POST /api/agent: `lrscope agent` pushes what it read on its machine (server/agent/agentServer.ts).
// Needs the access token as a bearer header (`lrscope serve --token T`): a session cookie is not enough
// (a page open in a browser cannot write runs), and without a token this endpoint is off.
import crypto from 'node:crypto';
import { handleAgentRequest } from '@/server/agent/agentServer';
import { MAX_AGENT_BODY } from '@/server/agent/protocol';
import { resolveDbPath } from '@/server/paths';

export const dynamic = 'force-dynamic';

function json(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
}

/** The request body as text, or null as soon as it passes `max` bytes (the rest is never buffered). */
async function readCapped(req: Request, max: number): Promise<string | null> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > max) {
      await reader.cancel();
      return null;
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

export async function POST(req: Request): Promise<Response> {
  const token = process.env.LRSCOPE_TOKEN || '';
  if (!token) return json(403, JSON.stringify({ ok: false, error: 'agents need the server started with a token (lrscope serve --token T)' }));
  const given = /^Bearer (.+)$/.exec(req.headers.get('authorization') ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return json(401, JSON.stringify({ ok: false, error: 'wrong or missing bearer token' }));
  const length = Number(req.headers.get('content-length') ?? 0);
  if (length > MAX_AGENT_BODY) return json(413, JSON.stringify({ ok: false, error: `a request may hold ${MAX_AGENT_BODY} bytes` }));
  // read at most MAX_AGENT_BODY bytes: a chunked request has no content-length to refuse it by
  const body = await readCapped(req, MAX_AGENT_BODY);
  if (body === null) return json(413, JSON.stringify({ ok: false, error: `a request may hold ${MAX_AGENT_BODY} bytes` }));
  const r = handleAgentRequest(body, resolveDbPath());
  return json(r.status, r.body);
}
