// The benchmarks' event file: n scalar events over LaMa's eight per-step training tags (logged every 10
// steps), written through the repository's own event-file writer in 10 000-record chunks.
import fs from 'node:fs';
import path from 'node:path';
import { encodeFileVersionEvent, encodeScalarEvent, eventRecord, eventFileName } from '../../server/ingest/tfeventsWriter';

export const LAMA_TRAIN_TAGS = ['train_gen_l1', 'train_gen_adv', 'train_gen_fm', 'train_gen_resnet_pl', 'train_discr_adv', 'train_adv_discr_real_out', 'train_adv_discr_fake_out', 'train_adv_discr_real_gp'];

/** Writes `<dir>/tb/<event file>` with n scalars; returns its path. */
export function writeLamaEventFile(dir: string, n: number, tags = LAMA_TRAIN_TAGS): string {
  const t0 = 1_795_000_000;
  const file = path.join(dir, 'tb', eventFileName(t0, 'bench-host', 1));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  const parts: Buffer[] = [eventRecord(encodeFileVersionEvent(t0))];
  for (let i = 0; i < n; i++) {
    const step = Math.floor(i / tags.length) * 10 + 9;
    parts.push(eventRecord(encodeScalarEvent({ tag: tags[i % tags.length], step, wallTime: t0 + i * 0.01, value: Math.exp(-step / 1e6) + Math.sin(i) * 0.01 })));
    if (parts.length >= 10_000) {
      fs.writeSync(fd, Buffer.concat(parts));
      parts.length = 0;
    }
  }
  fs.writeSync(fd, Buffer.concat(parts));
  fs.closeSync(fd);
  return file;
}
