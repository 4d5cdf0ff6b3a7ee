// Layer os: Linux as berth needs it: libc through koffi, /proc (proc.ts processes, net.ts
// listeners, sockets.ts their owners), netlink, paths made safely as root, bounded reads, fs-checks,
// signals, PATH lookups (path-search.ts). May import only node:, koffi, types and errors.
export { processStat, processInfo, listChildren, processStartTime } from './proc.js';
export { tcpListeners, unixListeners } from './net.js';
export { listeningSockets, whoListensOn } from './sockets.js';
export { sendSignal } from './kill.js';
