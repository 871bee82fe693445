import { v1 } from '@authzed/authzed-node';

/** `type:id` or `type:id#relation`; the same notation SpiceDB and zed use. */
export interface ObjectRef {
  type: string;
  id: string;
}
export interface SubjectRef extends ObjectRef {
  relation?: string;
}
export interface Tuple {
  resource: ObjectRef;
  relation: string;
  subject: SubjectRef;
  /**
   * When SpiceDB stops counting the relationship (ISO 8601, UTC; OptionalExpiresAt), absent for
   * none. Not part of its identity (tupleKey): a TOUCH with another value, or none, replaces it.
   */
  expiresAt?: string;
}
export type UpdateOp = 'touch' | 'delete';
export interface TupleUpdate {
  op: UpdateOp;
  tuple: Tuple;
}

export const ref = (type: string, id: string): ObjectRef => ({ type, id });

export function tupleKey(t: Tuple): string {
  const subject = `${t.subject.type}:${t.subject.id}${t.subject.relation ? `#${t.subject.relation}` : ''}`;
  return `${t.resource.type}:${t.resource.id}#${t.relation}@${subject}`;
}

export function toObjectReference(o: ObjectRef): v1.ObjectReference {
  return v1.ObjectReference.create({ objectType: o.type, objectId: o.id });
}

export function toSubjectReference(s: SubjectRef): v1.SubjectReference {
  return v1.SubjectReference.create({
    object: toObjectReference(s),
    ...(s.relation ? { optionalRelation: s.relation } : {}),
  });
}

export function toRelationship(t: Tuple): v1.Relationship {
  return v1.Relationship.create({
    resource: toObjectReference(t.resource),
    relation: t.relation,
    subject: toSubjectReference(t.subject),
    ...(t.expiresAt ? { optionalExpiresAt: toTimestamp(t.expiresAt) } : {}),
  });
}

/** The instant as protobuf's Timestamp (whole seconds as a string, then nanoseconds). */
function toTimestamp(iso: string): { seconds: string; nanos: number } {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`invalid expiry ${iso}`);
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

function fromTimestamp(t: { seconds: string; nanos: number }): string {
  return new Date(Number(t.seconds) * 1000 + Math.floor(t.nanos / 1_000_000)).toISOString();
}

/** Whether two tuples of one key agree on their expiry too (what reconcile compares beside the key). */
export const sameExpiry = (a: Tuple, b: Tuple): boolean => (a.expiresAt ?? null) === (b.expiresAt ?? null);

export function toRelationshipUpdate(u: TupleUpdate): v1.RelationshipUpdate {
  return v1.RelationshipUpdate.create({
    operation: u.op === 'touch' ? v1.RelationshipUpdate_Operation.TOUCH : v1.RelationshipUpdate_Operation.DELETE,
    relationship: toRelationship(u.tuple),
  });
}

export function fromRelationship(r: v1.Relationship): Tuple {
  if (!r.resource || !r.subject?.object) throw new Error('relationship without resource or subject');
  return {
    resource: { type: r.resource.objectType, id: r.resource.objectId },
    relation: r.relation,
    subject: {
      type: r.subject.object.objectType,
      id: r.subject.object.objectId,
      ...(r.subject.optionalRelation ? { relation: r.subject.optionalRelation } : {}),
    },
    ...(r.optionalExpiresAt ? { expiresAt: fromTimestamp(r.optionalExpiresAt) } : {}),
  };
}
