import { decodeEtcdData, maxModifiedIndex, type ConftoolServerConfig, type EtcdV2Node } from './conftool-values.js';

export interface EtcdPoolWatcherOptions {
  /** etcd's client URL; user:password in it becomes Basic auth. */
  etcdUrl: string;
  /** The conftool directory, `/conftool/v1/pools/<dc>/<cluster>/<service>/`. */
  key: string;
  /** The complete new server set, only when it changed (pybal/etcd.py `onUpdate` compares with lastConfig). */
  onConfig: (config: ReadonlyMap<string, ConftoolServerConfig>) => void;
  /** pybal's `reconnectTimeout` is 1 s; the lab's retries start lower and back off. */
  retryMs: number;
  maxRetryMs?: number;
  log?: (line: string) => void;
}

/**
 * pybal's etcd configuration observer (pybal/etcd.py): a recursive GET of the pool's directory,
 * then long-polls `?recursive=true&wait=true&waitIndex=N`, N = X-Etcd-Index + 1 after a full read
 * and max(modifiedIndex) + 1 after a watch event. etcd's 400 errorCode 401 ("the event in requested
 * index is outdated and cleared") and any connection failure reset to a full read. Unlike pybal,
 * deleting the whole directory empties the pool (pybal would keep its last config).
 */
export class EtcdPoolWatcher {
  private waitIndex: number | undefined;
  private lastConfig = new Map<string, ConftoolServerConfig>();
  private controller: AbortController | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string> = {};

  constructor(private readonly options: EtcdPoolWatcherOptions) {
    const url = new URL(options.etcdUrl);
    if (url.username !== '') {
      this.headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.baseUrl = url.origin;
  }

  /** Starts (or, after pause, resumes with a full read) watching. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.waitIndex = undefined;
    this.loop = this.run();
  }

  /** Stops watching; keeps the last config. Resolves once the in-flight request is gone. */
  async pause(): Promise<void> {
    this.running = false;
    this.controller?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let retryMs = this.options.retryMs;
    while (this.running) {
      try {
        await this.poll();
        retryMs = this.options.retryMs;
      } catch (error) {
        if (!this.running) return;
        this.waitIndex = undefined;
        this.options.log?.(`config-etcd: ${this.options.key} failed: ${error instanceof Error ? error.message : String(error)}; retrying in ${retryMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(retryMs * 2, this.options.maxRetryMs ?? 5000);
      }
    }
  }

  private async poll(): Promise<void> {
    const params = new URLSearchParams({ recursive: 'true' });
    if (this.waitIndex !== undefined) {
      params.set('wait', 'true');
      params.set('waitIndex', String(this.waitIndex));
    }
    const path = `/v2/keys/${this.options.key.replace(/^\/+/, '').replace(/\/+$/, '')}`;
    this.controller = new AbortController();
    const response = await fetch(`${this.baseUrl}${path}?${params.toString()}`, { headers: this.headers, signal: this.controller.signal });
    const text = await response.text();
    if (response.status === 400) {
      const body = safeJson(text) as { errorCode?: number } | undefined;
      // "Attempted to fetch an outdated index": read the whole directory again.
      if (body?.errorCode === 401) this.waitIndex = undefined;
      throw new Error(`etcd 400: ${text.slice(0, 200)}`);
    }
    if (response.status !== 200) throw new Error(`etcd ${response.status}: ${text.slice(0, 200)}`);
    if (text.length === 0) return;
    const body = JSON.parse(text) as { action?: string; node?: EtcdV2Node };
    if (body.node === undefined) throw new Error(`etcd answer without a node: ${text.slice(0, 200)}`);
    const fullRead = this.waitIndex === undefined;
    const etcdIndex = Number(response.headers.get('x-etcd-index'));
    this.waitIndex = fullRead ? etcdIndex + 1 : maxModifiedIndex(body.node) + 1;
    this.apply(body.node, fullRead, body.action);
  }

  private apply(node: EtcdV2Node, fullRead: boolean, action: string | undefined): void {
    const ownKey = `/${this.options.key.replace(/^\/+/, '').replace(/\/+$/, '')}`;
    if (!fullRead && node.key === ownKey && (action === 'delete' || action === 'expire')) {
      this.publish(new Map());
      return;
    }
    // A full read replaces the config; a watch event merges into it (pybal: config.update(new_data)).
    const config = fullRead ? new Map<string, ConftoolServerConfig>() : new Map(this.lastConfig);
    for (const [host, value] of decodeEtcdData(node)) {
      if (value === null) config.delete(host);
      else config.set(host, value);
    }
    this.publish(config);
  }

  private publish(config: Map<string, ConftoolServerConfig>): void {
    if (sameConfig(config, this.lastConfig)) return;
    this.lastConfig = config;
    this.options.onConfig(new Map(config));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sameConfig(a: ReadonlyMap<string, ConftoolServerConfig>, b: ReadonlyMap<string, ConftoolServerConfig>): boolean {
  if (a.size !== b.size) return false;
  for (const [host, value] of a) {
    const other = b.get(host);
    if (other === undefined || other.weight !== value.weight || other.enabled !== value.enabled) return false;
  }
  return true;
}
