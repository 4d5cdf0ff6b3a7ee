// What a preset read, reduced to a digest a reload compares (a changed nginx.conf, pool file …).
import { createHash } from 'node:crypto';

export function configDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
