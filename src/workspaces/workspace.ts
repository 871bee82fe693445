export interface Workspace {
  id: string;
  tenantId: string;
  parentId: string | null;
  name: string;
  depth: number;
  isRoot: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** In the trash since (null or absent: live; only the trash's reads set it). */
  deletedAt?: Date | null;
  /** Who moved it to the trash. */
  deletedById?: string | null;
}
