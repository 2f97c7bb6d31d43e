// The dashboard process that `lrscope watch` supervises: Next.js (production build) on host:port.
// It reports 'ready' / 'error' to the parent over IPC and exits when the parent goes away.
import http from 'node:http';
import next from 'next';

const root = process.env.LRSCOPE_ROOT ?? process.cwd();
const hostname = process.env.LRSCOPE_HOST ?? '127.0.0.1';
const port = Number(process.env.LRSCOPE_PORT ?? 3000);

process.on('disconnect', () => process.exit(0));

const app = next({ dev: false, dir: root, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
const server = http.createServer((req, res) => handle(req, res));
server.on('error', (err) => {
  process.send?.({ type: 'error', code: err.code, message: err.message });
  process.exit(1);
});
server.listen(port, hostname, () => process.send?.({ type: 'ready', port: server.address().port }));
