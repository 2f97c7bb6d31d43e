// `lrscope serve --tls-cert/--tls-key`: the dashboard and the agent endpoint over HTTPS, so an agent on a
// training node sends its token and data encrypted. A self-signed certificate made here by openssl; the agent
// trusts it through NODE_EXTRA_CA_CERTS, as a team with a private CA would.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freePort, startWatch, type WatchProc } from '../helpers/watchProcess';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';

const TOKEN = 'serve-tls-token-0123456789';

function pointCount(db: string): number {
  const h = openDb(db, { readonly: true });
  try {
    return (h.sqlite.prepare('SELECT COUNT(*) AS n FROM points').get() as { n: number }).n;
  } finally {
    h.close();
  }
}

describe('lrscope serve over HTTPS', () => {
  let tmp: string;
  let serve: WatchProc;
  let cert: string;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-tls-'));
    cert = path.join(tmp, 'cert.pem');
    const key = path.join(tmp, 'key.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl could not make a test certificate: ${r.stderr}`);
    serve = await startWatch(['--db', path.join(tmp, 'server.db'), '--port', String(await freePort()), '--token', TOKEN, '--tls-cert', cert, '--tls-key', key], {
      command: 'serve',
      env: { LRSCOPE_TOKEN: TOKEN },
    });
  }, 120_000);
  afterAll(async () => {
    await serve?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('prints an https:// address and refuses plain HTTP on that port', async () => {
    expect(serve.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const plain = await new Promise<string>((resolve) => {
      const req = http.get(serve.url.replace('https:', 'http:') + '/api/trpc/runs.list', (res) => {
        res.resume();
        resolve(`HTTP ${res.statusCode}`);
      });
      req.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
    // a TLS server answers a clear-text request with a TLS alert / 400, never with data
    expect(plain).not.toBe('HTTP 200');
  });

  it('an agent pushes a run over HTTPS (trusting the certificate), every point once', () => {
    const project = path.join(tmp, 'project');
    fs.cpSync(path.resolve('tests/fixtures/lama-run'), project, { recursive: true });
    const agent = spawnSync(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'agent', project, '--server', serve.url, '--token', TOKEN, '--once'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: cert, LRSCOPE_SOURCE_HOST: 'node-tls' },
      timeout: 120_000,
    });
    expect(agent.status, agent.stderr + agent.stdout).toBe(0);
    // the same folder ingested locally: the reference count
    const ref = path.join(tmp, 'ref.db');
    const h = openDb(ref);
    ingestPaths(new Store(h), [project]);
    h.close();
    expect(pointCount(path.join(tmp, 'server.db'))).toBe(pointCount(ref));
    expect(pointCount(ref)).toBeGreaterThan(100);
  }, 150_000);

  it('an agent that does not trust the certificate stops with one clear line', () => {
    const agent = spawnSync(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'agent', path.join(tmp, 'project'), '--server', serve.url, '--token', TOKEN, '--once'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
      timeout: 120_000,
    });
    expect(agent.status).not.toBe(0);
    expect(agent.stderr.trim().split('\n')).toHaveLength(1);
  }, 150_000);
});
