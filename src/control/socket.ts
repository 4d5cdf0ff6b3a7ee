// Where the control socket lives: a directory only berth (and root) may write, the socket
// itself mode 0600. Refuses (78) a directory someone else planted or owns, and anything at
// the path that is not a socket left by a berth that is gone.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:net';
import { dirname } from 'node:path';
import { ensurePrivateDir, UnsafePathError } from '../os/safe-path.js';
import { berthAnswering } from './answering.js';

export type Listening = { ok: true; server: Server; close(): Promise<void> } | { ok: false; message: string; pid?: number };

export async function listenControl(path: string): Promise<Listening> {
  try {
    ensurePrivateDir(dirname(path), { createMode: 0o700 });
  } catch (e) {
    if (e instanceof UnsafePathError) return { ok: false, message: `control socket ${path}: ${e.message}` };
    return { ok: false, message: `control socket ${path}: cannot make its directory ${dirname(path)}: ${(e as Error).message}` };
  }
  const left = await clearLeftover(path);
  if (left) return left;
  const { createServer } = await import('node:net');
  // allowHalfOpen: `echo '{…}' | socat - UNIX-CONNECT:…` closes its side and still gets the reply
  const server = createServer({ allowHalfOpen: true });
  const listened = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    server.once('error', resolve);
    server.listen({ path, exclusive: true }, () => resolve(undefined));
  });
  if (listened) {
    if (listened.code === 'EADDRINUSE') return { ok: false, message: `control socket ${path}: another process bound it a moment ago (another berth starting here?)` };
    return { ok: false, message: `control socket ${path}: cannot listen: ${listened.message}` };
  }
  server.on('error', () => {}); // accept errors (EMFILE) must not end berth
  let ino: number | undefined;
  try {
    chmodSync(path, 0o600); // its directory is berth's alone: the path cannot be swapped under this
    ino = lstatSync(path).ino;
  } catch (e) {
    server.close();
    return { ok: false, message: `control socket ${path}: cannot set its mode: ${(e as Error).message}` };
  }
  return {
    ok: true,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        try {
          if (lstatSync(path).ino === ino) unlinkSync(path); // only the socket berth made
        } catch {
          // gone already
        }
      }),
  };
}

/** What is at path now: nothing, a stale socket (removed), or a refusal. */
async function clearLeftover(path: string): Promise<{ ok: false; message: string; pid?: number } | undefined> {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { ok: false, message: `control socket ${path}: ${(e as Error).message}` };
  }
  if (!st.isSocket()) return { ok: false, message: `control socket ${path}: something that is not a socket is there (${st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : 'a file'}); left alone` };
  const live = await berthAnswering(path, 2_000);
  if (live.answering) return { ok: false, pid: live.pid, message: `berth${live.pid ? ` pid ${live.pid}` : ''} is already running here (it answers at ${path}); did you mean \`berth ctl …\`?` };
  unlinkSync(path); // left by a berth that is gone
  return undefined;
}
