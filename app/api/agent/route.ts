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

export async function POST(req: Request): Promise<Response> {
  const token = process.env.LRSCOPE_TOKEN || '';
  if (!token) return json(403, JSON.stringify({ ok: false, error: 'agents need the server started with a token (lrscope serve --token T)' }));
  const given = /^Bearer (.+)$/.exec(req.headers.get('authorization') ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return json(401, JSON.stringify({ ok: false, error: 'wrong or missing bearer token' }));
  const length = Number(req.headers.get('content-length') ?? 0);
  if (length > MAX_AGENT_BODY) return json(413, JSON.stringify({ ok: false, error: `a request may hold ${MAX_AGENT_BODY} bytes` }));
  const body = await req.text();
  if (body.length > MAX_AGENT_BODY) return json(413, JSON.stringify({ ok: false, error: `a request may hold ${MAX_AGENT_BODY} bytes` }));
  const r = handleAgentRequest(body, resolveDbPath());
  return json(r.status, r.body);
}
