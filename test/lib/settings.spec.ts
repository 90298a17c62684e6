// lib/settings: reading settings that may name environment variables.
import { strict as assert } from 'node:assert';
import { envRefProblem, typedSetting } from '../../nodes/lib/settings';

describe('lib/settings', () => {
  const env = { SECRET: 's3cr3t', DAY: '2027-01-01' };

  it('typedSetting expands ${VAR} only in text typed into the node', () => {
    assert.equal(typedSetting('${DAY}', 'str', env), '2027-01-01');
    assert.equal(typedSetting('https://crm.example/x?k=${SECRET}', undefined, env), 'https://crm.example/x?k=s3cr3t');
    for (const type of ['msg', 'flow', 'global', 'env', 'jsonata']) {
      assert.equal(typedSetting('https://crm.example/x?k=${SECRET}', type, env), 'https://crm.example/x?k=${SECRET}', type);
      assert.equal(typedSetting(' ${DAY} ', type, env), '${DAY}', type);
    }
    assert.equal(typedSetting(undefined, 'msg', env), '');
  });

  it('envRefProblem accepts empty or ${NAME}, refuses anything else without repeating it', () => {
    for (const ok of [undefined, '', '  ', '${CRM_API_TOKEN}', ' ${X} ']) assert.equal(envRefProblem('Token: or from', ok), undefined, String(ok));
    for (const bad of ['sk_live_abc', '${A}${B}', 'prefix-${A}', '$CRM_API_TOKEN']) {
      const why = envRefProblem('Token: or from', bad) ?? '';
      assert.match(why, /setting "Token: or from" must name an environment variable/);
      assert.ok(!why.includes(bad), bad);
    }
  });
});
