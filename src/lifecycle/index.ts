// Layer lifecycle: one run, from preflight to the exit status (supervisor.ts reads top to
// bottom). May import every layer below the cli: readiness, presets, process, pid1, control,
// jobs, os, output, types and errors.
export { supervise, type SupervisorDeps } from './supervisor.js';
