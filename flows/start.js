#!/usr/bin/env node
// `npm start`: Node-RED from this checkout's own dependency, with the project's
// settings, the pack linked in, the default flow installed on first start, and
// (when RECALL_WATCH_DIR is not set) a demo export in the watched folder.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { prepareUserDir, PACK_ROOT } = require('./user-dir');
const { applyEnvDefaults, refusalText } = require('./env-defaults');
const { demoExportCsv } = require('./demo-export');

const userDir = path.resolve(PACK_ROOT, process.env.RECALL_USER_DIR || '.node-red');
process.env.RECALL_USER_DIR = userDir;
const { demo, warnings, refusals } = applyEnvDefaults(process.env, userDir);
if (refusals.length > 0) {
  console.error(refusalText(refusals));
  process.exit(1);
}

const { installedDefaultFlow } = prepareUserDir(userDir);
if (installedDefaultFlow) console.log(`[recall] installed the default flow in ${userDir}`);

if (demo) {
  const watchDir = process.env.RECALL_WATCH_DIR;
  fs.mkdirSync(watchDir, { recursive: true });
  const file = path.join(watchDir, `demo-continuing-care-${Date.now()}.csv`);
  fs.writeFileSync(file, demoExportCsv(new Date()));
  console.log(`[recall] demo mode: RECALL_WATCH_DIR is not set; placed a synthetic export in ${watchDir}`);
}
for (const warning of warnings) {
  console.warn(`\n[recall] ***** WARNING: ${warning} *****\n`);
}

// Run Node-RED in this process, so stopping `npm start` stops Node-RED too.
const red = require.resolve(`${process.env.NODE_RED_MODULE || 'node-red'}/red.js`);
// red.js initialises the runtime module it requires with its server: guard that server
require('./admin-guard').guardNodeRed(require(path.join(path.dirname(red), 'lib', 'red.js')));
process.argv = [process.argv[0], red, '--settings', path.join(__dirname, 'settings.js'), '--userDir', userDir];
require(red);
