/** Raw access to etcd's v2 keys API, the way conftool or another operator would write. */
export class EtcdKeys {
  constructor(
    private readonly url: string,
    private readonly auth?: { username: string; password: string },
  ) {}

  private headers(): Record<string, string> {
    return this.auth === undefined ? {} : { Authorization: `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}` };
  }

  /** Writes a key unconditionally (or with the given conditions) and returns its new modifiedIndex. */
  async put(key: string, value: string, conditions: Record<string, string> = {}): Promise<number> {
    const response = await fetch(`${this.url}/v2/keys${key}`, { method: 'PUT', headers: this.headers(), body: new URLSearchParams({ value, ...conditions }) });
    const body = (await response.json()) as { node?: { modifiedIndex?: number } };
    if (!response.ok || typeof body.node?.modifiedIndex !== 'number') throw new Error(`PUT ${key} failed: ${response.status} ${JSON.stringify(body)}`);
    return body.node.modifiedIndex;
  }

  /** The raw stored string and index, or undefined. */
  async get(key: string): Promise<{ value: string; modifiedIndex: number } | undefined> {
    const response = await fetch(`${this.url}/v2/keys${key}?quorum=true`, { headers: this.headers() });
    if (response.status === 404) return undefined;
    const body = (await response.json()) as { node?: { value?: string; modifiedIndex?: number } };
    if (!response.ok || typeof body.node?.value !== 'string' || typeof body.node.modifiedIndex !== 'number') throw new Error(`GET ${key} failed: ${response.status} ${JSON.stringify(body)}`);
    return { value: body.node.value, modifiedIndex: body.node.modifiedIndex };
  }

  /** Removes a whole tree, e.g. /conftool between tests. */
  async removeTree(key: string): Promise<void> {
    const response = await fetch(`${this.url}/v2/keys${key}?recursive=true`, { method: 'DELETE', headers: this.headers() });
    if (!response.ok && response.status !== 404) throw new Error(`DELETE ${key} failed: ${response.status} ${await response.text()}`);
  }
}
