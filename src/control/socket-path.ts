// The control socket's default path: one owner, shared by `berth run` and `berth ctl`.

/** /run/berth/control.sock for root, /tmp/berth-UID/control.sock for anyone else (who cannot write /run). */
export function defaultControlSocket(uid: number): string {
  return uid === 0 ? '/run/berth/control.sock' : `/tmp/berth-${uid}/control.sock`;
}
