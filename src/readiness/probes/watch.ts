// inotify through fs.watch: learn that a socket or file appeared without polling for it.
import { statSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Call onChange when anything changes in the directory that holds path, or, while that
 * directory is missing, in its nearest existing ancestor. Returns the remover.
 */
export function watchNearest(path: string, onChange: () => void): () => void {
  let watcher: FSWatcher | undefined;
  let watched: Dir | undefined;
  let closed = false;
  const drop = () => {
    watcher?.close();
    watcher = undefined;
    watched = undefined;
  };
  const arm = () => {
    if (closed) return;
    const target = nearestDir(dirname(path));
    if (watcher && target && watched && target.dir === watched.dir && target.ino === watched.ino) return;
    drop();
    if (!target) return;
    try {
      watcher = watch(target.dir, { persistent: false }, () => {
        arm(); // the directory we wait for may have just appeared (or gone)
        onChange();
      });
      watcher.on('error', () => {
        drop();
        onChange();
      });
      watched = target;
    } catch {
      // not watchable (no inotify, too many watches): the probe's safety poll still looks
    }
  };
  arm();
  return () => {
    closed = true;
    drop();
  };
}

interface Dir {
  dir: string;
  ino: number;
}

function nearestDir(dir: string): Dir | undefined {
  for (let d = dir; ; d = dirname(d)) {
    try {
      const st = statSync(d);
      if (st.isDirectory()) return { dir: d, ino: st.ino };
    } catch {
      // missing: look one level up
    }
    if (dirname(d) === d) return undefined;
  }
}
