import { describe, expect, it } from 'vitest';
import { interpolate } from '../../src/config/interpolate.js';

const env = { HOST: 'db', EMPTY: '', PORT: '5432' };
const value = (text: string) => {
  const r = interpolate(text, env);
  return r.ok ? r.value : `ERROR: ${r.message}`;
};

describe('interpolation', () => {
  it.each([
    ['${HOST}', 'db'],
    ['postgres://${HOST}:${PORT}/app', 'postgres://db:5432/app'],
    ['${EMPTY}', ''],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${HOST:-fallback}', 'db'],
    ['${MISSING-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${MISSING:-}', ''],
    ['${MISSING:-${HOST}}', 'db'],
    ['${MISSING:-${ALSO_MISSING:-deep}}', 'deep'],
    ['${HOST:?needed}', 'db'],
    ['$$', '$'],
    ['$${HOST}', '${HOST}'],
    ['price: $$5', 'price: $5'],
    ['$HOST stays for the shell', '$HOST stays for the shell'],
    ['a lone $ stays', 'a lone $ stays'],
    ['^ready$', '^ready$'],
    ['${MISSING:-a $$ in a default}', 'a $ in a default'],
    ['${MISSING:-false}', 'false'],
  ])('%s → %s', (text, expected) => expect(value(text)).toBe(expected));

  it.each([
    ['${MISSING}', "ERROR: MISSING is not set; set it in berth's environment, or give a default: ${MISSING:-value}"],
    ['${MISSING:?give the database host}', 'ERROR: MISSING is not set: give the database host'],
    ['${EMPTY:?must not be empty}', 'ERROR: EMPTY is not set: must not be empty'],
    ['${MISSING?}', 'ERROR: MISSING is not set: MISSING is required'],
    ['${EMPTY?}', ''],
    ['${MISSING:-${ALSO_MISSING}}', "ERROR: ALSO_MISSING is not set; set it in berth's environment, or give a default: ${ALSO_MISSING:-value}"],
    ['${HOST', 'ERROR: unclosed "${" in "${HOST"; write $$ for a literal $'],
    ['${1X}', 'ERROR: invalid variable reference "${1X}"; expected ${NAME}, ${NAME:-default} or ${NAME:?message}'],
    ['${}', 'ERROR: invalid variable reference "${}"; expected ${NAME}, ${NAME:-default} or ${NAME:?message}'],
    ['${HOST:+x}', 'ERROR: invalid variable reference "${HOST:+x}"; after HOST expected :-, -, :? or ?'],
  ])('%s → %s', (text, expected) => expect(value(text)).toBe(expected));
});
