// Who may reach the dashboard of `lrscope watch`: the access token (when one is needed, where it comes
// from) and the Host names the server answers to. Pure functions; the request guard (guard.ts) and the
// watch command use them. docs/security.md explains the rules.
import crypto from 'node:crypto';
import os from 'node:os';

/** Characters a token may use: URL-safe, so `?token=…` needs no escaping. */
const TOKEN = /^[A-Za-z0-9._~-]{16,256}$/;

export class AccessConfigError extends Error {}

/** A bind address or Host name only this machine can reach: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = normaliseHostName(host);
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** 0.0.0.0 and :: listen on every interface. */
export function isWildcardHost(host: string): boolean {
  const h = normaliseHostName(host);
  return h === '0.0.0.0' || h === '::' || h === '';
}

/** Lower case, without IPv6 brackets and a trailing root dot. */
export function normaliseHostName(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.') && h !== '.') h = h.slice(0, -1);
  return h;
}

export interface TokenChoice {
  /** the token every request must carry, or null when the dashboard is open (loopback, none configured) */
  token: string | null;
  /** true when lrscope made it up (bound off loopback with none given): print it */
  generated: boolean;
}

/**
 * `--token` beats `$LRSCOPE_TOKEN`; a configured token is required wherever the dashboard listens.
 * Without one, a dashboard bound to anything but loopback gets a fresh random token.
 */
export function chooseToken(opts: { host: string; flag?: string; env?: string }): TokenChoice {
  const given = opts.flag ?? (opts.env ? opts.env : undefined);
  if (given !== undefined) {
    if (!TOKEN.test(given)) {
      throw new AccessConfigError(`the token must be 16–256 characters from A–Z a–z 0–9 . _ ~ - (got ${given.length})`);
    }
    return { token: given, generated: false };
  }
  if (isLoopbackHost(opts.host)) return { token: null, generated: false };
  return { token: crypto.randomBytes(24).toString('base64url'), generated: true };
}

/**
 * The host names (without port) a request's Host header may carry, with the bound port. Bound to
 * loopback: localhost, 127.0.0.1, ::1 and the bound name. Bound to one address or name: that one. Bound
 * to every interface: every address of this machine, its host name, and loopback. Plus `extra`. (The
 * guard lets `--allow-host` names through on any port: a reverse proxy, an SSH tunnel's local port.)
 */
export function allowedHostNames(host: string, extra: string[] = []): Set<string> {
  const names = new Set<string>([normaliseHostName(host)]);
  const loopback = ['localhost', '127.0.0.1', '::1'];
  if (isLoopbackHost(host)) for (const n of loopback) names.add(n);
  if (isWildcardHost(host)) {
    names.delete('');
    for (const n of [...loopback, '0.0.0.0', '::', os.hostname()]) names.add(normaliseHostName(n));
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.add(normaliseHostName(a.address.replace(/%.*$/, '')));
  }
  for (const e of extra) if (e.trim()) names.add(normaliseHostName(e));
  return names;
}

/** Splits a Host header into name and port (80 when absent); null when it is not a host[:port]. */
export function parseHostHeader(value: string | undefined): { name: string; port: number } | null {
  if (!value) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return null;
  return { name: normaliseHostName(m[1]), port: m[2] === undefined ? 80 : Number(m[2]) };
}

/**
 * The address to print for people to open: the bound host, or for a wildcard bind this machine's first
 * external IPv4 address (else its host name). IPv6 literals get brackets.
 */
export function displayHost(host: string): string {
  let h = host;
  if (isWildcardHost(host)) {
    const external = Object.values(os.networkInterfaces())
      .flatMap((l) => l ?? [])
      .find((a) => a.family === 'IPv4' && !a.internal);
    h = external?.address ?? os.hostname();
  }
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}
