import { describe, expect, it } from 'vitest';
import { ref, tupleKey, type Tuple, type TupleUpdate } from '../../../src/infra/spicedb/relationships.js';
import { unsupersededUpdates } from '../../../src/outbox/unsuperseded-updates.js';

const member = (user: string): Tuple => ({ resource: ref('tenant', 'T'), relation: 'member', subject: ref('user', user) });
const groupEditor: Tuple = { resource: ref('workspace', 'W'), relation: 'editor', subject: { type: 'group', id: 'G', relation: 'member' } };

describe('unsupersededUpdates', () => {
  it('keeps updates no later event touches and drops the rest, in order', () => {
    const parked: TupleUpdate[] = [
      { op: 'touch', tuple: member('A') },
      { op: 'delete', tuple: member('B') },
      { op: 'touch', tuple: member('C') },
    ];
    const { kept, dropped } = unsupersededUpdates(parked, new Set([tupleKey(member('B'))]));
    expect(kept).toEqual([parked[0], parked[2]]);
    expect(dropped).toEqual([parked[1]]);
  });

  it('matches whole relationships: another relation or subject relation is a different key', () => {
    const parked: TupleUpdate[] = [{ op: 'touch', tuple: groupEditor }];
    const otherSubjectRelation = tupleKey({ ...groupEditor, subject: { type: 'group', id: 'G' } });
    const otherRelation = tupleKey({ ...groupEditor, relation: 'admin' });
    expect(unsupersededUpdates(parked, new Set([otherSubjectRelation, otherRelation])).kept).toEqual(parked);
    expect(unsupersededUpdates(parked, new Set([tupleKey(groupEditor)])).kept).toEqual([]);
  });
});
