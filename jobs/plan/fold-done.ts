import { foldHosts } from '../../core/nodeset.js';

const HOST_WRITE = /^(pool|depool|retire) (\S+)( \(already so\)| \(already done\))?$/;

/**
 * What a step did, one phrase per kind of write: `pool wikikube-worker[1001-1050]` instead of fifty
 * `pool wikikube-workerNNNN`, so a wave's end is one IRC line, not five. Anything that is not a
 * single host's write (puppet, helm summaries) stays as it was, in order.
 */
export function foldDone(done: readonly string[]): string[] {
  const groups = new Map<string, string[]>();
  const out: (string | { key: string })[] = [];
  for (const phrase of done) {
    const match = HOST_WRITE.exec(phrase);
    if (match === null) {
      out.push(phrase);
      continue;
    }
    const [, verb = '', host = '', note = ''] = match;
    const key = `${verb}\u0000${note}`;
    const hosts = groups.get(key);
    if (hosts === undefined) {
      groups.set(key, [host]);
      out.push({ key });
    } else hosts.push(host);
  }
  return out.map((item) => {
    if (typeof item === 'string') return item;
    const [verb = '', note = ''] = item.key.split('\u0000');
    return `${verb} ${foldHosts(groups.get(item.key) ?? [])}${note}`;
  });
}
