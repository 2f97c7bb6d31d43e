import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { RunWatcher } from '../../server/watch/watcher';

describe('RunWatcher errors', () => {
  it('turns an exhausted inotify limit into the one-line fix', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-werr-'));
    const h = openDb(path.join(dir, 'db.sqlite'));
    const lines: string[] = [];
    const w = new RunWatcher({ paths: [dir], store: new Store(h), log: (l) => lines.push(l) });
    w['onError'](Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' }));
    w['onError'](Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    expect(lines[0]).toMatch(/limit on watched files was reached \(ENOSPC\)/);
    expect(lines[0]).toMatch(/sysctl fs\.inotify\.max_user_watches=\d+/);
    expect(lines[0]).toMatch(/--poll/);
    expect(lines[1]).toMatch(/permission denied/);
    h.close();
  });
});
