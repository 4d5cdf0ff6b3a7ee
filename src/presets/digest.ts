// What a preset read, reduced to a digest a reload compares (a changed nginx.conf, pool file …).
// node:crypto is required on first use: a berth without presets never loads it (14 of Node's
// modules, ~0.7 MB resident).
import { createRequire } from 'node:module';

type Crypto = typeof import('node:crypto');
let crypto: Crypto | undefined;

export function configDigest(text: string): string {
  crypto ??= createRequire(import.meta.url)('node:crypto') as Crypto;
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}
