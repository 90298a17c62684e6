// Node-RED settings for `npm start`, the services (flows/service/) and the end-to-end
// tests: loopback only, no telemetry or update prompts, credentials encrypted with
// NODE_RED_CREDENTIAL_SECRET, an admin login when NODE_RED_ADMIN_PASSWORD_HASH is set.
// flows/start.js also puts flows/admin-guard.js in front of the server: a foreign Host
// or Origin is refused on every route and on /comms, with or without the login.
'use strict';
const path = require('node:path');
const { applyEnvDefaults, refusalText } = require('./env-defaults');
const { dashboardSocketGuard } = require('./dashboard-auth');

const userDir = process.env.RECALL_USER_DIR || path.resolve(__dirname, '..', '.node-red');
const { credentialSecret, refusals } = applyEnvDefaults(process.env, userDir);
// `node-red --settings flows/settings.js` without flows/start.js refuses the same live runs
if (refusals.length > 0) throw new Error(refusalText(refusals));

// An admin login for the editor and admin API when a bcrypt hash is given
// (`npx node-red admin hash-pw` prints one); without it the editor is open to
// whoever can reach 127.0.0.1 on this machine.
const adminHash = (process.env.NODE_RED_ADMIN_PASSWORD_HASH || '').trim();
const adminUser = (process.env.NODE_RED_ADMIN_USER || 'admin').trim();
const adminAuth = adminHash ? { type: 'credentials', users: [{ username: adminUser, password: adminHash, permissions: '*' }] } : undefined;
// The dashboard page (/dashboard) and any HTTP-in route ask for the same login (HTTP basic).
const httpNodeAuth = adminHash ? { user: adminUser, pass: adminHash } : undefined;

module.exports = {
  uiHost: '127.0.0.1',
  uiPort: Number(process.env.PORT || 1880),
  flowFile: 'flows.json',
  flowFilePretty: true,
  credentialSecret,
  adminAuth,
  httpNodeAuth,
  // FlowFuse Dashboard 2.0: its socket.io link gets the login check too
  dashboard: { ioMiddleware: dashboardSocketGuard(httpNodeAuth) },
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
