// The dashboard's gate as pure decisions: which token (if any), which Host names, and what each request
// gets — pass, 421, 401, or the one-time redirect that trades `?token=` for a cookie.
import os from 'node:os';
import { describe, it, expect } from 'vitest';
import { allowedHostNames, chooseToken, isLoopbackHost, parseHostHeader, AccessConfigError } from '../../server/http/access';
import { checkRequest, contentSecurityPolicy, securityHeaders, sessionValue } from '../../server/http/guard';

const TOKEN = 'correct-horse-battery-staple';

function req(url: string, headers: Record<string, string> = {}, method = 'GET') {
  return { method, url, headers: { host: '127.0.0.1:3000', ...headers } };
}

describe('choosing the token', () => {
  it('loopback without one configured: open, as before', () => {
    expect(chooseToken({ host: '127.0.0.1' })).toEqual({ token: null, generated: false });
    expect(chooseToken({ host: 'localhost' })).toEqual({ token: null, generated: false });
    expect(chooseToken({ host: '::1' })).toEqual({ token: null, generated: false });
  });

  it('a configured token is required everywhere; --token beats $LRSCOPE_TOKEN', () => {
    expect(chooseToken({ host: '127.0.0.1', flag: TOKEN })).toEqual({ token: TOKEN, generated: false });
    expect(chooseToken({ host: '127.0.0.1', env: TOKEN })).toEqual({ token: TOKEN, generated: false });
    expect(chooseToken({ host: '0.0.0.0', flag: TOKEN, env: 'x'.repeat(20) }).token).toBe(TOKEN);
  });

  it('off loopback without one: a fresh random token each time', () => {
    const a = chooseToken({ host: '0.0.0.0' });
    const b = chooseToken({ host: '192.168.1.5' });
    expect(a.generated && b.generated).toBe(true);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a.token).not.toBe(b.token);
  });

  it('refuses a short token or one with characters a URL would need to escape', () => {
    expect(() => chooseToken({ host: '127.0.0.1', flag: 'short' })).toThrow(AccessConfigError);
    expect(() => chooseToken({ host: '127.0.0.1', flag: 'has spaces in it, sixteen+' })).toThrow(AccessConfigError);
    expect(() => chooseToken({ host: '127.0.0.1', flag: 'a&b=c'.repeat(4) })).toThrow(AccessConfigError);
  });

  it('knows loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', 'a.localhost']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1', 'localhost.example.com']) expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe('Host names', () => {
  it('parses Host headers', () => {
    expect(parseHostHeader('localhost:3000')).toEqual({ name: 'localhost', port: 3000 });
    expect(parseHostHeader('[::1]:8080')).toEqual({ name: '::1', port: 8080 });
    expect(parseHostHeader('Example.COM.')).toEqual({ name: 'example.com', port: 80 });
    for (const bad of [undefined, '', 'a b', 'x:y:z', 'user@host:1', 'host/path', 'host:99999999']) expect(parseHostHeader(bad), String(bad)).toBeNull();
  });

  it('bound to loopback: the loopback names only', () => {
    const names = allowedHostNames('127.0.0.1');
    expect([...names].sort()).toEqual(['127.0.0.1', '::1', 'localhost']);
  });

  it('bound to one address: that address, plus --allow-host names', () => {
    expect([...allowedHostNames('192.168.7.7', ['Box.Lab'])].sort()).toEqual(['192.168.7.7', 'box.lab']);
  });

  it('bound to every interface: every local address, the host name and loopback', () => {
    const names = allowedHostNames('0.0.0.0');
    for (const n of ['127.0.0.1', 'localhost', '::1', os.hostname().toLowerCase()]) expect(names.has(n), n).toBe(true);
    for (const a of Object.values(os.networkInterfaces()).flatMap((l) => l ?? [])) expect(names.has(a.address.replace(/%.*$/, '').toLowerCase())).toBe(true);
    expect(names.has('attacker.example.com')).toBe(false);
  });
});

describe('checkRequest', () => {
  const open = { token: null, host: '127.0.0.1', port: 3000 };
  const locked = { token: TOKEN, host: '127.0.0.1', port: 3000 };

  it('refuses a foreign Host, a wrong port or no Host at all with 421 (DNS rebinding), also when open', () => {
    for (const host of ['attacker.example.com:3000', 'attacker.example.com', '127.0.0.1:3001', '127.0.0.1', 'localhost.attacker.com:3000']) {
      expect(checkRequest(req('/', { host }), open), host).toMatchObject({ action: 'refuse', status: 421 });
    }
    expect(checkRequest({ method: 'GET', url: '/', headers: {} }, open)).toMatchObject({ action: 'refuse', status: 421 });
    for (const host of ['127.0.0.1:3000', 'localhost:3000', 'LocalHost:3000', '[::1]:3000']) expect(checkRequest(req('/', { host }), open), host).toEqual({ action: 'pass' });
  });

  it('open: everything passes, a stray ?token included', () => {
    expect(checkRequest(req('/api/trpc/runs.list'), open)).toEqual({ action: 'pass' });
    expect(checkRequest(req('/?token=whatever'), open)).toEqual({ action: 'pass' });
  });

  it('locked: 401 without the token, and the body names nothing of the data', () => {
    for (const r of [req('/'), req('/api/trpc/runs.list'), req('/api/samples?run=1&path=x.jpg'), req('/_next/static/chunks/x.js')]) {
      const v = checkRequest(r, locked);
      expect(v).toMatchObject({ action: 'refuse', status: 401 });
      expect((v as { body: string }).body).not.toMatch(/run|tag/i);
    }
  });

  it('locked: a bearer header or the session cookie passes; wrong ones do not', () => {
    expect(checkRequest(req('/', { authorization: `Bearer ${TOKEN}` }), locked)).toEqual({ action: 'pass' });
    expect(checkRequest(req('/', { authorization: `bearer ${TOKEN}` }), locked)).toEqual({ action: 'pass' });
    expect(checkRequest(req('/', { authorization: `Bearer ${TOKEN}x` }), locked)).toMatchObject({ status: 401 });
    expect(checkRequest(req('/', { authorization: `Basic ${TOKEN}` }), locked)).toMatchObject({ status: 401 });
    const cookie = `other=1; lrscope_3000=${sessionValue(TOKEN)}`;
    expect(checkRequest(req('/', { cookie }), locked)).toEqual({ action: 'pass' });
    // the cookie is derived from the token, not the token; and it is per port
    expect(checkRequest(req('/', { cookie: `lrscope_3000=${TOKEN}` }), locked)).toMatchObject({ status: 401 });
    expect(checkRequest(req('/', { cookie: `lrscope_4000=${sessionValue(TOKEN)}` }), locked)).toMatchObject({ status: 401 });
    expect(sessionValue(TOKEN)).not.toContain(TOKEN);
  });

  it('locked: ?token= once gives the cookie and a redirect to the same address without it', () => {
    const v = checkRequest(req(`/runs/3?x=step&token=${TOKEN}&zoom=1`), locked);
    expect(v).toEqual({
      action: 'redirect',
      location: '/runs/3?x=step&zoom=1',
      setCookie: `lrscope_3000=${sessionValue(TOKEN)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000`,
      viaPage: false,
    });
    expect(checkRequest(req(`/?token=${TOKEN}`), locked)).toMatchObject({ location: '/' });
    // followed from another site: a page that refreshes itself (a Strict cookie rides only same-site)
    expect(checkRequest(req(`/?token=${TOKEN}`, { 'sec-fetch-site': 'cross-site' }), locked)).toMatchObject({ action: 'redirect', viaPage: true });
    // never an open redirect to another host
    for (const url of [`//attacker.example.com/?token=${TOKEN}`, `/\\attacker.example.com/?token=${TOKEN}`, `///attacker.example.com/x?token=${TOKEN}`]) {
      const v = checkRequest(req(url), locked) as { location: string };
      expect(v.location, url).toMatch(/^\/(?![/\\])/);
    }
  });

  it('locked: a wrong ?token= is a 401, and so is one on a POST', () => {
    expect(checkRequest(req('/?token=nope'), locked)).toMatchObject({ status: 401 });
    expect(checkRequest(req(`/api/trpc/x?token=${TOKEN}`, {}, 'POST'), locked)).toMatchObject({ status: 401 });
  });

  it('--allow-host names pass on any port (a proxy, an SSH tunnel to another local port); others keep the bound port', () => {
    const cfg = { token: null, host: '127.0.0.1', port: 3000, allowHosts: ['Dash.Example.org', 'localhost'] };
    for (const host of ['dash.example.org', 'dash.example.org:443', 'localhost:8080', 'localhost:3000']) expect(checkRequest(req('/', { host }), cfg), host).toEqual({ action: 'pass' });
    for (const host of ['127.0.0.1:8080', 'example.org', 'evil.dash.example.org']) expect(checkRequest(req('/', { host }), cfg), host).toMatchObject({ status: 421 });
  });

  it('the host check comes first: the right token from a foreign Host is still refused', () => {
    expect(checkRequest(req('/', { host: 'attacker.example.com:3000', authorization: `Bearer ${TOKEN}` }), locked)).toMatchObject({ status: 421 });
  });
});

describe('security headers', () => {
  it('CSP: scripts by nonce only, no framing, nothing from elsewhere', () => {
    const csp = contentSecurityPolicy('abc123==');
    expect(csp).toContain("script-src 'self' 'nonce-abc123==' 'strict-dynamic'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    expect(securityHeaders('n')).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
  });
});
