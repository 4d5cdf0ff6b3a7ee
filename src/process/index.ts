// Layer process: the only place that starts processes (child.ts long-running, capture.ts
// helper commands) and the arithmetic of how they end. May import os, pid1/tty and errors.
export { spawnChild, type Child, type Launcher } from './child.js';
export { captureCommand, type Captured } from './capture.js';
export { exitStatus, type ExitInfo } from './exit.js';
