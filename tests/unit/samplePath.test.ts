// The sample-image endpoint's path check (server/db/samples.ts samplePath): only image files really
// inside a run's samples/ folder; `..`, encoded and absolute paths, NUL and symlinks pointing out are
// refused. (Through HTTP, with the route's 404, in tests/integration/access.test.ts.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { samplePath, listSamples } from '../../server/db/samples';

describe('samplePath', () => {
  let tmp: string;
  let run: string;
  let outside: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-samples-'));
    run = path.join(tmp, 'experiments', 'j_doe_2026-11-20_09-30-00_train_lama-fourier_');
    const dir = path.join(run, 'samples', 'epoch0001_val');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'batch0000000.jpg'), 'jpeg bytes');
    fs.writeFileSync(path.join(dir, 'batch0000001.png'), 'png bytes');
    outside = path.join(tmp, 'secret.jpg');
    fs.writeFileSync(outside, 'not a sample');
    fs.symlinkSync('/etc/passwd', path.join(dir, 'passwd.jpg')); // the reported hole
    fs.symlinkSync(outside, path.join(dir, 'secret.jpg'));
    fs.symlinkSync('../../../../secret.jpg', path.join(dir, 'relative.jpg'));
    fs.symlinkSync('batch0000000.jpg', path.join(dir, 'alias.jpg')); // a link that stays inside: fine
    fs.symlinkSync(tmp, path.join(run, 'samples', 'epoch0002_val')); // a folder link out
    fs.mkdirSync(path.join(dir, 'folder.jpg')); // named like an image, not a file
    // a second run whose whole samples/ folder is a link out of it
    const other = path.join(tmp, 'experiments', 'other');
    fs.mkdirSync(other, { recursive: true });
    fs.mkdirSync(path.join(tmp, 'elsewhere', 'epoch0001_val'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'elsewhere', 'epoch0001_val', 'x.jpg'), 'x');
    fs.symlinkSync(path.join(tmp, 'elsewhere'), path.join(other, 'samples'));
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('serves the images listSamples lists, and links that stay inside', () => {
    const listed = listSamples(run).flatMap((g) => g.files);
    expect(listed).toContain('epoch0001_val/batch0000000.jpg');
    expect(samplePath(run, 'epoch0001_val/batch0000000.jpg')).toBe(fs.realpathSync(path.join(run, 'samples', 'epoch0001_val', 'batch0000000.jpg')));
    expect(samplePath(run, 'epoch0001_val/batch0000001.png')).not.toBeNull();
    expect(samplePath(run, 'epoch0001_val/alias.jpg')).toBe(fs.realpathSync(path.join(run, 'samples', 'epoch0001_val', 'batch0000000.jpg')));
  });

  it('refuses symlinks pointing out (to /etc/passwd, to a file beside the run, through a folder link)', () => {
    expect(samplePath(run, 'epoch0001_val/passwd.jpg')).toBeNull();
    expect(samplePath(run, 'epoch0001_val/secret.jpg')).toBeNull();
    expect(samplePath(run, 'epoch0001_val/relative.jpg')).toBeNull();
    expect(samplePath(run, 'epoch0002_val/secret.jpg')).toBeNull();
    expect(samplePath(path.join(tmp, 'experiments', 'other'), 'epoch0001_val/x.jpg')).toBeNull();
  });

  it('refuses traversal, encoded traversal, absolute paths, NUL, non-images and odd shapes', () => {
    for (const rel of [
      '../../../../etc/passwd',
      'epoch0001_val/../../../secret.jpg',
      'epoch0001_val/../../secret.jpg',
      '..%2f..%2fsecret.jpg',
      'epoch0001_val/%2e%2e%2f%2e%2e%2fsecret.jpg',
      'epoch0001_val\\..\\..\\secret.jpg',
      '/etc/passwd',
      outside,
      'epoch0001_val/batch0000000.jpg\0.jpg',
      'epoch0001_val/batch0000000.txt',
      'epoch0001_val/folder.jpg',
      'epoch0001_val/./batch0000000.jpg',
      'batch0000000.jpg',
      'epoch0001_val/sub/batch0000000.jpg',
      'notepoch/batch0000000.jpg',
      'epoch0001_val/missing.jpg',
      '',
      'x'.repeat(5000) + '.jpg',
    ]) {
      expect(samplePath(run, rel), JSON.stringify(rel.slice(0, 80))).toBeNull();
    }
  });
});
