#!/usr/bin/env node
// Empties dist/ before a build: tsc only adds and overwrites, so the compiled copy of a
// deleted or moved source (a spec above all: mocha runs every dist/test/**/*.spec.js)
// would stay and run. The incremental build info lives in dist/ too and goes with it,
// so tsc never skips emitting into the empty folder. Node, not rm -rf: runs on Windows.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dist = path.resolve(__dirname, '..', 'dist');
// retries: on Windows a file another process just closed can still be locked briefly
fs.rmSync(dist, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
