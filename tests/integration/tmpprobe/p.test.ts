import { it } from 'vitest';
import { startTestSpiceDb } from '../../support/spicedb.js';
import { spiceDbTuples } from '../../support/outbox-relay.js';
it('probe', async () => {
  for (let i = 0; i < 3; i++) {
    const s = await startTestSpiceDb();
    await spiceDbTuples(s);
    const t0 = Date.now();
    s.close();
    await new Promise(r => setTimeout(r, 50));
    console.log('close ms', Date.now() - t0);
  }
}, 60000);
