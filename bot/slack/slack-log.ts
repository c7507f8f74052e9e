import { LogLevel, type Logger } from '@slack/bolt';

/** How the transport reports trouble: a line for the operator, and the error behind it. */
export type SlackLog = (message: string, error?: unknown) => void;

/**
 * Bolt, the WebClient and the socket-mode client log through this. Their debug and info lines
 * include payloads and the socket-mode URL (which carries a connection ticket), so only warnings
 * and errors get through, with anything shaped like a Slack token or ticket blanked out.
 */
export function boltLogger(log: SlackLog): Logger {
  let level = LogLevel.WARN;
  const forward = (parts: unknown[]): void => {
    const error = parts.find((part) => part instanceof Error);
    const text = parts
      .filter((part) => !(part instanceof Error))
      .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)))
      .join(' ');
    log(`slack: ${redactSecrets(text === '' && error instanceof Error ? error.message : text)}`, error);
  };
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...parts: unknown[]) => forward(parts),
    error: (...parts: unknown[]) => forward(parts),
    setLevel: (next) => void (level = next),
    getLevel: () => level,
    setName: () => undefined,
  };
}

export function redactSecrets(text: string): string {
  return text.replace(/\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+/g, '[redacted token]').replace(/ticket=[^&\s"']+/g, 'ticket=[redacted]');
}
