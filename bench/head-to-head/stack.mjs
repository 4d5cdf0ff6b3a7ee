// The stack under test — real php8.2-fpm behind real nginx on a unix socket — laid out in a
// temporary directory, once per supervisor, plus each supervisor's own configuration.
//
// The php-fpm and nginx files are examples/php-nginx's own (etc/, nginx/, public/), copied and
// rewritten as test/fixtures/presets/example.ts does: the socket path and the port are made
// per-run. If the example is missing or no longer has the strings rewritten here, the harness
// falls back to the copy embedded below (the example as of this harness) and says so.
// What the harness adds on top, the same for every supervisor:
//   - php-fpm.d/zz-bench.conf: `pm = static`, 20 children (the example's dynamic pool of 5
//     serves at most 100 req/s of a 50 ms page; the load is 200 req/s)
//   - public/slow.php: usleep(50 ms), then its pid and its parent's pid (to tell a worker of a
//     live master from an orphan)
//   - nginx `-g 'daemon off; pid DIR/run/nginx.pid;'`, so parallel stacks do not share /run/nginx.pid,
//     and `worker_connections 512` instead of 64, so a stall under load cannot run nginx out of them
//   - logs: 'official' keeps the example's (error_log = /proc/self/fd/2, access_log /dev/stdout);
//     'files' sends php-fpm's error log (-O keeps it on stderr too), php-fpm's access log and
//     nginx's access log to files, for a supervisor whose children cannot open /proc/self/fd/N
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLE = join(REPO, 'examples/php-nginx');
// BERTH_BIN (with SNAPSHOT=0): another build of berth, e.g. a worktree of the commit before a change
export const BERTH_BIN = process.env.BERTH_BIN || join(REPO, 'bin/berth.js');
export const PHP_FPM = '/usr/sbin/php-fpm8.2';
export const NGINX = '/usr/sbin/nginx';
export const SUPERVISORD = '/usr/bin/supervisord';
export const S6_SVSCAN = '/usr/bin/s6-svscan';

const EXAMPLE_SOCKET = '/var/run/php-fpm/php-fpm.sock';
const EXAMPLE_LISTEN = '127.0.0.1:8080';

export const SUPERVISORS = ['berth', 'supervisord', 's6'];
/**
 * The peers as someone who knows them would configure them for this stack, for the start and
 * stop tests only (restart and idle are the same as untuned):
 * - supervisord-tuned: stopsignal=QUIT (graceful for both programs), php-fpm priority 10 and
 *   nginx 20 (so php-fpm is spawned first and nginx stopped first). supervisord has no way to
 *   wait for php-fpm's socket before starting nginx.
 * - s6-tuned: a `down-signal` of SIGQUIT for both, and nginx's run script waits for php-fpm's
 *   socket file before exec'ing nginx (the hand-written readiness of the incident, done better
 *   than `sleep 2`; it still cannot tell a live socket from a stale one). s6 stops both at once.
 */
export const TUNED = ['supervisord-tuned', 's6-tuned'];
export const baseOf = (sup) => sup.replace(/-tuned$/, '');

/**
 * Write the stack for one supervisor into `dir`. Returns what the harness needs to launch
 * and probe it.
 */
export function writeStack(dir, { supervisor, port, logs, source, berthBin = BERTH_BIN }) {
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'run/php-fpm.sock');
  const used = copyStackFiles(dir, source);
  for (const file of walk(dir)) {
    const text = readFileSync(file, 'utf8');
    let next = text.split(EXAMPLE_SOCKET).join(socket).split(EXAMPLE_LISTEN).join(`127.0.0.1:${port}`);
    next = next.split('worker_connections 64;').join('worker_connections 512;');
    if (logs === 'files') next = next.split('access_log /dev/stdout;').join(`access_log ${join(dir, 'logs/nginx.access.log')};`);
    if (next !== text) writeFileSync(file, next);
  }
  const nginxConf = readFileSync(join(dir, 'nginx/nginx.conf'), 'utf8');
  const www = readFileSync(join(dir, 'etc/php-fpm.d/www.conf'), 'utf8');
  if (!nginxConf.includes(`fastcgi_pass unix:${socket};`) || !nginxConf.includes(`127.0.0.1:${port}`) || !www.includes(`listen = ${socket}`)) {
    throw new Error(`the ${used} php-nginx files no longer name ${EXAMPLE_SOCKET} and ${EXAMPLE_LISTEN} where the harness expects them`);
  }
  writeFileSync(
    join(dir, 'etc/php-fpm.d/zz-bench.conf'),
    [
      '; added by bench/head-to-head: room for 200 req/s of a 50 ms page',
      '[www]',
      'pm = static',
      'pm.max_children = 20',
      ...(logs === 'files'
        ? ['[global]', `error_log = ${join(dir, 'logs/php-fpm.log')}`, '[www]', `access.log = ${join(dir, 'logs/php-fpm.access.log')}`]
        : []),
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'public/slow.php'),
    '<?php\n// bench/head-to-head: a request that takes 50 ms, and who served it\nusleep(50000);\nheader(\'Content-Type: text/plain\');\necho getmypid(), " ", posix_getppid(), "\\n";\n',
  );
  for (const d of ['run', 'logs']) mkdirSync(join(dir, d), { recursive: true });
  // php-fpm's workers and nginx's run as www-data: they must reach into the copy
  for (const p of [dir, ...walk(dir, true)]) chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);

  const fpmArgs = ['-F', ...(logs === 'files' ? ['-O'] : []), '-p', dir];
  const nginxArgs = ['-p', `${dir}/`, '-c', 'nginx/nginx.conf', '-g', `daemon off; pid ${join(dir, 'run/nginx.pid')};`];
  const tuned = supervisor.endsWith('-tuned');
  const launch = { berth: writeBerth, supervisord: writeSupervisord, s6: writeS6 }[baseOf(supervisor)](dir, { port, fpmArgs, nginxArgs, tuned, socket, berthBin });
  return { dir, port, socket, source: used, ...launch };
}

function copyStackFiles(dir, source) {
  const fromExample = source !== 'embedded' && ['etc/php-fpm.d/www.conf', 'nginx/nginx.conf', 'public/index.php'].every((f) => existsSync(join(EXAMPLE, f)));
  if (fromExample) {
    for (const sub of ['etc', 'nginx', 'public']) cpSync(join(EXAMPLE, sub), join(dir, sub), { recursive: true });
    const nginx = readFileSync(join(dir, 'nginx/nginx.conf'), 'utf8');
    const www = readFileSync(join(dir, 'etc/php-fpm.d/www.conf'), 'utf8');
    if (nginx.includes(EXAMPLE_SOCKET) && nginx.includes(EXAMPLE_LISTEN) && www.includes(EXAMPLE_SOCKET)) return 'examples/php-nginx';
  }
  for (const [file, text] of Object.entries(EMBEDDED)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return 'embedded';
}

function walk(dir, withDirs = false) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? [...(withDirs ? [p] : []), ...walk(p, withDirs)] : [p];
  });
}

const yamlList = (xs) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;

/** examples/php-nginx/berth.yaml, with the paths filled in and `restart: on-failure` on php-fpm */
function writeBerth(dir, { port, fpmArgs, nginxArgs, berthBin }) {
  const config = join(dir, 'berth.yaml');
  writeFileSync(
    config,
    [
      '# bench/head-to-head: examples/php-nginx/berth.yaml with this run\'s paths and port',
      `readyFile: ${join(dir, 'run/berth-ready')}`,
      'services:',
      '  php-fpm:',
      '    preset: php-fpm',
      '    restart: on-failure',
      '    stopTimeout: 5s', // the example's: nginx 4 s then php-fpm 5 s fit in shutdownTimeout 9 s
      `    command: ${yamlList(['php-fpm', ...fpmArgs])}`,
      '  nginx:',
      '    preset: nginx',
      `    command: ${yamlList(['nginx', ...nginxArgs])}`,
      `    ready: tcp:${port}`,
      '    stopTimeout: 4s',
      '    main: true',
      '',
    ].join('\n'),
  );
  return { config, argv: [process.execPath, berthBin, '-c', config] };
}

const shq = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** the incident's supervisord.conf: two programs, output to supervisord's own stdout */
function writeSupervisord(dir, { fpmArgs, nginxArgs, tuned }) {
  const config = join(dir, 'supervisord.conf');
  const program = (name, argv, priority) => [
    `[program:${name}]`,
    `command=${argv.map(shq).join(' ')}`,
    'autorestart=true',
    ...(tuned ? ['stopsignal=QUIT', `priority=${priority}`] : []),
    'stdout_logfile=/dev/fd/1',
    'stdout_logfile_maxbytes=0',
    'stderr_logfile=/dev/fd/2',
    'stderr_logfile_maxbytes=0',
    '',
  ];
  writeFileSync(
    config,
    [
      '; bench/head-to-head: the usual supervisord.conf for php-fpm + nginx in one container',
      '[supervisord]',
      'nodaemon=true',
      'user=root',
      'logfile=/dev/null',
      'logfile_maxbytes=0',
      `pidfile=${join(dir, 'run/supervisord.pid')}`,
      '',
      ...program('php-fpm', [PHP_FPM, ...fpmArgs], 10),
      ...program('nginx', [NGINX, ...nginxArgs], 20),
    ].join('\n'),
  );
  return { config, argv: [SUPERVISORD, '-n', '-c', config] };
}

/** s6-svscan on a scandir of two run scripts, nothing else (untuned: no readiness, no finish, no down-signal) */
function writeS6(dir, { fpmArgs, nginxArgs, tuned, socket }) {
  const scan = join(dir, 'scan');
  for (const [name, argv] of [['php-fpm', [PHP_FPM, ...fpmArgs]], ['nginx', [NGINX, ...nginxArgs]]]) {
    mkdirSync(join(scan, name), { recursive: true });
    const wait = tuned && name === 'nginx' ? `until [ -S ${shq(socket)} ]; do sleep 0.01; done\n` : '';
    writeFileSync(join(scan, name, 'run'), `#!/bin/sh\nexec 2>&1\n${wait}exec ${argv.map(shq).join(' ')}\n`, { mode: 0o755 });
    if (tuned) writeFileSync(join(scan, name, 'down-signal'), 'SIGQUIT\n');
  }
  return { config: scan, argv: [S6_SVSCAN, scan] };
}

// examples/php-nginx as of this harness (used only when the example is missing or changed shape)
const EMBEDDED = {
  'etc/php-fpm.conf': '[global]\nprocess_control_timeout = 7s\n\ninclude=etc/php-fpm.d/*.conf\n',
  'etc/php-fpm.d/docker.conf':
    '[global]\nerror_log = /proc/self/fd/2\nlog_limit = 8192\n\n[www]\naccess.log = /proc/self/fd/2\nclear_env = no\ncatch_workers_output = yes\ndecorate_workers_output = no\nlisten = 9000\n',
  'etc/php-fpm.d/www.conf':
    '[www]\nuser = www-data\ngroup = www-data\n\nlisten = /var/run/php-fpm/php-fpm.sock\nlisten.owner = www-data\nlisten.group = www-data\nlisten.mode = 0660\n\npm = dynamic\npm.max_children = 5\npm.start_servers = 2\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n\nping.path = /ping\n',
  'etc/php-fpm.d/zz-docker.conf': '[global]\ndaemonize = no\n\n[www]\n',
  'nginx/fastcgi_params': [
    'QUERY_STRING $query_string', 'REQUEST_METHOD $request_method', 'CONTENT_TYPE $content_type', 'CONTENT_LENGTH $content_length',
    'SCRIPT_NAME $fastcgi_script_name', 'REQUEST_URI $request_uri', 'DOCUMENT_URI $document_uri', 'DOCUMENT_ROOT $document_root',
    'SERVER_PROTOCOL $server_protocol', 'REQUEST_SCHEME $scheme', 'HTTPS $https if_not_empty', 'GATEWAY_INTERFACE CGI/1.1',
    'SERVER_SOFTWARE nginx/$nginx_version', 'REMOTE_ADDR $remote_addr', 'REMOTE_PORT $remote_port', 'SERVER_ADDR $server_addr',
    'SERVER_PORT $server_port', 'SERVER_NAME $server_name', 'REDIRECT_STATUS 200',
  ].map((l) => `fastcgi_param  ${l};\n`).join(''),
  'nginx/nginx.conf': `user www-data;
worker_processes 1;
error_log stderr;

events {
    worker_connections 64;
}

http {
    access_log /dev/stdout;
    default_type text/plain;

    server {
        listen ${EXAMPLE_LISTEN};
        root public;
        index index.php;

        location / {
            try_files $uri $uri/ /index.php$is_args$args;
        }

        location ~ \\.php$ {
            try_files $uri =404;
            include fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
            fastcgi_pass unix:${EXAMPLE_SOCKET};
        }
    }
}
`,
  'public/index.php': '<?php\nheader(\'Content-Type: text/plain\');\nprintf("hello from php-fpm %s (%s), pid %d\\n", PHP_VERSION, PHP_SAPI, getmypid());\n',
};
