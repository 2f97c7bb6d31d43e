import fs from 'node:fs';
import { getDb } from '@/server/db/shared';
import { getRun } from '@/server/db/runs';
import { samplePath } from '@/server/db/samples';

export const dynamic = 'force-dynamic';

/** Larger files are not sample images LaMa writes; refused rather than read into memory. */
const MAX_BYTES = 50 * 1024 * 1024;

/**
 * GET /api/samples?run=ID&path=epoch0002_val/batch0000000.jpg — a sample image of a known run. Only an
 * image file really inside that run's samples/ folder is served (samplePath: no `..`, no absolute path,
 * no symlink out); anything else is a 404 that says nothing about why.
 */
export async function GET(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const id = url.searchParams.get('run') ?? '';
  const run = /^\d{1,15}$/.test(id) ? getRun(getDb().sqlite, Number(id)) : null;
  const rel = url.searchParams.get('path') ?? '';
  const file = run ? samplePath(run.path, rel) : null;
  const notFound = () => new Response('not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  if (!file) return notFound();
  let body: Buffer;
  try {
    if ((await fs.promises.stat(file)).size > MAX_BYTES) return notFound();
    body = await fs.promises.readFile(file);
  } catch {
    return notFound();
  }
  const type = /\.png$/i.test(file) ? 'image/png' : /\.webp$/i.test(file) ? 'image/webp' : 'image/jpeg';
  return new Response(new Uint8Array(body), { headers: { 'content-type': type, 'cache-control': 'private, max-age=60' } });
}
