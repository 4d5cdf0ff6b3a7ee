<?php
// The application's page: how far the queue and the scheduler have got.
$storage = getenv('APP_STORAGE') ?: dirname(__DIR__) . '/storage';
$done = count(glob("$storage/queue/done-*") ?: []);
$waiting = count(glob("$storage/queue/*.job") ?: []);
$last = @file_get_contents("$storage/last-schedule-run") ?: 'never';
header('Content-Type: text/plain');
echo "hello from php-fpm " . PHP_VERSION . ", pid " . getmypid() . "\n";
echo "jobs processed: $done, waiting: $waiting, scheduler last ran: $last\n";
