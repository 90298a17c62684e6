// Node-RED hides a node module from the palette and the editor after a restart when
// another module names it in `"node-red": {"dependencies": [...]}` and the user dir's
// package.json does not list it (it counts as "not user-installed"). This pack names the
// modules its default flow uses there (sqlite, e-mail, dashboard) so that a palette
// install loads them at once (without a restart); the flow uses their nodes directly, so they
// must also stay visible after a restart: listing them in the user dir's package.json
// is what the palette manager itself does when a user installs a module.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The Node-RED modules the default flow uses besides this pack: package.json `node-red.dependencies`. */
export const FLOW_MODULES: readonly string[] = (() => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8'));
  return pkg['node-red']?.dependencies ?? [];
})();

export interface ListResult {
  /** modules added to package.json, as `name@range` */
  added: string[];
  /** why nothing could be written (the modules then disappear from the palette after a restart) */
  problem?: string;
}

/**
 * Lists each module that npm installed in `<userDir>/node_modules` in `<userDir>/package.json`
 * `dependencies` (as `~<installed version>`, the palette manager's save prefix), unless it is
 * listed already. Does nothing without a package.json or when a module is not there (a module
 * found elsewhere, e.g. beside a global Node-RED, is not this function's to list).
 */
export function listFlowModules(userDir: string, modules: readonly string[] = FLOW_MODULES): ListResult {
  const pkgFile = path.join(userDir, 'package.json');
  let text: string;
  try {
    text = fs.readFileSync(pkgFile, 'utf8');
  } catch {
    return { added: [] };
  }
  let pkg: { dependencies?: Record<string, string> };
  try {
    pkg = JSON.parse(text);
  } catch (err) {
    return { added: [], problem: `${pkgFile} is not valid JSON (${(err as Error).message})` };
  }
  const deps = { ...(pkg.dependencies ?? {}) };
  const added: string[] = [];
  for (const name of modules) {
    if (deps[name]) continue;
    let version: string;
    try {
      version = JSON.parse(fs.readFileSync(path.join(userDir, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      continue;
    }
    deps[name] = `~${version}`;
    added.push(`${name}@~${version}`);
  }
  if (added.length === 0) return { added };
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? '  ';
  const sorted = Object.fromEntries(Object.keys(deps).sort().map((k) => [k, deps[k]]));
  const out = JSON.stringify({ ...pkg, dependencies: sorted }, null, indent) + (text.endsWith('\n') ? '\n' : '');
  const tmp = `${pkgFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, out);
    fs.renameSync(tmp, pkgFile);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    return { added: [], problem: `cannot write ${pkgFile} (${(err as Error).message})` };
  }
  return { added };
}
