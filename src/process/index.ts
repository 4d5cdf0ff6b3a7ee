// Layer process: the only place that starts processes (child.ts long-running, capture.ts
// helper commands), the Runner seam tasks, services and jobs run through (runner.ts), and the
// arithmetic of how they end. May import os, pid1/tty, types and errors.
export { spawnChild, type Child, type Launcher } from './child.js';
export { captureCommand, type Captured } from './capture.js';
export { exitStatus, type ExitInfo } from './exit.js';
export type { Runner } from './runner.js';
