export interface Workspace {
  id: string;
  tenantId: string;
  parentId: string | null;
  name: string;
  depth: number;
  isRoot: boolean;
  createdAt: Date;
  updatedAt: Date;
}
