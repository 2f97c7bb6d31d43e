// The PostgreSQL side of the synchronous bridge (pg/database.ts): a worker thread that owns one `pg`
// client and runs the requests the main thread posts, strictly in order, each answered on the port and
// signalled on a shared counter the main thread sleeps on (Atomics.wait). It is evaluated as CommonJS
// source (new Worker(WORKER_SOURCE, { eval: true })), so nothing depends on where bundlers put files.
//
// Requests: { id, op: 'query', text, values, array } (extended protocol, a named prepared statement per
// text), { id, op: 'exec', text } (simple protocol, several statements), { id, op: 'migrate', folder }
// (drizzle's node-postgres migrator under an advisory lock), { id, op: 'close' }.
// Answers: { id, ok: true, rows, rowCount } | { id, ok: false, error: { message, code } }.
// Types come back as better-sqlite3 returns them: int8 and numeric as numbers, booleans as 1/0.
export const WORKER_SOURCE = String.raw`
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
const ctrl = new Int32Array(workerData.ctrl);
const port = workerData.port;
const MIGRATE_LOCK = 0x6c72736d;

const toNumber = (v) => Number(v);
const types = {
  getTypeParser(oid, format) {
    if (oid === 20 || oid === 1700) return toNumber;
    if (oid === 16) return (v) => (v === 't' ? 1 : 0);
    return pg.types.getTypeParser(oid, format);
  },
};
const client = new pg.Client({ connectionString: workerData.url, types, application_name: workerData.appName || 'lrscope' });
// an error on an idle connection (server restarted): the next request fails with it
let broken = null;
client.on('error', (err) => { broken = err; });

function signal() {
  Atomics.add(ctrl, 0, 1);
  Atomics.notify(ctrl, 0);
}
function answer(msg) {
  port.postMessage(msg);
  signal();
}
process.on('exit', () => {
  Atomics.store(ctrl, 1, 1);
  signal();
});

const names = new Map();
function nameOf(text) {
  let n = names.get(text);
  if (n === undefined && names.size < 4000) {
    n = 's' + names.size;
    names.set(text, n);
  }
  return n;
}

async function handle(m) {
  if (broken) throw broken;
  switch (m.op) {
    case 'query': {
      const r = await client.query({ text: m.text, values: m.values, rowMode: m.array ? 'array' : undefined, name: nameOf(m.text) });
      return { rows: r.rows, rowCount: r.rowCount ?? 0 };
    }
    case 'copy': {
      // COPY … FROM STDIN with the rows as one text-format string, or binary-format bytes (an ArrayBuffer
      // transferred from the main thread, m.length of them) (pg-copy-streams)
      const { from } = require(workerData.copyPath);
      await new Promise((resolve, reject) => {
        const stream = client.query(from(m.text));
        stream.on('error', reject);
        stream.on('finish', resolve);
        stream.end(typeof m.data === 'string' ? m.data : Buffer.from(m.data, 0, m.length));
      });
      return { rows: [], rowCount: 0 };
    }
    case 'exec': {
      await client.query(m.text);
      return { rows: [], rowCount: 0 };
    }
    case 'migrate': {
      const { drizzle } = require(workerData.drizzlePaths.driver);
      const { migrate } = require(workerData.drizzlePaths.migrator);
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK]);
      try {
        await migrate(drizzle({ client }), { migrationsFolder: m.folder });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK]);
      }
      return { rows: [], rowCount: 0 };
    }
    case 'close': {
      await client.end();
      return { rows: [], rowCount: 0 };
    }
    default:
      throw new Error('unknown request ' + m.op);
  }
}

let chain = client.connect().catch((err) => { broken = err; });
port.on('message', (m) => {
  chain = chain.then(async () => {
    try {
      const r = await handle(m);
      answer({ id: m.id, ok: true, rows: r.rows, rowCount: r.rowCount });
    } catch (err) {
      answer({ id: m.id, ok: false, error: { message: String(err && err.message || err), code: err && err.code ? String(err.code) : undefined } });
    }
    if (m.op === 'close') port.close();
  });
});
`;
