// What `php-fpm -tt` prints on stderr: its log lines ("[22-Nov-2026 10:00:00] NOTICE: …"),
// with the effective configuration dumped at NOTICE level. When error_log is
// /proc/self/fd/2 (as in the official image) every line comes twice; log_level above
// notice hides the dump altogether.

export interface FpmDump {
  global: Map<string, string>;
  /** pool name → key → value, in the order php-fpm printed the pools */
  pools: Map<string, Map<string, string>>;
  /** "configuration file X test is successful" */
  configFile?: string;
}

const LOG_LINE = /^\[[^\]]*\] (DEBUG|NOTICE|WARNING|ERROR|ALERT): (.*)$/;

export function parseFpmDump(stderr: string): FpmDump {
  const dump: FpmDump = { global: new Map(), pools: new Map() };
  let section: Map<string, string> | undefined;
  for (const raw of stderr.split('\n')) {
    const m = LOG_LINE.exec(raw.replace(/\r$/, ''));
    if (!m || m[1] !== 'NOTICE') continue;
    const body = m[2]!;
    const header = /^\[(.*)\]$/.exec(body);
    const entry = /^\t([^\s=]+) = (.*)$/.exec(body);
    const success = /^configuration file (.+) test is successful\s*$/.exec(body);
    if (header) {
      const name = header[1]!;
      if (name === 'global' || name === 'General') section = dump.global;
      else section = dump.pools.get(name) ?? dump.pools.set(name, new Map()).get(name);
    } else if (entry && section) {
      section.set(entry[1]!.toLowerCase(), entry[2]!);
    } else if (success) {
      dump.configFile = success[1]!;
    }
  }
  return dump;
}

/** "undefined" is how -tt prints a value nobody set. */
export function dumped(section: Map<string, string> | undefined, key: string): string | undefined {
  const v = section?.get(key);
  return v === undefined || v === 'undefined' ? undefined : v;
}

function logged(stderr: string, levels: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const raw of stderr.split('\n')) {
    const m = LOG_LINE.exec(raw.replace(/\r$/, ''));
    if (m && levels.includes(m[1]!)) seen.add(m[2]!.trim());
  }
  return [...seen];
}

/** The reasons php-fpm gives for refusing a configuration, once each, without timestamps. */
export function fpmErrors(stderr: string): string[] {
  const all = logged(stderr, ['ERROR', 'ALERT']);
  const reasons = all.filter((r) => r !== 'FPM initialization failed');
  return reasons.length > 0 ? reasons : all;
}

/** What php-fpm accepts but warns about ("Nothing matches the include pattern …"). */
export const fpmWarnings = (stderr: string): string[] => logged(stderr, ['WARNING']);
