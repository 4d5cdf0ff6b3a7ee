// Ports for tests: loopback only.
import { createServer } from 'node:net';

/** A port nothing listens on right now (127.0.0.1): the kernel's choice, released at once. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
