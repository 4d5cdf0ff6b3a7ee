// Every test file: a berth started without its own control socket (spawned by hand, not
// through startBerth) gets none, so parallel tests never share /run/berth/control.sock.
import { afterAll } from 'vitest';
import { removeScratchDirs } from './scratch.js';

process.env.BERTH_CONTROL ??= 'false';
afterAll(removeScratchDirs); // the temp directories the file made (helpers/scratch.ts)
