import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { joinShellWords, splitShellWords } from '../../src/config/shell-words.js';

describe('a command string splits like Compose splits it', () => {
  it.each([
    ['yarn start', ['yarn', 'start']],
    ['  yarn   start  ', ['yarn', 'start']],
    ["nginx -g 'daemon off;'", ['nginx', '-g', 'daemon off;']],
    ['echo "a b" c', ['echo', 'a b', 'c']],
    ['echo "say \\"hi\\""', ['echo', 'say "hi"']],
    ["echo 'it''s'", ['echo', 'its']],
    ['echo a\\ b', ['echo', 'a b']],
    ['echo $HOME ${X}', ['echo', '$HOME', '${X}']],
    ['echo ""', ['echo', '']],
    ['php-fpm -F -y /etc/php-fpm.conf', ['php-fpm', '-F', '-y', '/etc/php-fpm.conf']],
    ['a|b && c', ['a|b', '&&', 'c']],
  ])('%s', (text, argv) => expect(splitShellWords(text)).toEqual({ ok: true, argv }));

  it('an unterminated quote is an error that shows the text', () => {
    expect(splitShellWords('yarn "start')).toEqual({ ok: false, message: 'unterminated quote (") in "yarn \\"start"' });
  });

  it('joining quotes what needs it, and splits back to the same argv', () => {
    expect(joinShellWords(['nginx', '-g', 'daemon off;'])).toBe("nginx -g 'daemon off;'");
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }), { minLength: 1 }), (argv) => {
        const r = splitShellWords(joinShellWords(argv));
        return r.ok && JSON.stringify(r.argv) === JSON.stringify(argv);
      }),
    );
  });
});
