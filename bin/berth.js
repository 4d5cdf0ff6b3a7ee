#!/usr/bin/env node
'use strict';
require('./cached.cjs').run(require('node:path').join(__dirname, '../dist/berth.js'));
