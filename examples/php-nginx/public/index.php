<?php
// Served by php-fpm through nginx's fastcgi_pass to the pool's unix socket.
header('Content-Type: text/plain');
printf("hello from php-fpm %s, pool %s, pid %d\n", PHP_VERSION, $_SERVER['FPM_POOL'] ?? 'www', getmypid());
