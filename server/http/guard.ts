// The gate in front of the dashboard (scripts/serve.mjs runs every request through it before Next.js):
// the Host check (DNS rebinding), the access token (bearer header, or a cookie set once from `?token=`)
// and the security headers every response carries, with a fresh CSP nonce that Next.js puts on its own
// scripts. `checkRequest` decides; `createGuard` applies the decision to a node:http request.
import crypto from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { allowedHostNames, normaliseHostName, parseHostHeader } from './access';

export interface GuardOptions {
  /** required token, or null for an open dashboard */
  token: string | null;
  /** the bind address or name */
  host: string;
  /** the port actually bound */
  port: number;
  /** more host names to answer to, on any port (`--allow-host`: a reverse proxy, an SSH tunnel's local port) */
  allowHosts?: string[];
}

interface Resolved {
  token: string | null;
  port: number;
  /** names allowed with the bound port */
  names: Set<string>;
  /** names allowed with any port */
  extra: Set<string>;
  cookieName: string;
  cookieValue: string | null;
}

export type Verdict =
  | { action: 'pass' }
  | { action: 'refuse'; status: 401 | 421; body: string }
  | { action: 'redirect'; location: string; setCookie: string; viaPage: boolean };

/**
 * The policy the dashboard works with. Scripts: only those carrying this response's nonce, and what they
 * load ('strict-dynamic'): Next.js reads the nonce from the request's CSP header and puts it on its
 * inline and chunk scripts (pages are rendered per request). Styles may be inline (React style props,
 * Next's style tags); images from the dashboard itself, data: and blob: (chart PNG export).
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(nonce: string): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(nonce),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
  };
}

function digest(s: string): Buffer {
  return crypto.createHash('sha256').update(s).digest();
}

/** Constant-time string comparison (both sides hashed to one length first). */
export function safeEqual(a: string, b: string): boolean {
  return crypto.timingSafeEqual(digest(a), digest(b));
}

/** The cookie value for a token: derived from it, never the token itself. */
export function sessionValue(token: string): string {
  return crypto.createHmac('sha256', token).update('lrscope dashboard session v1').digest('base64url');
}

function resolve(opts: GuardOptions): Resolved {
  return {
    token: opts.token,
    port: opts.port,
    names: allowedHostNames(opts.host),
    extra: new Set((opts.allowHosts ?? []).filter((h) => h.trim()).map(normaliseHostName)),
    // one cookie per port: two dashboards on one machine do not overwrite each other's
    cookieName: `lrscope_${opts.port}`,
    cookieValue: opts.token ? sessionValue(opts.token) : null,
  };
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function cookie(h: IncomingHttpHeaders, name: string): string | null {
  for (const part of (header(h, 'cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

const UNAUTHORIZED =
  'lrscope: this dashboard needs its access token.\n' +
  'Open the address `lrscope watch` printed (it ends in ?token=…), or send the header `Authorization: Bearer <token>`.\n';
const MISDIRECTED =
  'lrscope: this dashboard does not answer to that Host name (a guard against DNS rebinding).\n' +
  'Open it by the address `lrscope watch` printed, or start it with --allow-host NAME.\n';

/** What to do with one request. Pure: the decision only, no I/O. */
export function checkRequest(req: { method?: string; url?: string; headers: IncomingHttpHeaders }, cfg: GuardOptions | Resolved): Verdict {
  const r = 'names' in cfg ? cfg : resolve(cfg);
  const host = parseHostHeader(header(req.headers, 'host'));
  if (!host || !(r.extra.has(host.name) || (host.port === r.port && r.names.has(host.name)))) return { action: 'refuse', status: 421, body: MISDIRECTED };
  if (!r.token) return { action: 'pass' };

  const url = new URL(req.url ?? '/', 'http://lrscope.invalid');
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null) {
    const method = (req.method ?? 'GET').toUpperCase();
    if (!safeEqual(fromQuery, r.token) || (method !== 'GET' && method !== 'HEAD')) return { action: 'refuse', status: 401, body: UNAUTHORIZED };
    url.searchParams.delete('token');
    // path only (never `//host`: no open redirect), the rest of the query kept
    const location = '/' + url.pathname.replace(/^[/\\]+/, '') + url.search;
    return {
      action: 'redirect',
      location,
      setCookie: `${r.cookieName}=${r.cookieValue}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000`,
      // a link followed from another site: a 303 would carry on that cross-site navigation, in which a
      // SameSite=Strict cookie is not sent; a page that refreshes itself starts a same-site one
      viaPage: header(req.headers, 'sec-fetch-site') === 'cross-site',
    };
  }
  const auth = /^Bearer\s+(\S+)\s*$/i.exec(header(req.headers, 'authorization') ?? '');
  if (auth && safeEqual(auth[1], r.token)) return { action: 'pass' };
  const c = cookie(req.headers, r.cookieName);
  if (c !== null && r.cookieValue !== null && safeEqual(c, r.cookieValue)) return { action: 'pass' };
  return { action: 'refuse', status: 401, body: UNAUTHORIZED };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A request handler prefix: sets the security headers on every response and answers refused requests
 * and token redirects itself. Returns true when it answered, false when the request should go on to
 * Next.js (with a fresh nonce in the request's CSP header for Next to use).
 */
export function createGuard(opts: GuardOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const r = resolve(opts);
  return (req, res) => {
    const nonce = crypto.randomBytes(16).toString('base64');
    const headers = securityHeaders(nonce);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const v = checkRequest(req, r);
    if (v.action === 'pass') {
      // never a policy the client sent: Next.js takes its nonce from this header
      req.headers['content-security-policy'] = headers['content-security-policy'];
      delete req.headers['content-security-policy-report-only'];
      return false;
    }
    res.setHeader('cache-control', 'no-store');
    if (v.action === 'refuse') {
      res.statusCode = v.status;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      if (v.status === 401) res.setHeader('www-authenticate', 'Bearer realm="lrscope"');
      res.end(req.method === 'HEAD' ? undefined : v.body);
      return true;
    }
    res.setHeader('set-cookie', v.setCookie);
    if (v.viaPage) {
      const href = escapeHtml(v.location);
      res.statusCode = 200;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><meta http-equiv="refresh" content="0;url=${href}"><title>lrscope</title><a href="${href}">Continue to lrscope</a>\n`);
    } else {
      res.statusCode = 303;
      res.setHeader('location', v.location);
      res.end();
    }
    return true;
  };
}
