// Just enough of sh's grammar to see operators outside quotes: words, &, |, ;, && and
// redirections (with their fd: 2>, &>, >>). Nothing is expanded.

export type Token = { kind: 'word'; text: string } | { kind: 'op'; text: string };

const OPS = ['&&', '||', '&>>', '&>', '>>', '>&', '<&', '>|', '<<', ';;', '&', '|', ';', '(', ')', '>', '<', '\n'];

export function scanShell(script: string): Token[] {
  const tokens: Token[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) tokens.push({ kind: 'word', text: word });
    word = '';
    inWord = false;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === "'" || c === '"') {
      const end = script.indexOf(c, i + 1); // good enough: escaped quotes only shorten a word
      word += script.slice(i + 1, end < 0 ? undefined : end);
      inWord = true;
      i = end < 0 ? script.length : end;
    } else if (c === '\\') {
      word += script[++i] ?? '';
      inWord = true;
    } else if (c === '#' && !inWord) {
      while (i + 1 < script.length && script[i + 1] !== '\n') i++;
    } else if (c === ' ' || c === '\t') {
      endWord();
    } else {
      const op = OPS.find((o) => script.startsWith(o, i));
      if (op === undefined) {
        word += c;
        inWord = true;
        continue;
      }
      const fd = (op.startsWith('>') || op.startsWith('<')) && inWord && /^\d+$/.test(word) ? word : ''; // 2> keeps its fd
      if (fd !== '') (word = '', inWord = false);
      endWord();
      tokens.push({ kind: 'op', text: fd + op });
      i += op.length - 1;
    }
  }
  endWord();
  return tokens;
}
