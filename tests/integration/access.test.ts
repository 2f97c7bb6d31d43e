// Access to `lrscope watch` over real HTTP: bound off loopback a token is generated and every page, API
// call, subscription, sample image and static file demands it (bearer header, or the cookie `?token=`
// sets once); a foreign Host header is refused (DNS rebinding), on loopback too; the sample endpoint
// serves no file outside the run's samples/; every response carries the security headers; bad input is
// a 400 and a batch is bounded.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freePort, startWatch, trpcClient, until, type WatchProc } from '../helpers/watchProcess';
import { buildLamaRun, lamaSpec, type BuiltRun } from '../helpers/lamaTree';
import { cli } from '../helpers/cli';

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw GET (node:http, so the Host header is ours to set). */
function get(port: number, pathAndQuery: string, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathAndQuery, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    // an event stream never ends: what came so far is enough
    req.setTimeout(3000, () => req.destroy());
    req.end();
  });
}

function expectSecurityHeaders(r: Res, what: string) {
  expect(r.headers['content-security-policy'], what).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(r.headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
  expect(r.headers['x-content-type-options'], what).toBe('nosniff');
  expect(r.headers['x-frame-options'], what).toBe('DENY');
  expect(r.headers['referrer-policy'], what).toBe('no-referrer');
}

const trpcGet = (proc: string, input: unknown) => `/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`;

describe('access to lrscope watch', () => {
  let tmp: string;
  let run: BuiltRun;
  let shared: WatchProc; // --host 0.0.0.0: generated token
  let local: WatchProc; // loopback, open
  let localToken: WatchProc; // loopback with $LRSCOPE_TOKEN
  let sp: number;
  let lp: number;
  let tp: number;
  const TOKEN = 'loopback-token-0123456789';

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-access-'));
    const project = path.join(tmp, 'project');
    run = buildLamaRun(project, lamaSpec({ user: 'secret_user', maxEpochs: 1, limitTrainBatches: 20 }));
    const samples = path.join(run.runDir, 'samples', 'epoch0000_val');
    fs.mkdirSync(samples, { recursive: true });
    fs.writeFileSync(path.join(samples, 'batch0000000.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    fs.symlinkSync('/etc/passwd', path.join(samples, 'passwd.jpg'));
    [sp, lp, tp] = [await freePort(), await freePort(), await freePort()];
    [shared, local, localToken] = await Promise.all([
      startWatch([project, '--db', path.join(tmp, 'a.sqlite'), '--port', String(sp), '--host', '0.0.0.0', '--read-only']),
      startWatch([project, '--db', path.join(tmp, 'b.sqlite'), '--port', String(lp)]),
      startWatch([project, '--db', path.join(tmp, 'c.sqlite'), '--port', String(tp)], { env: { LRSCOPE_TOKEN: TOKEN } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([shared?.stop(), local?.stop(), localToken?.stop()]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('bound to 0.0.0.0 (token generated)', () => {
    const bearer = () => ({ authorization: `Bearer ${shared.token}` });

    it('prints a ready-to-open address carrying a fresh token', () => {
      expect(shared.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(shared.output()).toMatch(new RegExp(`Dashboard: http://[^/\\s]+:${sp}/\\?token=${shared.token}`));
      expect(shared.output()).toMatch(/needs the access token/);
      expect(shared.output()).toMatch(/Read-only/);
    });

    it('without the token every kind of request is a 401 that names no run', async () => {
      const api = await until(async () => {
        const r = await get(sp, trpcGet('runs.list', {}), bearer());
        return r.status === 200 && r.body.includes('secret_user') ? r : null; // what must not leak below
      });
      const [id] = (JSON.parse(api.body) as { result: { data: { rows: { id: number }[] } } }).result.data.rows.map((r) => r.id);
      for (const p of [
        '/',
        `/runs/${id}`,
        '/compare?runs=1,2',
        trpcGet('runs.list', {}),
        trpcGet('runs.get', { id }),
        `/api/trpc/live.onChange?input=${encodeURIComponent('{}')}`,
        `/api/samples?run=${id}&path=${encodeURIComponent('epoch0000_val/batch0000000.jpg')}`,
        '/icon.svg',
        '/_next/static/chunks/does-not-matter.js',
      ]) {
        const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { cookie: `lrscope_${sp}=forged` }, { accept: 'text/event-stream' }];
        for (const headers of attempts) {
          const r = await get(sp, p, headers);
          expect(r.status, `${p} ${JSON.stringify(headers)}`).toBe(401);
          expect(r.body).not.toMatch(/secret_user|lama_fourier|j_doe/);
          expect(r.headers['www-authenticate']).toBe('Bearer realm="lrscope"');
          expectSecurityHeaders(r, p);
        }
      }
    });

    it('?token= once sets an HttpOnly SameSite=Strict cookie and redirects to the address without it', async () => {
      const r = await get(sp, `/runs/1?x=step&token=${shared.token}`);
      expect(r.status).toBe(303);
      expect(r.headers.location).toBe('/runs/1?x=step');
      const [cookie] = r.headers['set-cookie'] ?? [];
      expect(cookie).toMatch(new RegExp(`^lrscope_${sp}=[A-Za-z0-9_-]+; Path=/; HttpOnly; SameSite=Strict`));
      expect(cookie).not.toContain(shared.token!);
      const page = await get(sp, '/', { cookie: cookie.split(';')[0] });
      expect(page.status).toBe(200);
      expect(page.body).toContain('<html');
      const list = await get(sp, trpcGet('runs.list', {}), { cookie: cookie.split(';')[0] });
      expect(list.status).toBe(200);
      expect((await get(sp, `/?token=not-the-token-at-all`)).status).toBe(401);
    });

    it('the printed address works as printed', async () => {
      const r = await fetch(`${shared.url}/?token=${shared.token}`, { redirect: 'manual' });
      expect(r.status).toBe(303);
      const page = await fetch(`${shared.url}/`, { headers: { cookie: r.headers.get('set-cookie')!.split(';')[0] } });
      expect(page.status).toBe(200);
    });

    it('the tRPC client and the live subscription work with the bearer header', async () => {
      const api = trpcClient(shared.url, shared.token);
      const list = await until(async () => (await api.runs.list.query({})).rows.find((r) => r.name === run.name));
      expect(list.kind).toBe('lama');
      await new Promise<void>((resolve, reject) => {
        const sub = api.live.onChange.subscribe({}, {
          onStarted: () => {
            sub.unsubscribe();
            resolve();
          },
          onError: reject,
        });
      });
      await expect(trpcClient(shared.url, 'wrong-token-wrong-token').runs.list.query({})).rejects.toThrow();
    });

    it('a foreign Host is refused even with the right token', async () => {
      for (const host of ['attacker.example.com', `attacker.example.com:${sp}`, `127.0.0.1:${sp + 1}`]) {
        const r = await get(sp, trpcGet('runs.list', {}), { ...bearer(), host });
        expect(r.status, host).toBe(421);
        expect(r.body).not.toContain('secret_user');
      }
    });

    it('the sample endpoint serves the run\'s images and nothing outside them', async () => {
      const id = (await trpcClient(shared.url, shared.token).runs.list.query({})).rows.find((r) => r.name === run.name)!.id;
      const ok = await get(sp, `/api/samples?run=${id}&path=${encodeURIComponent('epoch0000_val/batch0000000.jpg')}`, bearer());
      expect(ok.status).toBe(200);
      expect(ok.headers['content-type']).toBe('image/jpeg');
      expectSecurityHeaders(ok, 'sample');
      for (const p of [
        'epoch0000_val/passwd.jpg', // the symlink to /etc/passwd
        '../../../../../../etc/passwd',
        'epoch0000_val/../../../../../../../etc/passwd.jpg',
        '%2e%2e/%2e%2e/etc/passwd',
        '..%2F..%2F..%2Fetc%2Fpasswd',
        '/etc/passwd',
        'epoch0000_val/batch0000000.jpg\0',
      ]) {
        const r = await get(sp, `/api/samples?run=${id}&path=${encodeURIComponent(p)}`, bearer());
        expect(r.status, p).toBe(404);
        expect(r.body).not.toContain('root:');
      }
      // the raw (not re-encoded) forms too
      for (const raw of ['../../../../etc/passwd', '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%252e%252e%252fetc%252fpasswd']) {
        const r = await get(sp, `/api/samples?run=${id}&path=${raw}`, bearer());
        expect(r.status, raw).toBe(404);
      }
      expect((await get(sp, `/api/samples?run=abc&path=x.jpg`, bearer())).status).toBe(404);
    });

    it('bad input is a 400, never a 500; a batch is bounded in size and in points', async () => {
      const bad = await get(sp, trpcGet('metrics.series', { runIds: [1], tags: ['epoch'], maxPoints: 1e9 }), bearer());
      expect(bad.status).toBe(400);
      expect((await get(sp, trpcGet('runs.get', { id: 'x' }), bearer())).status).toBe(400);
      expect((await get(sp, '/api/trpc/runs.get?input=%7Bnot%20json', bearer())).status).toBe(400);
      const procs = Array.from({ length: 101 }, () => 'runs.tags');
      const input = Object.fromEntries(procs.map((_, i) => [i, { runId: 1 }]));
      const tooMany = await get(sp, `/api/trpc/${procs.join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`, bearer());
      expect(tooMany.status).toBe(400);
      // calls of 6 series × 20k points against a 1M budget: six fit, of nine the ninth is refused
      const id = (await trpcClient(shared.url, shared.token).runs.list.query({})).rows[0].id;
      const calls = Array.from({ length: 6 }, () => 'metrics.series');
      const tags6 = { runIds: [id], tags: ['train_gen_l1', 'train_gen_adv', 'train_discr_adv', 'epoch', 'val_ssim_total_mean', 'val_ssim_fid100_f1_total_mean'], maxPoints: 20_000 };
      const batchInput = Object.fromEntries(calls.map((_, i) => [i, tags6])); // 6 series × 20k = 120k each
      const ok = await get(sp, `/api/trpc/${calls.join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(batchInput))}`, bearer());
      expect(ok.status).toBe(200);
      const big = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [i, tags6])); // 9 × 120k = 1.08M
      const over = await get(sp, `/api/trpc/${Array(9).fill('metrics.series').join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(big))}`, bearer());
      const answers = JSON.parse(over.body) as { result?: unknown; error?: { json?: { message: string; data: { httpStatus: number } }; message?: string; data?: { httpStatus: number } } }[];
      const errors = answers.filter((a) => a.error);
      expect(errors).toHaveLength(1);
      expect(JSON.stringify(errors[0])).toMatch(/too much data for one request/);
      expect(JSON.stringify(errors[0])).toMatch(/"httpStatus":400/);
    });
  });

  describe('bound to loopback', () => {
    it('open without a token, as before; answers to localhost, 127.0.0.1 and [::1]', async () => {
      expect(local.token).toBeNull();
      for (const host of [`127.0.0.1:${lp}`, `localhost:${lp}`, `[::1]:${lp}`]) {
        const r = await get(lp, trpcGet('runs.list', {}), { host });
        expect(r.status, host).toBe(200);
      }
    });

    it('refuses a rebinding Host (an attacker\'s name resolving to 127.0.0.1)', async () => {
      for (const host of ['attacker.example.com', `attacker.example.com:${lp}`, `127.0.0.1.nip.io:${lp}`, `localhost:${lp + 1}`]) {
        const r = await get(lp, trpcGet('runs.list', {}), { host });
        expect(r.status, host).toBe(421);
        expect(r.body).not.toContain('secret_user');
        expectSecurityHeaders(r, host);
      }
      expect((await get(lp, '/', { host: 'attacker.example.com' })).status).toBe(421);
    });

    it('pages carry the security headers, and every script of the page carries the response\'s nonce', async () => {
      for (const p of ['/', '/compare?runs=1', '/runs/1']) {
        const r = await get(lp, p);
        expect(r.status, p).toBe(200);
        expectSecurityHeaders(r, p);
        const nonce = /'nonce-([^']+)'/.exec(r.headers['content-security-policy'] as string)![1];
        const scripts = [...r.body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
        expect(scripts.length).toBeGreaterThan(0);
        for (const s of scripts) expect(s, `${p}: ${s}`).toContain(`nonce="${nonce}"`);
      }
      // a fresh nonce per response
      const a = (await get(lp, '/')).headers['content-security-policy'];
      const b = (await get(lp, '/')).headers['content-security-policy'];
      expect(a).not.toBe(b);
      // a nonce the client sends is never the one used
      const forged = await get(lp, '/', { 'content-security-policy': "script-src 'nonce-forged'" });
      expect(forged.body).not.toContain('nonce="forged"');
    });

    it('with $LRSCOPE_TOKEN the token is required on loopback too', async () => {
      expect(localToken.token).toBe(TOKEN);
      expect((await get(tp, trpcGet('runs.list', {}))).status).toBe(401);
      expect((await get(tp, trpcGet('runs.list', {}), { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    });

    it('an unusable token is refused before anything starts', async () => {
      const r = await cli('watch', tmp, '--token', 'short', '--no-dashboard');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/the token must be 16–256 characters/);
    });
  });
});
