// consent-filter's settings, read once at deploy (no Node-RED here). The pull's
// bearer token lives in the credential store (encrypted, never in the flow file),
// typed as is or as `${VAR}` to read it from the environment. One field on purpose:
// Node-RED substitutes `${VAR}` in plain settings before the node sees them, so a
// separate "token from" setting could not tell a variable from a pasted secret.
import type { CountryCode } from 'libphonenumber-js/max';
import { checkRegion } from '../contact/phone';
import { boolSetting, envSetting, intSetting } from '../settings';
import { checkPullUrl } from './pull';

export interface ConsentConfig {
  url?: unknown;
  urlType?: unknown;
  pullTimeout?: unknown;
  continueOnPullFailure?: unknown;
  allowHttp?: unknown;
  region?: unknown;
  noVoiceMask?: unknown;
  noTextMask?: unknown;
}

export interface ConsentSettings {
  region: CountryCode;
  timeoutMs: number;
  noVoiceMask: number;
  noTextMask: number;
  allowHttp: boolean;
  continueOnPullFailure: boolean;
  /** '' = no token */
  token: string;
}

const ENV_REF = /^\$\{(\w+)\}$/;

/** The credential, or the variable it names; a named variable that is unset is an error. */
function tokenFrom(credential: unknown, env: NodeJS.ProcessEnv): string {
  const text = typeof credential === 'string' ? credential.trim() : '';
  const ref = ENV_REF.exec(text);
  if (ref && !env[ref[1]]?.trim()) throw new Error(`setting "token": environment variable ${ref[1]} is not set`);
  return envSetting(text, env);
}

/** The settings; throws naming the setting at fault. */
export function resolveConsent(config: ConsentConfig, credentials: { token?: unknown } = {}, env: NodeJS.ProcessEnv = process.env): ConsentSettings {
  const settings: ConsentSettings = {
    region: checkRegion(envSetting(config.region, env) || 'US'),
    timeoutMs: intSetting('pull timeout (s)', config.pullTimeout, 30, 1, 600, env) * 1000,
    noVoiceMask: intSetting('no-voice bit', config.noVoiceMask, 1, 0, 2 ** 30, env),
    noTextMask: intSetting('no-SMS/e-mail bit', config.noTextMask, 2, 0, 2 ** 30, env),
    allowHttp: boolSetting(config.allowHttp, false, env),
    continueOnPullFailure: boolSetting(config.continueOnPullFailure, false, env),
    token: tokenFrom(credentials.token, env),
  };
  if (String(config.urlType || 'str') === 'str') {
    const url = envSetting(config.url, env);
    if (url) checkPullUrl(url, settings.allowHttp);
  }
  return settings;
}
