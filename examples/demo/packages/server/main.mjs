// The app: like an Nx workspace it only works from the monorepo root.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';

if (!existsSync('nx.json')) {
  console.error(`Could not find Nx modules at ${process.cwd()} (no nx.json): start me from the monorepo root`);
  process.exit(1);
}
const port = Number(process.env.PORT ?? 3000);
const server = createServer((req, res) => {
  if (req.url === '/health') return res.end('ok\n');
  res.end(`hello from the demo app (pid ${process.pid})\n`);
});
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ level: 'info', msg: `listening on 127.0.0.1:${port}` })));
process.on('SIGTERM', () => {
  console.log('SIGTERM: closing the server');
  server.close(() => process.exit(0));
});
