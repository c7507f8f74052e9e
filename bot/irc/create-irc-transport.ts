import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type IrcFramework from 'irc-framework';
import type { EnvSettings } from '../../config/load.js';
import type { Config, IrcTransportConfig } from '../../config/schema.js';
import { CutoverError } from '../../core/errors.js';
import { identifyIrcSender } from './identify.js';
import type { IrcLog } from './irc-log.js';
import { IrcTransport, type IrcTransportOptions } from './irc-transport.js';

/** Collaborators a caller may replace (tests: clocks, clients, short timeouts). */
export type IrcTransportOverrides = Partial<Omit<IrcTransportOptions, 'settings' | 'connectOptions' | 'identify' | 'log'>>;

/**
 * The IRC transport as the config describes it. Problems that would make every attempt fail
 * (no SASL password, unreadable certificate files) are reported now, at startup; the files are
 * read again for every connection attempt, so renewed certificates are picked up on reconnect.
 */
export function createIrcTransport(settings: IrcTransportConfig, env: EnvSettings, config: Config, log: IrcLog, overrides: IrcTransportOverrides = {}): IrcTransport {
  const connectOptions = (): IrcFramework.ConnectOptions => ircConnectOptions(settings, env);
  connectOptions();
  return new IrcTransport({
    ...overrides,
    settings,
    connectOptions,
    identify: (sender) => identifyIrcSender(config, settings.trust_nicks, sender),
    log,
  });
}

export function ircConnectOptions(settings: IrcTransportConfig, env: EnvSettings): IrcFramework.ConnectOptions {
  const options: IrcFramework.ConnectOptions = {
    host: settings.host,
    port: settings.port,
    nick: settings.nick,
    username: settings.nick.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 10) || 'cutover',
    gecos: 'cutover chat-ops bot',
    tls: settings.tls,
    rejectUnauthorized: settings.tls_verify,
  };
  // A ca option replaces Node's trusted roots; the config's ca_file is meant to add to them.
  if (settings.ca_file !== undefined) options.ca = [...rootCertificates, readPem(settings.ca_file, 'transports.irc.ca_file')];
  const sasl = settings.sasl;
  if (sasl === undefined) return options;
  if (sasl.mechanism === 'PLAIN') {
    const password = env.ircSaslPassword;
    if (password === undefined || password === '') {
      throw new CutoverError('config.invalid', 'transports.irc.sasl is PLAIN but IRC_SASL_PASSWORD is not set; the password only ever comes from the environment.');
    }
    options.account = { account: sasl.account, password };
    return options;
  }
  if (!settings.tls) throw new CutoverError('config.invalid', 'transports.irc.sasl EXTERNAL authenticates with a TLS client certificate: set tls: true.');
  if (sasl.client_cert === undefined || sasl.client_key === undefined) {
    throw new CutoverError('config.invalid', 'transports.irc.sasl EXTERNAL needs client_cert and client_key (PEM files).');
  }
  options.sasl_mechanism = 'EXTERNAL';
  options.client_certificate = {
    certificate: readPem(sasl.client_cert, 'transports.irc.sasl.client_cert'),
    private_key: readPem(sasl.client_key, 'transports.irc.sasl.client_key'),
  };
  return options;
}

function readPem(path: string, setting: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CutoverError('config.unreadable', `Cannot read ${setting} ${path}: ${(cause as Error).message}`, { cause });
  }
  if (!text.includes('-----BEGIN ')) throw new CutoverError('config.invalid', `${setting} ${path} is not a PEM file.`);
  return text;
}
