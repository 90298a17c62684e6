// Settings of crm-endpoint and crm-webhook-out, resolved without Node-RED (unit-tested).
// Secrets come from the credential store, else from an environment variable named
// as `${VAR}`: the flow file never holds them.
import { boolSetting, envRefProblem, envSetting, intSetting } from '../settings';
import { parseAllowList } from './payload';
import { PRESETS, defaultRate, type EndpointConfig, type PresetName } from './presets';
import type { RetryPolicy } from './retry';
import { checkEndpoint } from './preflight';
import type { SinkSettings } from './sink';

export interface EndpointInput {
  preset?: unknown;
  url?: unknown;
  locationId?: unknown;
  workflowId?: unknown;
  idProperty?: unknown;
  fieldPrefix?: unknown;
  allowPlainHttp?: unknown;
  tokenEnv?: unknown;
  secretEnv?: unknown;
  concurrency?: unknown;
  rateLimit?: unknown;
  rateInterval?: unknown;
}

export interface EndpointLimits {
  concurrency: number;
  /** requests per interval; 0 = none */
  perInterval: number;
  intervalMs: number;
}

export interface ResolvedEndpoint {
  endpoint: EndpointConfig;
  limits: EndpointLimits;
  /** a misconfiguration that refuses every run (red status); undefined when fine */
  problem?: string;
}

/**
 * A secret: the credential, else the `${VAR}` named by the setting. Node-RED has
 * usually substituted that reference already when the variable is set; the editor
 * only accepts the `${VAR}` form, so the flow file never holds the secret itself.
 */
function secretFrom(credential: unknown, envRef: unknown, env: NodeJS.ProcessEnv): string {
  return envSetting(credential, env) || envSetting(envRef, env);
}

/**
 * `saved`: the token/secret "or from" fields as saved in the flow, before Node-RED put
 * the variables' values in (a literal secret there is refused); default `config`.
 */
export function resolveEndpoint(
  config: EndpointInput,
  credentials: { token?: unknown; signingSecret?: unknown } = {},
  env: NodeJS.ProcessEnv = process.env,
  saved: { tokenEnv?: unknown; secretEnv?: unknown } = config,
): ResolvedEndpoint {
  const preset = (envSetting(config.preset, env) || 'generic') as PresetName;
  const endpoint: EndpointConfig = {
    preset,
    url: envSetting(config.url, env),
    locationId: envSetting(config.locationId, env) || undefined,
    workflowId: envSetting(config.workflowId, env) || undefined,
    idProperty: envSetting(config.idProperty, env) || undefined,
    fieldPrefix: envSetting(config.fieldPrefix, env) || undefined,
    allowPlainHttp: false,
  };
  const limits: EndpointLimits = { concurrency: 4, perInterval: 0, intervalMs: 1000 };
  let problem: string | undefined;
  try {
    if (!PRESETS.includes(preset)) throw new Error(`preset must be one of ${PRESETS.join(', ')}, got "${preset}"`);
    endpoint.allowPlainHttp = boolSetting(config.allowPlainHttp, false, env);
    const literal = envRefProblem('Token: or from', saved.tokenEnv) ?? envRefProblem('Signing secret: or from', saved.secretEnv);
    if (literal) throw new Error(literal);
    endpoint.token = secretFrom(credentials.token, config.tokenEnv, env) || undefined;
    endpoint.signingSecret = secretFrom(credentials.signingSecret, config.secretEnv, env) || undefined;
    limits.concurrency = intSetting('concurrency', config.concurrency, 4, 1, 64, env);
    // empty: just under the CRM's published limit (presets), none (generic)
    const rate = defaultRate(preset);
    limits.perInterval = intSetting('requests per interval', config.rateLimit, rate.perInterval, 0, 100_000, env);
    limits.intervalMs = intSetting('interval (seconds)', config.rateInterval, rate.intervalMs / 1000, 1, 3600, env) * 1000;
    // the rules every run needs, at deploy (an unset URL is fine for a dry-run)
    checkEndpoint(endpoint);
  } catch (err) {
    problem = (err as Error).message;
  }
  return { endpoint, limits, problem };
}

export interface SinkInput {
  dryRun?: unknown;
  maxPerRun?: unknown;
  guardHours?: unknown;
  batchSize?: unknown;
  maxAttempts?: unknown;
  timeout?: unknown;
  maxRetryAfter?: unknown;
  allowList?: unknown;
}

/** The sink's settings; throws naming the setting. Dry-run defaults to on. */
export function resolveSink(config: SinkInput, env: NodeJS.ProcessEnv = process.env): SinkSettings {
  let dryRun: boolean;
  try {
    dryRun = boolSetting(config.dryRun, true, env);
  } catch (err) {
    throw new Error(`setting "dry-run": ${(err as Error).message}`);
  }
  const policy: RetryPolicy = {
    maxAttempts: intSetting('max attempts', config.maxAttempts, 5, 1, 50, env),
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    maxRetryAfterMs: intSetting('longest Retry-After (seconds)', config.maxRetryAfter, 300, 0, 3600, env) * 1000,
  };
  return {
    dryRun,
    maxPerRun: intSetting('max per run', config.maxPerRun, 500, 1, 1_000_000, env),
    // one schedule period: the default flow runs once a day
    guardWindowMs: intSetting('blast guard window (hours)', config.guardHours, 12, 0, 168, env) * 3_600_000,
    batchSize: intSetting('batch size', config.batchSize, 1, 1, 1000, env),
    allow: parseAllowList(envSetting(config.allowList, env)),
    policy,
    timeoutMs: intSetting('timeout (seconds)', config.timeout, 10, 1, 300, env) * 1000,
  };
}

/** What a crm-endpoint config node offers its sinks (`RED.nodes.getNode(id)`). */
export interface CrmEndpointProvider {
  readonly resolved: ResolvedEndpoint;
  /** shared by every sink of this endpoint: the CRM's limits are per account */
  readonly limiter: import('./limiter').Limiter;
  readonly client: import('./http').HttpClient;
}
