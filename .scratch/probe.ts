import { startTestSpiceDb } from '../tests/support/spicedb.js';
import { ref } from '../src/infra/spicedb/relationships.js';
const t0 = Date.now();
const s = await startTestSpiceDb();
console.log('start ms', Date.now() - t0);
const tok = await s.write([{ op: 'touch', tuple: { resource: ref('tenant', 'T1'), relation: 'admin', subject: ref('user', 'U1') } }]);
console.log('token', tok);
for (const bad of [
  { op: 'touch' as const, tuple: { resource: ref('tenant', 'T1'), relation: 'nope', subject: ref('user', 'U1') } },
  { op: 'touch' as const, tuple: { resource: ref('unknowntype', 'T1'), relation: 'admin', subject: ref('user', 'U1') } },
  { op: 'touch' as const, tuple: { resource: ref('tenant', ''), relation: 'admin', subject: ref('user', 'U1') } },
]) {
  try { await s.write([bad]); console.log('no error'); } catch (e) { const err = e as { name: string; message: string; grpcCode: number; transient: boolean }; console.log(err.name, err.grpcCode, err.transient, err.message); }
}
try { await s.write([{ op: 'touch', tuple: { resource: ref('tenant', 'T1'), relation: 'admin', subject: ref('user', 'U1') } }, { op: 'touch', tuple: { resource: ref('tenant', 'T1'), relation: 'admin', subject: ref('user', 'U1') } }]); console.log('dup ok'); } catch (e) { console.log('dup', (e as Error).message); }
const t1 = Date.now();
const s2 = await startTestSpiceDb();
console.log('second start ms', Date.now() - t1);
s.close(); s2.close();
