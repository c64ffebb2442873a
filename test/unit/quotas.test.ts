// Quota checks count only when there is a limit to count against: a count can be a query over a large zone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CENTRAL_DEFAULTS } from '../../services/central/context.ts';
import { enforceQuota } from '../../services/central/quotas.ts';
import type { Tx } from '../../services/storage/storage.ts';

const tx = (overrides: Record<string, number>) => ({ getQuotas: async () => overrides }) as unknown as Tx;
const options = { ...CENTRAL_DEFAULTS, quotas: { ...CENTRAL_DEFAULTS.quotas, zone_records: 3 } };

test('an unlimited resource is not counted; a limited one is, and going over is refused', async () => {
  let counted = 0;
  const count = async () => { counted++; return 4; };
  await enforceQuota(tx({ zone_records: -1 }), options, 'p', 'zone_records', count);
  assert.is(counted, 0, 'no count for an unlimited project');
  await enforceQuota(tx({}), options, 'p', 'zone_records', 3); // at the limit: allowed
  try {
    await enforceQuota(tx({}), options, 'p', 'zone_records', count);
    assert.unreachable('4 records over a quota of 3');
  } catch (err) {
    assert.match(String((err as Error).message), /zone_records/);
  }
  assert.is(counted, 1);
});

test.run();
