<?php
// Served by php-fpm's www pool, through nginx's fastcgi_pass to the pool's unix socket.
header('Content-Type: text/plain');
printf("hello from php-fpm %s (%s), pid %d\n", PHP_VERSION, PHP_SAPI, getmypid());
