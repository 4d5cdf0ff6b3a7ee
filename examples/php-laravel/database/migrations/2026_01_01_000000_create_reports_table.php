<?php
// A migration: makes the queue's directory (a real one would create a table).
@mkdir($queue, 0775, true);
