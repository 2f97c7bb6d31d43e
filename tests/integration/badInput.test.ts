// Bad input of every kind: each becomes an entry in `lrscope errors`, and the rest of the run ingests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll } from 'vitest';
import { cli } from '../helpers/cli';
import { buildLamaRun, lamaSpec, type BuiltRun } from '../helpers/lamaTree';
import { testDbUrl } from '../helpers/testDb';

interface ErrorsJson {
  errors: { file: string; offset: number | null; line: number | null; reason: string; run: string | null }[];
}

function makeOld(file: string): void {
  const t = new Date(Date.now() - 3600_000);
  fs.utimesSync(file, t, t);
}

async function errorsOf(db: string): Promise<ErrorsJson['errors']> {
  const r = await cli('errors', '--db', db, '--json');
  expect(r.code).toBe(0);
  return (JSON.parse(r.out) as ErrorsJson).errors;
}

async function pointsOf(db: string, run: string): Promise<Map<string, number>> {
  const csv = (await cli('export', run, '--db', db)).out.trim().split('\n').slice(1);
  const m = new Map<string, number>();
  for (const l of csv) {
    const tag = l.split(',')[0];
    m.set(tag, (m.get(tag) ?? 0) + 1);
  }
  return m;
}

describe('bad input yields errors and loses no other data', () => {
  let project: string;
  let run: BuiltRun;
  let total: number;
  let db: string;

  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-bad-'));
    run = buildLamaRun(project, lamaSpec());
    total = [...run.written.values()].reduce((n, l) => n + l.length, 0);
    db = testDbUrl(project, 'db');
  });

  it('truncated last record of a file nobody writes any more: error at the record start, all earlier points kept', async () => {
    const bytes = fs.readFileSync(run.eventFile);
    const cut = path.join(run.tbDir, 'events.out.tfevents.1795167999.gpu-node-01.4242.1');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 7));
    makeOld(cut);
    await cli('ingest', project, '--db', db);
    const errs = (await errorsOf(db)).filter((e) => e.file === cut);
    expect(errs).toHaveLength(1);
    expect(errs[0].reason).toMatch(/truncated record/);
    expect(errs[0].offset).toBeGreaterThan(0);
    // the cut copy holds every record but the last; both files' points are stored (restart segments)
    const pts = await pointsOf(db, run.name);
    expect([...pts.values()].reduce((a, b) => a + b, 0)).toBe(total + total - 1);
    fs.rmSync(cut);
  });

  it('a live file ending in a partial record is not an error', async () => {
    const db2 = testDbUrl(project, 'live');
    const bytes = fs.readFileSync(run.eventFile);
    const live = path.join(project, 'live', 'events.out.tfevents.1.h');
    fs.mkdirSync(path.dirname(live), { recursive: true });
    fs.writeFileSync(live, bytes.subarray(0, bytes.length - 7));
    await cli('ingest', path.dirname(live), '--db', db2);
    expect(await errorsOf(db2)).toEqual([]);
    // the writer finishes the record: it is picked up from the stored offset
    fs.appendFileSync(live, bytes.subarray(bytes.length - 7));
    const r = await cli('ingest', path.dirname(live), '--db', db2);
    expect(r.out).toMatch(/1 points/);
  });

  it('a flipped CRC byte: one error at that record, every other record kept', async () => {
    const db3 = testDbUrl(project, 'crc');
    const dir = path.join(project, 'crc', 'version_0');
    fs.mkdirSync(dir, { recursive: true });
    const bytes = Buffer.from(fs.readFileSync(run.eventFile));
    // the 3rd record: find its offset by walking the framing
    let off = 0;
    for (let i = 0; i < 2; i++) off += 16 + Number(bytes.readBigUInt64LE(off));
    const len = Number(bytes.readBigUInt64LE(off));
    bytes[off + 12 + len] ^= 0xff; // first byte of its data CRC
    const f = path.join(dir, 'events.out.tfevents.2.h');
    fs.writeFileSync(f, bytes);
    await cli('ingest', path.join(project, 'crc'), '--db', db3);
    const errs = await errorsOf(db3);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ file: f, offset: off });
    expect(errs[0].reason).toMatch(/CRC/);
    const pts = await pointsOf(db3, 'crc');
    expect([...pts.values()].reduce((a, b) => a + b, 0)).toBe(total - 1);
  });

  it('random bytes named like an event file, empty files, non-UTF-8 log lines, broken YAML, ragged CSV', async () => {
    const db4 = testDbUrl(project, 'many');
    const junk = path.join(run.tbDir, 'events.out.tfevents.1795168000.gpu-node-01.4242.9');
    fs.writeFileSync(junk, Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919 + 13) % 251)));
    const empty = path.join(run.tbDir, 'events.out.tfevents.1795168001.gpu-node-01.4242.10');
    fs.writeFileSync(empty, '');
    const log = path.join(run.runDir, 'train.log');
    const original = fs.readFileSync(log);
    const lines = original.toString('utf8').split('\n');
    const badLine = 5;
    const withBad = Buffer.concat([
      Buffer.from(lines.slice(0, badLine - 1).join('\n') + '\n'),
      Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x0a]),
      Buffer.from(lines.slice(badLine - 1).join('\n')),
    ]);
    fs.writeFileSync(log, withBad);
    const hparams = path.join(run.tbDir, 'hparams.yaml');
    const hparamsText = fs.readFileSync(hparams, 'utf8');
    fs.writeFileSync(hparams, 'optimizers:\n  generator: {kind: adam, lr: [0.001\n  bad: : :\n');
    const lightning = path.join(project, 'lightning_logs', 'version_0');
    fs.mkdirSync(lightning, { recursive: true });
    fs.writeFileSync(path.join(lightning, 'metrics.csv'), 'epoch,step,train_loss,val_loss\n0,9,0.5,\n0,19,0.4\n0,29,0.3,\n0,29,,0.35\n');
    await cli('ingest', project, '--db', db4);
    const errs = await errorsOf(db4);
    const by = (f: string) => errs.filter((e) => e.file === f);
    expect(by(junk)).toHaveLength(1);
    expect(by(junk)[0].reason).toMatch(/corrupt record header/);
    expect(by(empty)[0].reason).toMatch(/empty file/);
    expect(by(log)).toHaveLength(1);
    expect(by(log)[0]).toMatchObject({ line: badLine });
    expect(by(log)[0].reason).toMatch(/UTF-8/);
    expect(by(hparams)[0].reason).toMatch(/YAML does not parse/);
    const csvErr = by(path.join(lightning, 'metrics.csv'));
    expect(csvErr).toHaveLength(1);
    expect(csvErr[0]).toMatchObject({ line: 3 });
    // the rest still ingested: every event point, every validation table, the config's LRs, the other CSV rows
    const pts = await pointsOf(db4, run.name);
    expect([...pts.values()].reduce((a, b) => a + b, 0)).toBe(total);
    const runs = JSON.parse((await cli('runs', '--db', db4, '--json')).out) as { runs: { name: string; genLr: number; points: number }[] };
    expect(runs.runs.find((r) => r.name === run.name)!.genLr).toBe(0.001);
    // rows 9, 29, 29 kept (epoch is a tag too): epoch×3 + train_loss×2 + val_loss×1
    expect(runs.runs.find((r) => r.name.endsWith('version_0'))!.points).toBe(6);
    const { openDb } = await import('../../server/db/open');
    const h = openDb(db4);
    expect((h.sqlite.prepare('SELECT COUNT(*) AS n FROM validation_tables').get() as { n: number }).n).toBe(3);
    h.close();
    // ingesting again repeats no error
    await cli('ingest', project, '--db', db4);
    expect(await errorsOf(db4)).toHaveLength(errs.length);
    fs.writeFileSync(log, original);
    fs.writeFileSync(hparams, hparamsText);
    fs.rmSync(junk);
    fs.rmSync(empty);
  });
});
