/**
 * What `run-puppet-agent` (puppet agent --onetime, via operations-puppet's wrapper) prints on one
 * host, as the bot's parser (adapters/puppet/puppet-output.ts) reads it: Info lines, one
 * `Notice: /Stage[main]/…` line per resource changed, `Notice: Applied catalog in N seconds`.
 * Shared by the lab's stand-in cumin and the test fake.
 */

export type PuppetOutcome = 'noop' | 'changed' | 'resource-error' | 'fail' | 'timeout';

export interface AgentRun {
  status: 'success' | 'failed' | 'timeout';
  output: string;
}

function head(host: string, change = 'maps: listen on 6543 (T378944)'): string[] {
  return [
    "Info: Using environment 'production'",
    'Info: Retrieving pluginfacts',
    'Info: Retrieving plugin',
    'Info: Loading facts',
    `Info: Caching catalog for ${host}`,
    `Info: Applying configuration version '(a1b2c3d4e5) alice - ${change}'`,
  ];
}

/** A plausible, stable run time per host, so outputs of identical runs group as cumin groups them. */
function seconds(host: string): string {
  return (8 + (host.length % 7) + Number(host.replace(/\D/g, '').slice(-2)) / 100).toFixed(2);
}

/** What the agent prints when puppet is disabled (puppet's own wording, "Skipping run of …"). */
export function disabledRun(reason: string): AgentRun {
  return {
    status: 'failed',
    output: `Notice: Skipping run of Puppet configuration client; administratively disabled (Reason: '${reason}');\nUse 'puppet agent --enable' to re-enable.`,
  };
}

/**
 * A completed run that changed `resources`: each is a resource path as puppet logs it, e.g.
 * `Profile::Maps::Tlsproxy/Envoy[kartotherian-6543]/File[/etc/envoy/listeners.d/00-tls_terminator_6543.yaml]/ensure`
 * with an optional ": <message>" (default "defined content"). An empty list is a no-op run.
 */
export function appliedRun(host: string, resources: readonly string[]): AgentRun {
  const notices = resources.map((resource) => {
    const colon = resource.indexOf(': ');
    const path = colon === -1 ? resource : resource.slice(0, colon);
    const message = colon === -1 ? "defined content as '{md5}9a8b7c6d'" : resource.slice(colon + 2);
    return `Notice: /Stage[main]/${path}: ${message}`;
  });
  return { status: 'success', output: [...head(host), ...notices, `Notice: Applied catalog in ${seconds(host)} seconds`].join('\n') };
}

/** The canned runs the adapter tests pick per host. */
export function puppetRun(host: string, outcome: PuppetOutcome): AgentRun {
  const lines = head(host);
  switch (outcome) {
    case 'noop':
      return appliedRun(host, []);
    case 'changed':
      return {
        status: 'success',
        output: [
          ...lines,
          'Notice: /Stage[main]/Profile::Maps::Tlsproxy/Profile::Tlsproxy::Envoy[kartotherian-6543]/File[/etc/envoy/listeners.d/00-tls_terminator_6543.yaml]/content: ',
          '--- /etc/envoy/listeners.d/00-tls_terminator_6543.yaml\t2025-01-10 10:00:00.000000000 +0000',
          '+++ /tmp/puppet-file20250115-1234-abcdef\t2025-01-15 12:00:00.000000000 +0000',
          '@@ -1,3 +1,3 @@',
          '-  port_value: 6533',
          '+  port_value: 6543',
          "Notice: /Stage[main]/Profile::Maps::Tlsproxy/Profile::Tlsproxy::Envoy[kartotherian-6543]/File[/etc/envoy/listeners.d/00-tls_terminator_6543.yaml]/content: content changed '{md5}0f1e2d3c' to '{md5}4b5a6978'",
          'Info: /Stage[main]/Profile::Maps::Tlsproxy/Profile::Tlsproxy::Envoy[kartotherian-6543]/File[/etc/envoy/listeners.d/00-tls_terminator_6543.yaml]: Scheduling refresh of Service[envoyproxy.service]',
          "Notice: /Stage[main]/Envoyproxy/Systemd::Service[envoyproxy.service]/Service[envoyproxy.service]: Triggered 'refresh' from 1 event",
          "Notice: /Stage[main]/Ferm/Ferm::Service[kartotherian-6543]/File[/etc/ferm/conf.d/10_kartotherian-6543]/ensure: defined content as '{md5}9a8b7c6d'",
          `Notice: Applied catalog in ${seconds(host)} seconds`,
        ].join('\n'),
      };
    case 'resource-error':
      return {
        status: 'success',
        output: [
          ...lines,
          'Error: Systemd start for envoyproxy failed!\njournalctl log for envoyproxy:\n-- No entries --',
          "Error: /Stage[main]/Envoyproxy/Systemd::Service[envoyproxy.service]/Service[envoyproxy.service]/ensure: change from 'stopped' to 'running' failed: Systemd start for envoyproxy failed!",
          `Notice: Applied catalog in ${seconds(host)} seconds`,
        ].join('\n'),
      };
    case 'fail':
      return {
        status: 'failed',
        output: [
          ...lines.slice(0, 4),
          'Error: Could not retrieve catalog from remote server: Error 500 on SERVER: Server Error: Evaluation Error: Error while evaluating a Resource Statement, Duplicate declaration: Ferm::Service[kartotherian-6543] is already declared (file: /srv/puppet_code/environments/production/modules/profile/manifests/maps/tlsproxy.pp, line: 42) on node ' +
            host,
          'Warning: Not using cache on failed catalog',
          'Error: Could not retrieve catalog; skipping run',
        ].join('\n'),
      };
    case 'timeout':
      return { status: 'timeout', output: lines.slice(0, 4).join('\n') };
    default:
      return outcome satisfies never;
  }
}
