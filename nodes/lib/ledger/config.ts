// Settings of the recall-ledger config node, resolved without Node-RED (unit-tested).
import * as path from 'node:path';
import { boolSetting, envRefProblem, envSetting, intSetting } from '../settings';
import { DEFAULT_BUSY_TIMEOUT_MS } from './sqlite-ledger';

export const DEFAULT_FILE = 'recall-ledger.db';

export interface LedgerConfigInput {
  file?: unknown;
  secretEnv?: unknown;
  busyTimeout?: unknown;
}

export interface LedgerSettings {
  file: string;
  secret: string;
  busyTimeoutMs: number;
  /** why the ledger cannot be used; undefined when it can */
  problem?: string;
}

/** A relative file resolves against the Node-RED user dir (else cwd), like the flows file. */
export function resolveLedgerFile(setting: string, userDir: string | undefined, cwd = process.cwd()): string {
  const file = setting || DEFAULT_FILE;
  return path.resolve(userDir || cwd, file);
}

/**
 * The secret comes from the credential store; when that is empty, from the environment
 * variable named in `secretEnv` (`${RECALL_LEDGER_SECRET}` by default). A credential
 * typed as `${VAR}` is resolved too.
 */
export function ledgerSettings(
  config: LedgerConfigInput,
  credentialSecret: unknown,
  userDir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  /** the "or from env" field as saved in the flow, before Node-RED substituted it (default `config`) */
  saved: { secretEnv?: unknown } = config,
): LedgerSettings {
  const file = resolveLedgerFile(envSetting(config.file, env), userDir);
  const secret = envSetting(credentialSecret, env) || envSetting(config.secretEnv, env);
  let busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS;
  let problem: string | undefined;
  try {
    busyTimeoutMs = intSetting('busy timeout (ms)', config.busyTimeout, DEFAULT_BUSY_TIMEOUT_MS, 0, 600_000, env);
  } catch (err) {
    problem = (err as Error).message;
  }
  const literal = envRefProblem('Key secret: or from env', saved.secretEnv);
  if (literal) problem = literal;
  else if (!secret) {
    const from = String(config.secretEnv ?? '').trim();
    problem = `no key secret: set it in the ledger's credentials${from ? ` or set ${from.replace(/^\$\{(\w+)\}$/, '$1')}` : ''}`;
  }
  return { file, secret, busyTimeoutMs, problem };
}

/**
 * The default flow's ledger tab opens `${RECALL_LEDGER_DB}` with node-red-node-sqlite, which
 * takes the text literally when the variable is unset (a file named `${RECALL_LEDGER_DB}`) and
 * resolves a relative path against the working directory. So when the pack loads, an unset
 * variable is set to the ledger's default file and a relative one made absolute against the
 * user dir, like the ledger node resolves it: both then open the same file.
 * Returns the value set, or undefined when the variable was already an absolute path.
 */
export function applyLedgerDbDefault(env: NodeJS.ProcessEnv, userDir: string | undefined, cwd = process.cwd()): string | undefined {
  const current = (env.RECALL_LEDGER_DB ?? '').trim();
  if (current !== '' && path.isAbsolute(current)) return undefined;
  env.RECALL_LEDGER_DB = resolveLedgerFile(current, userDir, cwd);
  return env.RECALL_LEDGER_DB;
}

export type GateMode = 'reserve' | 'commit' | 'observe';

export interface GateConfigInput {
  mode?: string;
  /** 'mode' (one of the three, typed into the node), or a typed-input type read per message */
  modeType?: string;
  leaseMinutes?: unknown;
  dryRun?: unknown;
}

export interface GateSettings {
  /** the mode typed into the node; undefined when it is read from each message */
  mode?: GateMode;
  leaseMs: number;
  /** an empty setting (RECALL_DRY_RUN unset) means dry-run, as at the sink */
  dryRun: boolean;
}

/** `text` as a gate mode; the error says where it came from. */
export function gateMode(text: string, from: string): GateMode {
  if (text === 'reserve' || text === 'commit' || text === 'observe') return text;
  throw new Error(`mode must be reserve, commit or observe, got "${text}" (from ${from})`);
}

/** idempotency-gate's settings, parsed once at deploy. */
export function gateSettings(config: GateConfigInput, defaultLeaseMs: number, env: NodeJS.ProcessEnv = process.env): GateSettings {
  const type = config.modeType || 'mode';
  const literal = type === 'mode' || type === 'str';
  const mode = literal ? gateMode(envSetting(config.mode || 'reserve', env), `${type} ${config.mode || 'reserve'}`) : undefined;
  const leaseMs = intSetting('lease (minutes)', config.leaseMinutes, defaultLeaseMs / 60_000, 1, 24 * 60, env) * 60_000;
  let dryRun: boolean;
  try {
    dryRun = boolSetting(config.dryRun, true, env);
  } catch (err) {
    throw new Error(`dry-run setting: ${(err as Error).message}`);
  }
  return { mode, leaseMs, dryRun };
}
