// The closed sets of values the config takes; zod-free for the no-config path.
export const PRESETS = ['php-fpm', 'nginx'] as const;
export const RESTART_POLICIES = ['never', 'on-failure', 'always'] as const;
export const LOG_FORMATS = ['json', 'pretty', 'raw'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** the signals berth passes on to services (CONTRACT §3); the others stop berth itself */
export const FORWARDED_SIGNALS = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
export const OVERLAP_POLICIES = ['skip', 'allow', 'replace'] as const;
export const MAX_REPLICAS = 64;
