// The build output holds nothing whose source is gone: a compiled spec of a deleted or
// moved test would still run (mocha takes every dist/test/**/*.spec.js) and fail or pass
// for code that no longer exists. `npm run build` empties dist/ first.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './support/paths';

/** Every .js file under `dir`, relative to ROOT/dist. */
function compiled(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) compiled(full, out);
    else if (e.name.endsWith('.js')) out.push(path.relative(path.join(ROOT, 'dist'), full));
  }
  return out;
}

describe('build output', () => {
  it('every compiled file in dist/ has its TypeScript source (no stale output of a deleted file)', () => {
    const dist = path.join(ROOT, 'dist');
    // dist/nodes/vendor: third-party files copied by the asset step, not compiled
    const files = ['nodes', 'test', 'bench'].flatMap((d) => compiled(path.join(dist, d))).filter((f) => !f.startsWith(path.join('nodes', 'vendor') + path.sep));
    assert.ok(files.length > 50, `only ${files.length} compiled files found under ${dist}`);
    const stale = files.filter((f) => !fs.existsSync(path.join(ROOT, f.replace(/\.js$/, '.ts'))));
    assert.deepEqual(stale, [], 'compiled files without a source: run `npm run build` (it empties dist/ first)');
  });
});
