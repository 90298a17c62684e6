// Environment defaults for the shipped flow, applied before Node-RED loads flows.
// Node-RED substitutes `${VAR}` only when VAR is set, so every variable the default flow reads
// is given a value here (an empty one means "not configured" to the nodes).
'use strict';
const path = require('node:path');

/** The environment variables the default flow reads (README, "Environment variables"). */
const FLOW_VARIABLES = [
  'OFFICE_CODE', 'OFFICE_TZ', 'DENTRIX_CONNECTION', 'DENTRIX_USER', 'DENTRIX_PASSWORD',
  'DENTRIX_RECALL_SQL', 'RECALL_WATCH_DIR', 'RECALL_LEDGER_DB', 'RECALL_LEDGER_SECRET',
  'CRM_WEBHOOK_URL', 'CRM_API_TOKEN', 'CRM_SIGNING_SECRET', 'CRM_SUPPRESSION_URL',
  'RECALL_DRY_RUN', 'RECALL_MAX_PER_RUN', 'RECALL_SCHEDULE', 'RECALL_AS_OF', 'HEALTHCHECK_URL',
];

const DEMO_LEDGER_SECRET = 'demo-ledger-secret-change-me';
const DEMO_CREDENTIAL_SECRET = 'demo-credential-secret-change-me';

function isSet(env, name) {
  return typeof env[name] === 'string' && env[name].trim() !== '';
}

/**
 * Fills unset variables in `env` (in place). Returns what a person starting the
 * service should be told: whether this is the demo, and which defaults are unsafe.
 */
function applyEnvDefaults(env, userDir) {
  const demo = !isSet(env, 'RECALL_WATCH_DIR');
  const warnings = [];
  if (demo) {
    env.RECALL_WATCH_DIR = path.join(userDir, 'recall-inbox');
    if (!isSet(env, 'OFFICE_CODE')) env.OFFICE_CODE = 'DEMO';
  }
  if (!isSet(env, 'RECALL_LEDGER_DB')) env.RECALL_LEDGER_DB = path.join(userDir, 'recall-ledger.sqlite');
  // The ledger node resolves a relative file against the user dir, the ledger tab's
  // sqlite node against the working directory: make it absolute so both open one file.
  else env.RECALL_LEDGER_DB = path.resolve(userDir, env.RECALL_LEDGER_DB);
  if (!isSet(env, 'RECALL_DRY_RUN')) env.RECALL_DRY_RUN = 'true';
  if (!isSet(env, 'RECALL_MAX_PER_RUN')) env.RECALL_MAX_PER_RUN = '500';
  // RECALL_SCHEDULE stays unset: the schedule node's own days and times apply until it is set
  if (!isSet(env, 'RECALL_LEDGER_SECRET')) {
    env.RECALL_LEDGER_SECRET = DEMO_LEDGER_SECRET;
    warnings.push('RECALL_LEDGER_SECRET is not set: the ledger uses the public demo secret. Set it before sending for real.');
  }
  let credentialSecret = env.NODE_RED_CREDENTIAL_SECRET;
  if (!credentialSecret || credentialSecret.trim() === '') {
    credentialSecret = DEMO_CREDENTIAL_SECRET;
    warnings.push('NODE_RED_CREDENTIAL_SECRET is not set: stored credentials are encrypted with the public demo secret. Set it before entering real passwords or tokens.');
  }
  for (const name of FLOW_VARIABLES) if (env[name] === undefined) env[name] = '';
  return { demo, credentialSecret, warnings, refusals: liveRunRefusals(env, credentialSecret) };
}

/** RECALL_DRY_RUN turns dry-run off (the nodes read the same words as false). */
function isLiveRun(env) {
  return ['false', '0', 'no', 'off'].includes(String(env.RECALL_DRY_RUN || '').trim().toLowerCase());
}

/**
 * Why a live run must not start: without an editor login any program on the machine
 * can change the flow, and with a published demo secret contact keys can be turned back
 * into chart numbers and the suppression hashes of phones guessed. Empty for a dry-run.
 */
function liveRunRefusals(env, credentialSecret) {
  if (!isLiveRun(env)) return [];
  const refusals = [];
  if (!isSet(env, 'NODE_RED_ADMIN_PASSWORD_HASH')) {
    refusals.push('NODE_RED_ADMIN_PASSWORD_HASH is not set: a live run needs an editor login. Make a bcrypt hash with `npx node-red admin hash-pw` and set it (and NODE_RED_ADMIN_USER, default admin).');
  }
  if (env.RECALL_LEDGER_SECRET.trim() === DEMO_LEDGER_SECRET) {
    refusals.push('RECALL_LEDGER_SECRET is not set or is the public demo secret: set a long random secret of your own (keep a copy; changing it later means everyone is sent again).');
  }
  if (credentialSecret.trim() === DEMO_CREDENTIAL_SECRET) {
    refusals.push('NODE_RED_CREDENTIAL_SECRET is not set or is the public demo secret: set a long random secret of your own before entering real passwords or tokens.');
  }
  return refusals;
}

/** The text a refused live run prints before it stops. */
function refusalText(refusals) {
  return `[recall] NOT STARTED: RECALL_DRY_RUN is off (a live run), and:\n${refusals.map((r) => `  - ${r}`).join('\n')}\n` +
    '[recall] Set these in the environment (the service: recall.env), or set RECALL_DRY_RUN=true to try the flow without sending.';
}

module.exports = { applyEnvDefaults, liveRunRefusals, refusalText, FLOW_VARIABLES, DEMO_LEDGER_SECRET, DEMO_CREDENTIAL_SECRET };
