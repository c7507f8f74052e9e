import type { PoolProgrammer, ProgrammedServer } from '../pybal/pool-programmer.js';
import type { HaproxyRuntime } from './haproxy-runtime.js';

/**
 * The primary pybal's hands on one DC's HAProxy: a pool's desired state becomes `ready` + weight
 * for pooled servers and `maint` for every other server of the backend (not pooled, disabled,
 * inactive, unknown to pybal), as ipvsadm -a/-e/-d would leave the IPVS service.
 */
export class HaproxyPoolProgrammer implements PoolProgrammer {
  constructor(
    private readonly runtime: HaproxyRuntime,
    /** Per backend (pool name), every server line the config has. */
    private readonly backends: ReadonlyMap<string, readonly string[]>,
  ) {}

  async program(pool: string, servers: readonly ProgrammedServer[]): Promise<void> {
    const members = this.backends.get(pool);
    if (members === undefined) throw new Error(`HAProxy has no backend ${pool}`);
    const wanted = new Map(servers.map((server) => [server.host, server]));
    await this.runtime.apply(
      pool,
      members.map((server) => {
        const state = wanted.get(server);
        return { server, ready: state?.pooled === true, weight: state?.weight ?? 0 };
      }),
    );
  }
}
