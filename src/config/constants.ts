// The closed sets of values the config takes; zod-free for the no-config path.
export const PRESETS = ['php-fpm', 'nginx'] as const;
export const RESTART_POLICIES = ['never', 'on-failure', 'always'] as const;
export const LOG_FORMATS = ['json', 'pretty', 'raw'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** the signals berth passes on to services (CONTRACT §3); the others stop berth itself */
export const FORWARDED_SIGNALS = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
export const OVERLAP_POLICIES = ['skip', 'allow', 'replace'] as const;
export const MAX_REPLICAS = 64;
/** service, task and job names (the no-config path names its one service too) */
export const NAME_MAX = 64;
export const SIMPLE_NAME = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${NAME_MAX - 1}}$`);
export const SIMPLE_NAME_RULE = `a name may use letters, digits, ".", "_" and "-", starts with a letter or digit, and is at most ${NAME_MAX} characters`;
