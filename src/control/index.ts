// The control socket `berth ctl` talks to (CONTRACT §10): its protocol, its server and limits,
// its client. Imports only os/ and config/ (signal names); the lifecycle implements
// ControlTarget (lifecycle/operator.ts) and opens the socket (lifecycle/control.ts).
export { PROTOCOL_VERSION, MAX_REQUEST_BYTES, parseRequest, errorReply, okReply, ERROR_STATUS, type Request, type Reply, type ErrorReply, type ErrorCode } from './protocol.js';
export { serveControl, LIMITS, type Caller, type Exchange, type Handler } from './server.js';
export { createHandler } from './handlers.js';
export { listenControl } from './socket.js';
export { defaultControlSocket } from './socket-path.js';
export { callControl, ConnectError } from './client.js';
export { berthAnswering } from './answering.js';
export type { ControlTarget, StatusSnapshot, ServiceStatus, TaskStatus, JobStatus, ReloadOutcome, ReloadChange, ActionResult } from './target.js';
