// Who is at the other end of a unix socket: getsockopt(SO_PEERCRED), which the kernel fills in
// at connect() and a client cannot forge. Node has no API for it; bound here on first use.
import { bindLibc } from './koffi.js';

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

const SOL_SOCKET = 1;
const SO_PEERCRED = 17; // Linux, every architecture Node runs on
const UCRED_BYTES = 12; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }

type Getsockopt = (fd: number, level: number, name: number, value: Buffer, len: number[]) => number;
let getsockopt: Getsockopt | null | undefined;
let loadError: string | undefined;

/** The peer of a connected unix socket, or why it cannot be known (no koffi, not a socket). */
export function peerCredentials(fd: number): { ok: true; value: PeerCredentials } | { ok: false; error: string } {
  if (getsockopt === undefined) {
    const r = bindLibc((_koffi, lib) => lib.func('int getsockopt(int fd, int level, int name, void *value, _Inout_ uint32_t *len)') as Getsockopt);
    getsockopt = r.value ?? null;
    loadError = r.error;
  }
  if (!getsockopt) return { ok: false, error: `cannot load the C library: ${loadError ?? 'unknown'}` };
  const buf = Buffer.alloc(UCRED_BYTES);
  const len = [UCRED_BYTES];
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, buf, len) !== 0 || len[0] !== UCRED_BYTES) return { ok: false, error: `getsockopt(SO_PEERCRED) failed on fd ${fd}` };
  return { ok: true, value: { pid: buf.readInt32LE(0), uid: buf.readUInt32LE(4), gid: buf.readUInt32LE(8) } };
}
