// What a preset read, reduced to a digest a reload compares (a changed nginx.conf, pool file …).
// Not node:crypto's sha256: requiring node:crypto cost ~10 ms of every start with a preset, on
// the way to the first service (and 14 of Node's modules, ~0.7 MB resident). The digest is only
// compared, in the same process, with the one of the previous read: two 32-bit lanes of
// multiply-xor mixing (as cyrb53) and the length tell a change from none. Whoever could choose
// two texts that collide could write the config itself.
export function configDigest(text: string): string {
  let a = 0xdeadbeef ^ text.length;
  let b = 0x41c6ce57 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  return `${hex(b)}${hex(a)}-${text.length}`;
}
