/**
 * Types for the part of irc-framework 4.14 (CommonJS, untyped: kiwiirc/irc-framework#166) that
 * cutover uses. Event payloads are `unknown` on purpose: they are network input, and the
 * transport parses them with zod (bot/irc/irc-events.ts) before trusting a field.
 */
declare module 'irc-framework' {
  namespace IrcFramework {
    interface ConnectOptions {
      host: string;
      port: number;
      nick: string;
      username?: string;
      gecos?: string;
      tls?: boolean;
      rejectUnauthorized?: boolean;
      /** Trusted CAs for tls.connect; our patch (patches/irc-framework+4.14.0.patch) passes it through. */
      ca?: string[];
      account?: { account: string; password: string };
      sasl_mechanism?: 'PLAIN' | 'EXTERNAL';
      client_certificate?: { certificate: string; private_key: string };
      sasl_disconnect_on_fail?: boolean;
      auto_reconnect?: boolean;
      ping_interval?: number;
      ping_timeout?: number;
      enable_echomessage?: boolean;
      version?: string | false;
    }

    interface CapState {
      isEnabled(cap: string): boolean;
      enabled: string[];
    }

    interface NetworkInfo {
      cap: CapState;
      supports(feature: string): unknown;
    }

    interface UserState {
      nick: string;
    }

    interface Connection {
      /** had_error true: close without marking it a requested disconnect. */
      end(data?: string, hadError?: boolean): void;
    }

    class Client {
      constructor(options?: Partial<ConnectOptions>);
      readonly connected: boolean;
      readonly connection: Connection;
      readonly network: NetworkInfo;
      readonly user: UserState;
      connect(options: ConnectOptions): void;
      requestCap(cap: string | string[]): void;
      /** Writes one raw line (arguments are joined; the last gets a ':' when it needs one). */
      raw(...args: string[]): void;
      join(channel: string, key?: string): void;
      who(target: string, callback: (event: unknown) => void): void;
      quit(message?: string): void;
      caseCompare(a: string, b: string): boolean;
      on(event: string, listener: (event: unknown) => void): this;
      removeAllListeners(event?: string): this;
    }
  }
  export = IrcFramework;
}
