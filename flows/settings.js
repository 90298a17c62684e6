// Node-RED settings for `npm start` (and the end-to-end tests): loopback only,
// no telemetry or update prompts, credentials encrypted with NODE_RED_CREDENTIAL_SECRET.
'use strict';
const path = require('node:path');
const { applyEnvDefaults } = require('./env-defaults');

const userDir = process.env.RECALL_USER_DIR || path.resolve(__dirname, '..', '.node-red');
const { credentialSecret } = applyEnvDefaults(process.env, userDir);

module.exports = {
  uiHost: '127.0.0.1',
  uiPort: Number(process.env.PORT || 1880),
  flowFile: 'flows.json',
  flowFilePretty: true,
  credentialSecret,
  diagnostics: { enabled: false, ui: false },
  telemetry: { enabled: false, updateNotification: false },
  runtimeState: { enabled: false, ui: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  exportGlobalContextKeys: false,
  externalModules: {},
  editorTheme: {
    page: { title: 'Dental recall' },
    header: { title: 'Dental recall' },
    tours: false,
    projects: { enabled: false },
    palette: {},
    codeEditor: { lib: 'monaco' },
  },
  functionGlobalContext: {},
};
