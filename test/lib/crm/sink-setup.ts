// A SinkRun against a test server with the defaults the CRM specs share.
import { type HttpClient } from '../../../nodes/lib/crm/http';
import { Limiter } from '../../../nodes/lib/crm/limiter';
import type { EndpointConfig } from '../../../nodes/lib/crm/presets';
import { DEFAULT_POLICY } from '../../../nodes/lib/crm/retry';
import { SinkRun, type SinkContext, type SinkSettings } from '../../../nodes/lib/crm/sink';
import { hmac } from '../../support/contacts';

export interface Setup {
  endpoint?: Partial<EndpointConfig>;
  settings?: Partial<SinkSettings>;
  ctx?: Partial<SinkContext>;
  limiter?: { concurrency?: number; perInterval?: number; intervalMs?: number };
}

export function sinkRun(url: string, client: HttpClient, input: unknown, s: Setup = {}): SinkRun {
  const endpoint: EndpointConfig = { preset: 'generic', url, allowPlainHttp: false, ...s.endpoint };
  const settings: SinkSettings = {
    dryRun: false,
    maxPerRun: 500,
    batchSize: 1,
    allow: [],
    policy: { ...DEFAULT_POLICY, baseDelayMs: 20, maxDelayMs: 50 },
    timeoutMs: 5000,
    ...s.settings,
  };
  const limiter = new Limiter({ concurrency: 4, perInterval: 0, intervalMs: 1000, ...s.limiter });
  return new SinkRun(input, settings, { endpoint, hmac, limiter, client, random: () => 0, ...s.ctx });
}
