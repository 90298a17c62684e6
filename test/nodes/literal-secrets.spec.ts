// The "or from" fields of the config nodes (crm-endpoint token and signing secret,
// recall-ledger key secret) must name an environment variable. A secret typed there
// sits in plain text in flows.json: the runtime refuses it too, not only the editor
// (a flow imported, deployed through the admin API, or edited by hand skips the editor).
import { strict as assert } from 'node:assert';
import type { CrmEndpointProvider } from '../../nodes/lib/crm/config';
import type { LedgerProvider } from '../../nodes/lib/ledger/api';
import { helper, useHelper } from '../support/helper';
import { nodeModule } from '../support/paths';
import { removeTempDirs, tempDir } from '../lib/ledger/tmp';
import * as path from 'node:path';

const endpointNode = nodeModule('crm-endpoint');
const ledgerNode = nodeModule('recall-ledger');
const LITERAL = 'sk_live_9f8e7d6c5b4a';

describe('literal secrets in the "or from" fields (runtime)', function () {
  useHelper();
  afterEach(() => {
    delete process.env.TEST_TOKEN;
    removeTempDirs();
  });

  function errors(id: string): string[] {
    return ((helper.getNode(id) as any).error.getCalls() as { args: unknown[] }[]).map((c) => String(c.args[0]));
  }

  for (const field of ['tokenEnv', 'secretEnv'] as const) {
    it(`crm-endpoint refuses a secret typed into ${field}, without repeating it`, async () => {
      await helper.load(endpointNode, [{ id: 'ep', type: 'crm-endpoint', url: 'https://crm.example/hook', preset: 'generic', [field]: LITERAL }]);
      const problem = (helper.getNode('ep') as unknown as CrmEndpointProvider).resolved.problem ?? '';
      assert.match(problem, /must name an environment variable as \$\{NAME\}/);
      assert.ok(!problem.includes(LITERAL) && !errors('ep').some((e) => e.includes(LITERAL)), 'the secret is not repeated');
      assert.ok(errors('ep').some((e) => /must name an environment variable/.test(e)));
    });
  }

  it('crm-endpoint takes ${VAR} as before (Node-RED substitutes it; the saved field is a reference)', async () => {
    process.env.TEST_TOKEN = 'token-from-env';
    await helper.load(endpointNode, [{ id: 'ep', type: 'crm-endpoint', url: 'https://crm.example/hook', preset: 'generic', tokenEnv: '${TEST_TOKEN}' }]);
    const { resolved } = helper.getNode('ep') as unknown as CrmEndpointProvider;
    assert.equal(resolved.problem, undefined);
    assert.equal(resolved.endpoint.token, 'token-from-env');
  });

  it('recall-ledger refuses a secret typed into "or from env": the ledger does not open', async () => {
    const file = path.join(tempDir(), 'ledger.db');
    await helper.load(ledgerNode, [{ id: 'L', type: 'recall-ledger', file, secretEnv: LITERAL }]);
    const provider = helper.getNode('L') as unknown as LedgerProvider & { problem?: string };
    assert.match(provider.problem ?? '', /setting "Key secret: or from env" must name an environment variable/);
    await assert.rejects(provider.ledger(), /must name an environment variable/);
    assert.ok(!errors('L').some((e) => e.includes(LITERAL)));
  });
});
