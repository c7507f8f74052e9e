import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';

/** One line a client sent, with what the server had sent before it (for ordering asserts). */
export interface Received {
  connection: number;
  line: string;
  /** Numerics the server had sent on this connection when the line arrived (e.g. ['900']). */
  after: string[];
}

export interface FakeIrcServerOptions {
  /** TLS with this certificate; requestCert asks for a client certificate (SASL EXTERNAL). */
  tls?: { certFile: string; keyFile: string; requestCert?: boolean };
  /** Capabilities offered in CAP LS. */
  caps?: string[];
  /** Decides SASL: PLAIN gets the decoded authcid and password, EXTERNAL the client certificate's SHA-256 fingerprint. */
  sasl?: (attempt: { mechanism: string; account?: string; password?: string; fingerprint?: string }) => string | undefined;
  /** Pause between 900 (logged in) and 903 (SASL success): a window in which a client must not send CAP END. */
  loggedInPauseMs?: number;
  /** Nicks someone else already has (433 ERR_NICKNAMEINUSE). */
  takenNicks?: string[];
  /** Announce WHOX and answer WHO #channel with these members (account undefined: logged out). */
  whox?: Array<{ nick: string; account?: string }>;
}

export interface FakeIrcServer {
  readonly port: number;
  readonly received: Received[];
  /** Connections accepted so far. */
  connections(): number;
  /** Sends a raw line to every registered client. */
  broadcast(line: string): void;
  /** Closes every client connection, as a server restart would. */
  dropClients(): void;
  waitFor(predicate: (received: Received[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const SERVER = 'fake.irc.test';

/**
 * A tiny IRC server for what InspIRCd cannot do without services: SASL (PLAIN and EXTERNAL) and
 * account-tag. It speaks just enough (CAP 302, AUTHENTICATE, 001, JOIN, PING) for irc-framework,
 * and records every line clients send.
 */
export async function startFakeIrcServer(options: FakeIrcServerOptions = {}): Promise<FakeIrcServer> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const registered = new Set<Socket>();
  const waiters = new Set<() => void>();
  let connectionCount = 0;
  const caps = options.caps ?? ['sasl=PLAIN,EXTERNAL', 'message-tags', 'account-tag'];

  const onConnection = (socket: Socket): void => {
    connectionCount += 1;
    const id = connectionCount;
    sockets.add(socket);
    const sent: string[] = [];
    const state = { nick: '*', user: false, capEnded: false, mechanism: '', welcomed: false, echo: false, tags: false };
    let msgids = 0;
    const send = (line: string): void => {
      const numeric = /^(?:@\S+ )?:\S+ (\d{3}) /.exec(line)?.[1];
      if (numeric !== undefined) sent.push(numeric);
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };
    const welcome = (): void => {
      if (state.welcomed || !state.capEnded || state.nick === '*' || !state.user) return;
      state.welcomed = true;
      registered.add(socket);
      send(`:${SERVER} 001 ${state.nick} :Welcome to the fake network ${state.nick}`);
      send(`:${SERVER} 005 ${state.nick} CHANTYPES=# CASEMAPPING=rfc1459 NETWORK=Fake${options.whox === undefined ? '' : ' WHOX'} :are supported by this server`);
      send(`:${SERVER} 422 ${state.nick} :MOTD File is missing`);
    };
    const loggedIn = (account: string): void => {
      send(`:${SERVER} 900 ${state.nick} ${state.nick}!u@fake ${account} :You are now logged in as ${account}`);
      setTimeout(() => send(`:${SERVER} 903 ${state.nick} :SASL authentication successful`), options.loggedInPauseMs ?? 300);
    };
    const decide = (attempt: Parameters<NonNullable<FakeIrcServerOptions['sasl']>>[0]): void => {
      const account = options.sasl?.(attempt);
      if (account === undefined) send(`:${SERVER} 904 ${state.nick} :SASL authentication failed`);
      else loggedIn(account);
    };
    const handle = (line: string): void => {
      received.push({ connection: id, line, after: [...sent] });
      for (const waiter of [...waiters]) waiter();
      // Client tags (@+draft/reply=...) are not this server's business.
      const [command = '', ...params] = line.replace(/^@\S+ /, '').split(' ');
      switch (command.toUpperCase()) {
        case 'CAP':
          if (params[0] === 'LS') send(`:${SERVER} CAP ${state.nick} LS :${caps.join(' ')}`);
          else if (params[0] === 'REQ') {
            const wanted = params.slice(1).join(' ').replace(/^:/, '');
            state.echo ||= wanted.split(' ').includes('echo-message');
            state.tags ||= wanted.split(' ').includes('message-tags');
            send(`:${SERVER} CAP ${state.nick} ACK :${wanted}`);
          }
          else if (params[0] === 'END') {
            state.capEnded = true;
            welcome();
          }
          return;
        case 'NICK': {
          const wanted = params[0] ?? '*';
          if (options.takenNicks?.includes(wanted) === true) {
            send(`:${SERVER} 433 ${state.nick} ${wanted} :Nickname is already in use`);
            return;
          }
          state.nick = wanted;
          return welcome();
        }
        case 'USER':
          state.user = true;
          return welcome();
        case 'AUTHENTICATE': {
          const arg = params[0] ?? '';
          if (state.mechanism === '') {
            state.mechanism = arg;
            send('AUTHENTICATE +');
            return;
          }
          if (state.mechanism === 'EXTERNAL') {
            const certificate = (socket as TLSSocket).getPeerCertificate?.();
            const fingerprint = certificate !== undefined && 'fingerprint256' in certificate ? certificate.fingerprint256 : undefined;
            decide({ mechanism: 'EXTERNAL', ...(fingerprint === undefined ? {} : { fingerprint }) });
            return;
          }
          const [, account, password] = Buffer.from(arg, 'base64').toString('utf8').split('\0');
          decide({ mechanism: state.mechanism, ...(account === undefined ? {} : { account }), ...(password === undefined ? {} : { password }) });
          return;
        }
        case 'JOIN':
          for (const channel of (params[0] ?? '').split(',')) send(`:${state.nick}!u@fake JOIN ${channel}`);
          return;
        case 'PRIVMSG':
          // echo-message: the sender gets its own line back, with a msgid where tags are on.
          if (state.echo) send(`${state.tags ? `@msgid=${id}-${++msgids} ` : ''}:${state.nick}!u@fake PRIVMSG ${params[0] ?? ''} ${params.slice(1).join(' ')}`);
          return;
        case 'WHO': {
          // WHOX %tcuhsnfdaor,<token>: token channel user host server nick flags hops account oplevel :realname
          const token = /,(\d+)$/.exec(params[1] ?? '')?.[1];
          if (options.whox !== undefined && token !== undefined) {
            for (const member of options.whox) send(`:${SERVER} 354 ${state.nick} ${token} ${params[0] ?? ''} u host ${SERVER} ${member.nick} H 0 ${member.account ?? '0'} n/a :${member.nick}`);
          }
          send(`:${SERVER} 315 ${state.nick} ${params[0] ?? ''} :End of /WHO list.`);
          return;
        }
        case 'PING':
          send(`:${SERVER} PONG ${SERVER} ${params.join(' ')}`);
          return;
        case 'QUIT':
          socket.end();
          return;
        default:
          return;
      }
    };
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split(/\r?\n/);
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line !== '') handle(line);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      registered.delete(socket);
      for (const waiter of [...waiters]) waiter();
    });
  };

  const server: Server =
    options.tls === undefined
      ? createTcpServer(onConnection)
      : createTlsServer(
          { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile), requestCert: options.tls.requestCert ?? false, rejectUnauthorized: false },
          onConnection,
        );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    received,
    connections: () => connectionCount,
    broadcast(line) {
      for (const socket of registered) socket.write(`${line}\r\n`);
    },
    dropClients() {
      for (const socket of sockets) socket.destroy();
    },
    waitFor(predicate, what, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`fake IRC server waited ${timeoutMs} ms for ${what}; received:\n${received.map((r) => `${r.connection}: ${r.line}`).join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
