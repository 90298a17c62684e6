import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FLOW_MODULES, listFlowModules } from '../../../nodes/lib/install/user-modules';
import { ROOT } from '../../support/paths';

describe('listing the flow\'s Node-RED modules in the user dir', () => {
  let dir: string;
  const pkgFile = () => path.join(dir, 'package.json');
  const readPkg = () => JSON.parse(fs.readFileSync(pkgFile(), 'utf8'));
  const installed = (name: string, version: string) => {
    fs.mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
  };
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-user-modules-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adds each module npm put in node_modules as ~version, keeps the rest of package.json and its indent', () => {
    const text = JSON.stringify({ name: 'node-red-project', private: true, dependencies: { 'node-red-contrib-dentrix-recall': '~0.1.0' } }, null, 4) + '\n';
    fs.writeFileSync(pkgFile(), text);
    installed('node-red-node-sqlite', '1.1.1');
    installed('node-red-node-email', '5.2.5');
    const res = listFlowModules(dir, ['node-red-node-sqlite', 'node-red-node-email']);
    assert.deepEqual(res, { added: ['node-red-node-sqlite@~1.1.1', 'node-red-node-email@~5.2.5'] });
    const pkg = readPkg();
    assert.deepEqual(pkg.dependencies, { 'node-red-contrib-dentrix-recall': '~0.1.0', 'node-red-node-email': '~5.2.5', 'node-red-node-sqlite': '~1.1.1' });
    assert.equal(pkg.name, 'node-red-project');
    assert.match(fs.readFileSync(pkgFile(), 'utf8'), /^\{\n {4}"name"/);
    assert.ok(fs.readFileSync(pkgFile(), 'utf8').endsWith('}\n'));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['node_modules', 'package.json'], 'no temp file left');
  });

  it('leaves a module the user listed (any version) and one npm did not install there alone', () => {
    fs.writeFileSync(pkgFile(), JSON.stringify({ dependencies: { 'node-red-node-sqlite': '1.0.0' } }));
    installed('node-red-node-sqlite', '1.1.1');
    const before = fs.readFileSync(pkgFile(), 'utf8');
    assert.deepEqual(listFlowModules(dir), { added: [] });
    assert.equal(fs.readFileSync(pkgFile(), 'utf8'), before, 'unchanged');
  });

  it('does nothing without a package.json, and says why when it cannot read or write it', () => {
    installed('node-red-node-email', '5.2.5');
    assert.deepEqual(listFlowModules(dir), { added: [] });
    assert.ok(!fs.existsSync(pkgFile()));
    fs.writeFileSync(pkgFile(), '{ not json');
    const bad = listFlowModules(dir);
    assert.deepEqual(bad.added, []);
    assert.match(bad.problem ?? '', /package\.json is not valid JSON/);
  });

  it('takes the modules from the pack\'s package.json (node-red.dependencies)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    assert.deepEqual(FLOW_MODULES, require(path.join(ROOT, 'package.json'))['node-red'].dependencies);
    assert.ok(FLOW_MODULES.includes('node-red-node-sqlite') && FLOW_MODULES.includes('node-red-node-email'));
  });
});
