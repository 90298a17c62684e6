// One reader for typed-input settings (str, num, bool, env, msg, flow, global, jsonata…).
// `${VAR}` is expanded only in text typed into the node; a value taken from a message,
// a context or the environment is used as it is (nodes/lib/settings.ts says why).
import type { Node, NodeAPI } from 'node-red';
import { envSetting, typedSetting } from '../lib/settings';

/** Types whose value Node-RED looks up; any other type (str, or a node's own literal type) is typed text. */
const LOOKED_UP = new Set(['num', 'bool', 'json', 'date', 'env', 'msg', 'flow', 'global', 'jsonata', 'bin', 're', 'node', 'cred']);

/** The setting's raw value (a Date or a number stays one); text typed into the node has `${VAR}` expanded. */
export function readValue(RED: NodeAPI, node: Node, label: string, value: string | undefined, type: string | undefined, msg?: object): Promise<unknown> {
  if (!type || !LOOKED_UP.has(type)) return Promise.resolve(envSetting(value ?? ''));
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(value ?? '', type, node, (msg ?? {}) as never, (err: Error | null, v: unknown) => {
      if (err) reject(new Error(`setting "${label}": ${err.message}`));
      else resolve(v);
    });
  });
}

/** The setting as trimmed text ('' when empty or unset). */
export async function readText(RED: NodeAPI, node: Node, label: string, value: string | undefined, type: string | undefined, msg?: object): Promise<string> {
  const v = await readValue(RED, node, label, value, type, msg);
  return !type || !LOOKED_UP.has(type) ? (v as string) : typedSetting(v, type);
}

/**
 * A setting read at deploy, without a message (a folder, an office code): typed text with
 * `${VAR}` expanded, or an env / flow / global value as Node-RED sees it (the tab's env first).
 * `fallback` is the text of a node saved before the setting existed.
 */
export function readAtDeploy(RED: NodeAPI, node: Node, value: string | undefined, type: string | undefined, fallback = ''): string {
  if (value === undefined) return envSetting(fallback);
  if (!type || !LOOKED_UP.has(type)) return envSetting(value);
  return typedSetting(RED.util.evaluateNodeProperty(value, type, node, {} as never), type);
}

/**
 * A setting lib parses itself (bool / num as saved, or text with `${VAR}` in older flows):
 * an env one is read as the node sees it (its tab first). A value that is not a variable
 * name is text: Node-RED may have substituted an old `${VAR}` already.
 */
export function envTyped(RED: NodeAPI, node: Node, value: unknown, type: string | undefined): unknown {
  return type === 'env' && /^[A-Za-z_]\w*$/.test(String(value)) ? readAtDeploy(RED, node, String(value), 'env') : value;
}

/** A variable as `node` sees it (its tab's env first), or the process's when there is no node. */
export function envAsSeen(RED: NodeAPI, node: Node | null, name: string): string {
  if (!name) return '';
  const v: unknown = node ? RED.util.evaluateNodeProperty(name, 'env', node, {} as never) : process.env[name];
  return v === undefined || v === null ? '' : String(v);
}
