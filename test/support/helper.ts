// node-red-node-test-helper bound to the Node-RED under test: `node-red` (4.1)
// by default, `node-red-5` when the matrix runs the suite on Node-RED 5.
import helper = require('node-red-node-test-helper');

export const NODE_RED_MODULE = process.env.NODE_RED_MODULE || 'node-red';
helper.init(require.resolve(NODE_RED_MODULE));

export { helper };

/**
 * The helper's runtime around each test of the calling describe: started before, its
 * flows unloaded and the server stopped after (before the describe's own afterEach).
 */
export function useHelper(): void {
  beforeEach((done) => void helper.startServer(done));
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((r) => helper.stopServer(() => r()));
  });
}
