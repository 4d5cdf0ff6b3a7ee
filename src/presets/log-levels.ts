// The levels php-fpm's and nginx's error logs write in plain text, so berth's json lines
// carry them: nginx's `connect() failed` is an error, not info. Small on purpose: loaded by
// every run, unlike the rest of the presets.
import type { PresetName } from '../types.js';
import { levelWord, type LevelOf } from '../output/relay/levels.js';

/** `2026/12/06 06:00:00 [error] 7#7: …`, or `nginx: [emerg] …` before the error log is open */
const NGINX = /^(?:\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d |nginx: )\[(debug|info|notice|warn|error|crit|alert|emerg)\] /;

/** `[06-Dec-2026 06:00:00] WARNING: [pool www] …`, with or without the time (log_level's words) */
const PHP_FPM = /^(?:\[[^\]\n]{1,40}\] )?(DEBUG|NOTICE|WARNING|ERROR|ALERT): /;

const byPattern =
  (pattern: RegExp): LevelOf =>
  (line) => {
    const m = pattern.exec(line);
    return m ? levelWord(m[1]!) : undefined;
  };

const LEVELS: Record<PresetName, LevelOf> = { nginx: byPattern(NGINX), 'php-fpm': byPattern(PHP_FPM) };

export function presetLevelOf(preset: PresetName | undefined): LevelOf | undefined {
  return preset ? LEVELS[preset] : undefined;
}
