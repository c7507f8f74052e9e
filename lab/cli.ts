import { openLab } from './rehearse/open-lab.js';

/**
 * `npm run lab`: the two-DC Kartotherian lab on loopback until Ctrl-C, with the config and the one
 * command that starts the bot against it. Options: --time-scale N (default 0.01), --quiet.
 */
async function main(argv: readonly string[]): Promise<void> {
  const scaleAt = argv.indexOf('--time-scale');
  const timeScale = scaleAt === -1 ? 0.01 : Number(argv[scaleAt + 1]);
  if (!(timeScale > 0 && timeScale <= 1)) throw new Error('--time-scale takes a number in (0, 1], e.g. 0.01 for soaks 100 times shorter');
  const quiet = argv.includes('--quiet');
  const started = Date.now();
  const opened = await openLab({ timeScale });
  const { lab } = opened;
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  say(`lab up in ${((Date.now() - started) / 1000).toFixed(1)} s, files in ${lab.dir}`);
  say(`  etcd ${lab.etcdUrl} (conftool layout) · Prometheus ${lab.prometheusUrl} · control ${lab.controlUrl}`);
  for (const dc of lab.topology.datacenters) {
    const hosts = lab.topology.hosts.filter((host) => host.dc === dc);
    say(`  ${dc}: VIP ${lab.topology.vips[dc]} · ${hosts.map((host) => `${host.fqdn.split('.')[0]}=${host.address}`).join(' ')}`);
  }
  say(`bot config: ${opened.configPath}`);
  say('start the bot against it (another terminal, from this checkout):');
  say(`  ${opened.command}`);
  say('then: !kartotherian plan · !kartotherian next "rehearsal" · /as bob · !approve <id>');
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping the lab`);
    clearInterval(ticker);
    await opened.stop();
    process.exit(0);
  };
  const ticker = setInterval(() => {
    if (quiet) return;
    const tally = lab.cdnTally();
    const parts = Object.entries(tally.byDc).map(([dc, t]) => `${dc} ${t.ok}/${t.sent} ok${t.failed > 0 ? ` (${Object.entries(t.byStatus).filter(([status]) => !status.startsWith('2')).map(([status, count]) => `${count}×${status}`).join(' ')})` : ''}`);
    say(`CDN so far: ${parts.join(' · ')}`);
  }, 30_000);
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`lab: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
