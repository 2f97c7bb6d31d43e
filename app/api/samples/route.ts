import fs from 'node:fs';
import { getDb } from '@/server/db/shared';
import { getRun } from '@/server/db/runs';
import { samplePath } from '@/server/db/samples';

export const dynamic = 'force-dynamic';

/** GET /api/samples?run=ID&path=epoch0002_val/batch0000000.jpg — a sample image of a run. */
export function GET(req: Request): Response {
  const url = new URL(req.url);
  const run = getRun(getDb().sqlite, Number(url.searchParams.get('run')));
  const rel = url.searchParams.get('path') ?? '';
  const file = run ? samplePath(run.path, rel) : null;
  if (!file || !fs.existsSync(file)) return new Response('not found', { status: 404 });
  const type = /\.png$/i.test(file) ? 'image/png' : /\.webp$/i.test(file) ? 'image/webp' : 'image/jpeg';
  return new Response(new Uint8Array(fs.readFileSync(file)), { headers: { 'content-type': type, 'cache-control': 'max-age=60' } });
}
