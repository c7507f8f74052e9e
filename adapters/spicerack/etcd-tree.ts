import { z } from 'zod';
import type { EtcdNode } from '../conftool/etcd-schemas.js';

/**
 * etcd-schemas' node reads one level of children; lock directories nest (`cookbooks/<name>` under
 * `/spicerack/locks`), so the tree is walked here with its own loose shape.
 */
interface TreeNode {
  key: string;
  value?: string | undefined;
  dir?: boolean | undefined;
  modifiedIndex: number;
  nodes?: TreeNode[] | undefined;
}
const treeNodeSchema: z.ZodType<TreeNode> = z.looseObject({
  key: z.string(),
  value: z.string().optional(),
  dir: z.boolean().optional(),
  modifiedIndex: z.int().nonnegative(),
  get nodes() {
    return z.array(treeNodeSchema).optional();
  },
});

/** Every value under a node, at any depth, as python-etcd's `leaves` walks them. */
export function leaves(node: EtcdNode | TreeNode): TreeNode[] {
  const parsed = treeNodeSchema.parse(node);
  const out: TreeNode[] = [];
  const walk = (at: TreeNode): void => {
    if (at.dir !== true) out.push(at);
    for (const child of at.nodes ?? []) walk(child);
  };
  walk(parsed);
  return out;
}

export function leafKeys(node: EtcdNode): string[] {
  return leaves(node).map((leaf) => leaf.key);
}
