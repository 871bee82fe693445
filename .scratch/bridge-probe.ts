import { startSpiceDbBridge } from '../tests/support/spicedb-grpc-bridge.js';
import { connectRemoteSpiceDb } from '../src/infra/spicedb/connect.js';
import { ref } from '../src/infra/spicedb/relationships.js';
const b = await startSpiceDbBridge();
const r = connectRemoteSpiceDb({ endpoint: b.endpoint, token: 'x', insecure: true });
const tok = await r.write([{ op: 'touch', tuple: { resource: ref('tenant', 'T1'), relation: 'admin', subject: ref('user', 'U1') } }]);
console.log('tok', tok);
console.log(await r.readRelationships({ resourceType: 'tenant' }, tok));
console.log(await r.checkBulk([{ resource: ref('tenant', 'T1'), permission: 'view', subject: ref('user', 'U1') }], tok));
console.log(await r.readSchema().then(s => s.length));
try { await r.write([{ op: 'touch', tuple: { resource: ref('tenant', 'T1'), relation: 'nope', subject: ref('user', 'U1') } }]); } catch (e) { const x = e as {name:string;grpcCode:number;transient:boolean;message:string}; console.log(x.name, x.grpcCode, x.transient, x.message); }
await b.stop();
const t0 = Date.now();
for (let i = 0; i < 5; i++) {
  try { await r.write([{ op: 'touch', tuple: { resource: ref('tenant', 'T2'), relation: 'admin', subject: ref('user', 'U1') } }]); console.log('ok?'); } catch (e) { const x = e as {name:string;grpcCode:number;transient:boolean;message:string}; console.log(Date.now()-t0, x.name, x.grpcCode, x.transient, x.message.slice(0,100)); }
  await new Promise(r => setTimeout(r, 100));
}
await b.start();
const t1 = Date.now();
for (;;) {
  try { await r.write([{ op: 'touch', tuple: { resource: ref('tenant', 'T2'), relation: 'admin', subject: ref('user', 'U1') } }]); console.log('back after', Date.now()-t1); break; } catch (e) { await new Promise(r => setTimeout(r, 50)); }
}
r.close(); await b.close();
