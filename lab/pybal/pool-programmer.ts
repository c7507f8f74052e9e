/** One server of a pool as the primary pybal wants it in the balancer (IPVS in production). */
export interface ProgrammedServer {
  host: string;
  pooled: boolean;
  /** conftool's weight; what the balancer makes of 0 is its business (ipvsadm: no -w, i.e. 1). */
  weight: number;
}

/** What a primary pybal programs: a pool's complete desired state, applied as a whole. */
export interface PoolProgrammer {
  program(pool: string, servers: readonly ProgrammedServer[]): Promise<void>;
}
