import * as z from 'zod';

/**
 * etcd v2 keys API shapes, as etcd 3.4 sends them. Loose objects: etcd adds fields (ttl,
 * expiration) that cutover does not read, and their presence is not an error.
 */
const etcdLeafSchema = z.looseObject({
  key: z.string(),
  value: z.string().optional(),
  dir: z.boolean().optional(),
  modifiedIndex: z.int().nonnegative(),
  createdIndex: z.int().nonnegative(),
});

export const etcdNodeSchema = etcdLeafSchema.extend({
  /** Children of a directory; only one level is read, deeper directories are not pool members. */
  nodes: z.array(etcdLeafSchema).optional(),
});
export type EtcdNode = z.infer<typeof etcdNodeSchema>;

/** A successful answer: get, create, compareAndSwap. */
export const etcdResultSchema = z.looseObject({
  action: z.string(),
  node: etcdNodeSchema,
});

/** An error answer, e.g. {"errorCode":101,"message":"Compare failed","cause":"[3 != 4]","index":4}. */
export const etcdErrorSchema = z.looseObject({
  errorCode: z.int(),
  message: z.string(),
  cause: z.string().optional(),
  index: z.int().optional(),
});
export type EtcdError = z.infer<typeof etcdErrorSchema>;

/** etcd v2 error codes cutover acts on (etcd `error/error.go`). */
export const ETCD_KEY_NOT_FOUND = 100;
export const ETCD_COMPARE_FAILED = 101;
export const ETCD_NODE_EXIST = 105;
