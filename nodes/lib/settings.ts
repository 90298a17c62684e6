// Reading node settings that may come from the environment.
// Node-RED substitutes `${VAR}` only when the variable is set; an unset one reaches
// the node as the literal text, which must read as "not configured", not as a value.

const WHOLE_ENV_REF = /^\$\{(\w+)\}$/;

/** The setting with any `${VAR}` resolved against `env`; '' when unset. */
export function envSetting(value: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (value === undefined || value === null) return '';
  const text = String(value).trim();
  const ref = WHOLE_ENV_REF.exec(text);
  if (ref) return (env[ref[1]] ?? '').trim();
  return text.replace(/\$\{(\w+)\}/g, (_m, name: string) => env[name] ?? '');
}

/**
 * The value of a typed-input setting. `${VAR}` is expanded only in text typed into the
 * node (type "str"); a value taken from a message or a context is used as it is: a
 * message must not make a node read the environment (`${CRM_API_TOKEN}` in a message
 * field would otherwise become the token, in a URL or in a payload).
 */
export function typedSetting(value: unknown, type: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (type === undefined || type === null || type === '' || type === 'str') return envSetting(value, env);
  if (value === undefined || value === null) return '';
  return String(value).trim();
}

/**
 * Why a field that must only name an environment variable (`${NAME}`) is refused, or
 * undefined when it is empty or a reference. Checked on the field as saved in the flow
 * (before Node-RED substitutes it): a secret typed there would sit in plain text in
 * flows.json (and its backups, exports and version control). The message never repeats it.
 */
export function envRefProblem(label: string, raw: unknown): string | undefined {
  const text = raw === undefined || raw === null ? '' : String(raw).trim();
  if (text === '' || WHOLE_ENV_REF.test(text)) return undefined;
  return `setting "${label}" must name an environment variable as \${NAME}, not hold the secret itself (it would be stored in plain text in flows.json): put the secret in the credential field above or in an environment variable, and change the secret if the flow was shared`;
}

/** A boolean setting: true/1/yes/on (any case) are true, false/0/no/off are false. */
export function boolSetting(value: unknown, fallback: boolean, env?: NodeJS.ProcessEnv): boolean {
  if (typeof value === 'boolean') return value;
  const text = envSetting(value, env).toLowerCase();
  if (text === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new Error(`expected true or false, got "${text}"`);
}

/** A whole-number setting within [min, max]; names the setting in its error. */
export function intSetting(name: string, value: unknown, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER, env?: NodeJS.ProcessEnv): number {
  const text = typeof value === 'number' ? String(value) : envSetting(value, env);
  if (text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`setting "${name}" must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

/** What Node-RED's `RED.nodes.eachNode` offers: the flow's nodes as saved (no `${VAR}` substituted). */
export type EachNode = (cb: (n: Record<string, unknown>) => void) => void;

/** The node's configuration as saved in the flow, or undefined when not found. */
export function savedConfig(eachNode: EachNode, id: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  eachNode((n) => {
    if (n.id === id) found = n;
  });
  return found;
}
