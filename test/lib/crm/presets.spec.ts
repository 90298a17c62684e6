// How the presets map one record: consent per channel, tags outside the upsert, batches.
import { strict as assert } from 'node:assert';
import { ghlBody, ghlDnd } from '../../../nodes/lib/crm/ghl';
import { createHttpClient } from '../../../nodes/lib/crm/http';
import { buildPayload } from '../../../nodes/lib/crm/payload';
import { planRequests } from '../../../nodes/lib/crm/plan';
import type { EndpointConfig, Item } from '../../../nodes/lib/crm/presets';
import { blockedChannels } from '../../../nodes/lib/crm/items';
import type { RecallContact } from '../../../nodes/lib/types';
import { contact, hmac } from '../../support/contacts';
import { sinkRun } from './sink-setup';

const item = (c: RecallContact): Item => ({ key: c.key!, patientId: c.patientId, at: 0, payload: buildPayload(c, hmac(c.office, c.patientId)), blocked: blockedChannels(c) });
const ghl: EndpointConfig = { preset: 'gohighlevel', url: 'https://ghl.test', locationId: 'loc', allowPlainHttp: false };
const hubspot: EndpointConfig = { preset: 'hubspot', url: 'https://hs.test', allowPlainHttp: false };

describe('crm presets', () => {
  it('GoHighLevel: DND active on SMS and WhatsApp for a text opt-out, Call for voice, Email for e-mail; no tags in the upsert', () => {
    const c = contact(1, { channels: { sms: false, email: false, voice: false }, channelReasons: { sms: 'sms-opt-out', email: 'email-opt-out', voice: 'voice-opt-out' } });
    assert.deepEqual(Object.keys(ghlDnd(item(c).blocked)!).sort(), ['Call', 'Email', 'SMS', 'WhatsApp']);
    const body = ghlBody(item(contact(2, { channels: { sms: true, email: true, voice: true } })), ghl);
    assert.equal('tags' in body, false);
    assert.equal('dndSettings' in body, false, 'an allowed channel is never touched');
  });

  it('GoHighLevel: the add-tags and workflow calls use the id the upsert answered', () => {
    const [req] = planRequests([item(contact(1))], { ...ghl, workflowId: 'wf 1' }, 1).requests;
    const steps = req.then!('{"contact":{"id":"abc/1"}}');
    assert.deepEqual(steps.map((s) => s.url), ['https://ghl.test/contacts/abc%2F1/tags', 'https://ghl.test/contacts/abc%2F1/workflow/wf%201']);
    assert.deepEqual(steps[0].body, { tags: ['due-soon', 'dentrix-recall', 'office:OFF1'] });
    assert.match(req.bodyError!(200, '{"success":true}')!, /no contact id/);
    assert.equal(req.bodyError!(200, '{"contact":{"id":"x"}}'), undefined);
  });

  it('HubSpot: no two inputs with the same id in one batch; each input carries its key as objectWriteTraceId', () => {
    const same = (i: number) => contact(i, { email: 'shared@example.com' });
    const items = [same(1), contact(2), same(3), same(4), contact(5)].map(item);
    const { requests } = planRequests(items, hubspot, 3);
    for (const r of requests) {
      const inputs = (r.body as { inputs: { id: string; objectWriteTraceId: string }[] }).inputs;
      assert.equal(new Set(inputs.map((i) => i.id)).size, inputs.length, JSON.stringify(inputs.map((i) => i.id)));
      assert.deepEqual(inputs.map((i) => i.objectWriteTraceId), r.items.map((i) => i.key));
    }
    assert.equal(requests.flatMap((r) => r.items).length, 5);
  });

  it('HubSpot: the sink default batch size (1) means 100 per request; a 207 is matched by objectWriteTraceId', () => {
    const items = Array.from({ length: 150 }, (_, i) => item(contact(i + 1, { patientId: `P${i}`, email: `p${i}@example.com` })));
    const { requests } = planRequests(items, { ...hubspot, idProperty: 'dentrix_contact_key' }, 1);
    assert.deepEqual(requests.map((r) => r.items.length), [100, 50]);
    const r = requests[1];
    const ok = r.confirmed!(207, JSON.stringify({ results: [{ id: '1', properties: {}, objectWriteTraceId: r.items[3].key }] }))!;
    assert.deepEqual([...ok], [r.items[3].key]);
  });

  it('GoHighLevel dry-run shows the upsert and the calls that follow it', async () => {
    const client = createHttpClient();
    try {
      const out = await sinkRun('https://ghl.test', client, [contact(1)], { settings: { dryRun: true }, endpoint: { ...ghl, workflowId: 'wf1' } }).run();
      const req = out.results[0].request!;
      assert.equal(req.url, 'https://ghl.test/contacts/upsert');
      assert.deepEqual(req.then!.map((t) => t.url), ['https://ghl.test/contacts/<contact id from the upsert>/tags', 'https://ghl.test/contacts/<contact id from the upsert>/workflow/wf1']);
    } finally {
      client.destroy();
    }
  });
});
