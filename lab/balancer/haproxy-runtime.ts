import { connect } from 'node:net';
import { parseShowStat, type HaproxyServerStat } from './show-stat.js';

/** HAProxy caps a server's weight at 256. */
const MAX_WEIGHT = 256;

/**
 * A client of HAProxy's runtime API on its admin stats socket: one connection per batch of
 * commands (`;`-separated, non-interactive mode), answer read until HAProxy closes. Only what the
 * lab's pybal needs: ready/maint, weight, show stat.
 */
export class HaproxyRuntime {
  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 5000,
  ) {}

  /** Sends commands and returns HAProxy's answer; any non-empty answer to a `set` is an error. */
  command(commands: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      let output = '';
      socket.setEncoding('utf8');
      socket.setTimeout(this.timeoutMs, () => socket.destroy(new Error(`HAProxy runtime API at ${this.socketPath} did not answer within ${this.timeoutMs} ms`)));
      socket.on('connect', () => socket.end(`${commands.join(';')}\n`));
      socket.on('data', (chunk: string) => {
        output += chunk;
      });
      socket.on('error', reject);
      socket.on('close', (hadError) => {
        if (!hadError) resolve(output);
      });
    });
  }

  /**
   * Puts servers in (ready, at a weight) or out (maint) in one batch. Weight 0 becomes 1: pybal
   * gives ipvsadm `-w` only for a truthy weight (pybal/ipvs.py), so IPVS keeps the server at its
   * default weight 1 and it still takes traffic. HAProxy's own weight 0 would drain it instead.
   */
  async apply(backend: string, servers: ReadonlyArray<{ server: string; ready: boolean; weight: number }>): Promise<void> {
    if (servers.length === 0) return;
    const commands = servers.flatMap(({ server, ready, weight }) => {
      const target = `${backend}/${server}`;
      return ready ? [`set server ${target} weight ${Math.min(MAX_WEIGHT, Math.max(1, weight))}`, `set server ${target} state ready`] : [`set server ${target} state maint`];
    });
    const answer = (await this.command(commands)).trim();
    if (answer !== '') throw new Error(`HAProxy refused ${commands.join('; ')}: ${answer}`);
  }

  async showStat(): Promise<HaproxyServerStat[]> {
    return parseShowStat(await this.command(['show stat']));
  }
}
