#!/usr/bin/env node
import '../dist/berth.js';
