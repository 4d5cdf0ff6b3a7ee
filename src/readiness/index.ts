// Layer readiness: probes (one file per kind), liveness checks, the ready file, /livez and
// /readyz, and the report when a service is not ready. May import process (capture), os,
// config (shell words), types and errors.
export { waitReady, describeProbe } from './probes/index.js';
export { writeReadyFile, removeReadyFile, checkHealth } from './ready-file.js';
