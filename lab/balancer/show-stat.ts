/** One server row of HAProxy's `show stat`, the fields the lab reads. */
export interface HaproxyServerStat {
  backend: string;
  server: string;
  /** "no check" when ready without health checks, "MAINT" in maintenance, "DRAIN" at weight 0. */
  status: string;
  weight: number;
  /** Current sessions: the IPVS ActiveConn stand-in. */
  scur: number;
  /** `addr` (HAProxy ≥ 1.9): `<ip>:<port>`. */
  addr: string;
}

/**
 * Parses `show stat`'s CSV (HAProxy management guide §9.1): a `# pxname,svname,…` header, then one
 * line per frontend, server and backend. Only server rows are kept (svname neither FRONTEND nor
 * BACKEND). Columns are found by name, so a newer HAProxy adding some does not break it.
 */
export function parseShowStat(csv: string): HaproxyServerStat[] {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const header = lines.shift();
  if (header === undefined || !header.startsWith('# ')) throw new Error(`not HAProxy show stat output: ${csv.slice(0, 80)}`);
  const columns = header.slice(2).split(',');
  const index = (name: string): number => {
    const at = columns.indexOf(name);
    if (at < 0) throw new Error(`show stat has no ${name} column`);
    return at;
  };
  const [px, sv, status, weight, scur, addr] = ['pxname', 'svname', 'status', 'weight', 'scur', 'addr'].map(index) as [number, number, number, number, number, number];
  return lines
    .map((line) => line.split(','))
    .filter((fields) => fields[sv] !== 'FRONTEND' && fields[sv] !== 'BACKEND')
    .map((fields) => ({
      backend: fields[px] ?? '',
      server: fields[sv] ?? '',
      status: fields[status] ?? '',
      weight: Number(fields[weight] ?? 0),
      scur: Number(fields[scur] ?? 0),
      addr: fields[addr] ?? '',
    }));
}
