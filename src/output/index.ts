// Layer output: berth's own events (log.ts) and its children's lines (relay/) to stdout and
// stderr through one sink. May import os, types and errors.
export { createLogger, wantsColor } from './log.js';
export { createRelay } from './relay/index.js';
export { createSink } from './sink/index.js';
