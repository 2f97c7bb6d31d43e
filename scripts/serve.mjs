// The dashboard process that `lrscope watch` supervises: Next.js (production build) on host:port.
// It reports 'ready' / 'error' to the parent over IPC and exits when the parent goes away.
// Every request passes the guard first (server/http/guard.ts): Host check, access token, security
// headers. Access settings come from the parent: LRSCOPE_TOKEN (empty: open), LRSCOPE_ALLOW_HOSTS
// (comma-separated), LRSCOPE_READ_ONLY (read by the tRPC context).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import next from 'next';
import { tsImport } from 'tsx/esm/api';

const { createGuard } = await tsImport('../server/http/guard.ts', import.meta.url);

const root = process.env.LRSCOPE_ROOT ?? process.cwd();
const hostname = process.env.LRSCOPE_HOST ?? '127.0.0.1';
const port = Number(process.env.LRSCOPE_PORT ?? 3000);
const token = process.env.LRSCOPE_TOKEN || null;
const allowHosts = (process.env.LRSCOPE_ALLOW_HOSTS ?? '').split(',').filter(Boolean);
// HTTPS when the parent names a certificate and key (lrscope serve --tls-cert/--tls-key): agents on other
// machines push over it with the token, which then never crosses the network in clear text
const tls = process.env.LRSCOPE_TLS_CERT && process.env.LRSCOPE_TLS_KEY
  ? { cert: fs.readFileSync(process.env.LRSCOPE_TLS_CERT), key: fs.readFileSync(process.env.LRSCOPE_TLS_KEY) }
  : null;

process.on('disconnect', () => process.exit(0));

const app = next({ dev: false, dir: root, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
let guard = null; // made once the port is known (--port 0 picks one)
const onRequest = (req, res) => {
  if (!guard) {
    res.statusCode = 503;
    res.end();
    return;
  }
  if (!guard(req, res)) void handle(req, res);
};
const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
server.on('error', (err) => {
  process.send?.({ type: 'error', code: err.code, message: err.message });
  process.exit(1);
});
server.listen(port, hostname, () => {
  guard = createGuard({ token, host: hostname, port: server.address().port, allowHosts });
  process.send?.({ type: 'ready', port: server.address().port });
  if (!tls) void warm(server.address().port); // (a self-signed certificate would refuse the warming fetch)
});

/**
 * Warms the dashboard right after start: the route modules are loaded and JIT-compiled by one small
 * request each. (No data is preloaded: metrics.series reads the per-series summaries, whose cost grows
 * with the answer, not with the series.) Best effort, in the background.
 */
async function warm(boundPort) {
  const host = hostname === '0.0.0.0' || hostname === '::' ? '127.0.0.1' : hostname;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}/api/trpc`;
  const get = async (proc, input) => {
    const r = await fetch(`${base}/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return r.ok ? (await r.json()).result?.data : null;
  };
  try {
    const list = await get('runs.list', { sort: { by: 'updatedAt', dir: 'desc' }, limit: 1, offset: 0 });
    const r = list?.rows?.[0];
    if (!r) return;
    const tags = ((await get('runs.tags', { runId: r.id })) ?? []).map((t) => t.tag).slice(0, 8);
    if (tags.length) await get('metrics.series', { runIds: [r.id], tags, x: 'step', maxPoints: 100 });
  } catch {
    // warming is an optimisation only
  }
}
