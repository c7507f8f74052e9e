import IrcFramework from 'irc-framework';
import { firstMatch } from './wait-until.js';

/** A line the human saw in a channel. */
export interface Heard {
  nick: string;
  target: string;
  text: string;
  msgid: string | undefined;
  /** Milliseconds since the human connected. */
  at: number;
  /** Heard as a NOTICE (to this human alone), not a PRIVMSG. */
  notice?: true;
}

export interface IrcHuman {
  readonly nick: string;
  readonly client: IrcFramework.Client;
  /** Every PRIVMSG seen, and every NOTICE from someone, in order. */
  readonly heard: Heard[];
  /** Every raw line from the server (QUIT reasons, ERRORs), in order. */
  readonly raw: string[];
  /** Every IRCv3 reaction (TAGMSG +draft/react) seen, in order. */
  readonly reactions: Array<{ nick: string; target: string; emoji: string; reply: string | undefined }>;
  say(channel: string, text: string): void;
  /** An IRCv3 reaction: TAGMSG with +draft/react replying to msgid. */
  react(channel: string, msgid: string, emoji: string): void;
  /** The first line at or after index `from` whose text matches. */
  waitFor(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<Heard & { match: RegExpExecArray }>;
  /** Waits until `predicate` holds for what was heard. */
  waitUntil(predicate: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  quit(): Promise<void>;
  /** Drops the connection without a QUIT (which a lagged client would only send after its backlog). */
  drop(): void;
}

/**
 * A person in the channel, played by irc-framework: connects, joins and then says and reacts
 * only when the test tells it to. It asks for message-tags (for msgids and reactions) but not
 * echo-message, as most clients.
 */
export async function connectHuman(options: { host: string; port: number; nick: string; channels: string[]; timeoutMs?: number }): Promise<IrcHuman> {
  const client = new IrcFramework.Client();
  const heard: Heard[] = [];
  const raw: string[] = [];
  const reactions: IrcHuman['reactions'] = [];
  const started = Date.now();
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  client.on('privmsg', (event) => {
    const e = event as { nick: string; target: string; message: string; tags: Record<string, string> };
    heard.push({ nick: e.nick, target: e.target, text: e.message, msgid: e.tags['msgid'], at: Date.now() - started });
    notify();
  });
  // A NOTICE from someone (not the server) is heard too, marked: the bot answers help and detail that way.
  client.on('notice', (event) => {
    const e = event as { nick: string; target: string; message: string; tags: Record<string, string>; from_server?: boolean };
    if (e.from_server === true || e.nick === '') return;
    heard.push({ nick: e.nick, target: e.target, text: e.message, msgid: e.tags['msgid'], at: Date.now() - started, notice: true });
    notify();
  });
  client.on('tagmsg', (event) => {
    const e = event as { nick: string; target: string; tags: Record<string, string> };
    const emoji = e.tags['+draft/react'];
    if (emoji !== undefined) reactions.push({ nick: e.nick, target: e.target, emoji, reply: e.tags['+draft/reply'] });
    notify();
  });
  client.on('raw', (event) => {
    const e = event as { line: string; from_server: boolean };
    if (e.from_server) {
      raw.push(e.line);
      notify();
    }
  });

  const waitUntil = (predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`${options.nick} waited ${timeoutMs} ms for ${what}; heard:\n${heard.map((line) => `<${line.nick}> ${line.text}`).join('\n')}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });

  const joined = new Set<string>();
  client.on('join', (event) => {
    const e = event as { nick: string; channel: string };
    if (e.nick === options.nick) joined.add(e.channel.toLowerCase());
    notify();
  });
  client.connect({ host: options.host, port: options.port, nick: options.nick, username: options.nick, gecos: options.nick, auto_reconnect: false, version: false });
  client.on('registered', () => {
    for (const channel of options.channels) client.join(channel);
  });
  await waitUntil(() => options.channels.every((channel) => joined.has(channel.toLowerCase())), `joining ${options.channels.join(', ')}`, options.timeoutMs ?? 10_000);

  return {
    nick: options.nick,
    client,
    heard,
    raw,
    reactions,
    say: (channel, text) => client.raw(`PRIVMSG ${channel} :${text}`),
    react: (channel, msgid, emoji) => client.raw(`@+draft/react=${emoji};+draft/reply=${msgid} TAGMSG ${channel}`),
    waitUntil,
    async waitFor(pattern, { from = 0, timeoutMs = 10_000 } = {}) {
      let found: (Heard & { match: RegExpExecArray }) | undefined;
      await waitUntil(
        () => {
          const hit = firstMatch(heard.slice(from), (line) => line.text, pattern);
          if (hit !== undefined) found = { ...hit.item, match: hit.match };
          return hit !== undefined;
        },
        String(pattern),
        timeoutMs,
      );
      if (found === undefined) throw new Error('unreachable: waitUntil resolved without a match');
      return found;
    },
    drop() {
      client.connection.end(undefined, true);
    },
    async quit() {
      if (!client.connected) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        client.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
        client.quit('bye');
      });
    },
  };
}
