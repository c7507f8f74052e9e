import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Keys that may carry a credential wherever they appear one level deep in a log object. Secrets
 * never reach a log line on purpose; this is the net for the day someone logs a whole options bag.
 */
export const REDACTED_LOG_PATHS = [
  'password', '*.password',
  'token', '*.token', 'tokens', '*.tokens',
  'secret', '*.secret', 'signingSecret', '*.signingSecret',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'env', '*.env',
  'url', '*.url',
];

/** The bot's logger: JSON lines with credentials censored. */
export function createLogger(level: string, destination: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }, destination);
}
